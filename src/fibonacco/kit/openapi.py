"""The OpenAPI document says what the whole stack answers, not only what each route declares.

The kit's middleware refuses hostile input for every route (413 for an oversized body, 422 for NUL characters or
JSON nested too deep), validation answers 422 wherever there is input, and a body that is not even text (invalid
UTF-8) is a 400: those answers are added to every operation they can come from, in the error envelope, so a
generated client can trust the document. A dependency that reads its credentials itself names its security
scheme (`openapi_security`), which is documented on every operation that depends on it.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from fibonacco.kit.errors import BadRequest, FibonaccoError, PayloadTooLarge, ValidationFailed
from fibonacco.kit.routes import api_routes, dependency_calls

# Every route declares its errors with this model (`error_responses`), so the document always has it.
_ENVELOPE = {"$ref": "#/components/schemas/ErrorEnvelope"}


def _error(error: type[FibonaccoError]) -> dict[str, Any]:
    return {"description": error.__doc__ or error.code, "content": {"application/json": {"schema": _ENVELOPE}}}


def _complete(operation: dict[str, Any]) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    if operation.get("parameters") or operation.get("requestBody"):
        responses.setdefault("422", _error(ValidationFailed))
    if operation.get("requestBody"):
        responses.setdefault("400", _error(BadRequest))  # a body that cannot be decoded at all
        responses.setdefault("413", _error(PayloadTooLarge))


_PARAMETER = re.compile(r"\\\{[^/]+?\\\}")
_METHODS = frozenset({"get", "put", "post", "delete", "patch", "options", "trace"})


def allowed_methods(app: FastAPI, path: str) -> list[str]:
    """The documented methods of `path`, for the `Allow` header of a 405. A concrete path wins over the
    templates it also matches (`/queue/failed/retry` is not `/queue/failed/{job_id}`), as in OpenAPI."""
    documented: dict[str, list[str]] | None = getattr(app.state, "documented_methods", None)
    if documented is None:
        documented = {
            template: [method.upper() for method in operations if method in _METHODS]
            for template, operations in app.openapi().get("paths", {}).items()
        }
        app.state.documented_methods = documented
    if path in documented:
        return sorted(documented[path])
    matching = {
        method
        for template, methods in documented.items()
        if re.fullmatch(_PARAMETER.sub("[^/]+", re.escape(template)), path)
        for method in methods
    }
    return sorted(matching)


class SecurityScheme(NamedTuple):
    """An OpenAPI security scheme: its name under `components.securitySchemes`, and its definition."""

    name: str
    definition: dict[str, Any]


def _document_security(app: FastAPI, schema: dict[str, Any]) -> None:
    components = schema.setdefault("components", {})
    for route in api_routes(app.routes):
        schemes = {
            scheme.name: scheme.definition
            for call in dependency_calls(route.dependant)
            if isinstance(scheme := getattr(call, "openapi_security", None), SecurityScheme)
        }
        if not schemes:
            continue
        operations = schema.get("paths", {}).get(route.path_format, {})
        for method in route.methods or ():
            if (operation := operations.get(method.lower())) is not None:
                operation["security"] = [{name: []} for name in schemes]
        components.setdefault("securitySchemes", {}).update(schemes)


def install_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            for path in schema.get("paths", {}).values():
                for operation in path.values():
                    _complete(operation)
            _document_security(app, schema)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
