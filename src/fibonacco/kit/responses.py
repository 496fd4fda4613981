"""The response envelope (DESIGN.md §7): `{"data": …, "message": …, "meta": {"pagination": …}}`."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query, Response
from pydantic import BaseModel, Field
from pydantic_core import CoreSchema, SchemaSerializer, core_schema

T = TypeVar("T")

MAX_PER_PAGE = 100
# Far beyond any real list; it keeps the row offset a valid database integer.
MAX_PAGE = 100_000


class PaginationMeta(BaseModel):
    page: int
    per_page: int
    total: int
    total_pages: int


class ListMeta(BaseModel):
    pagination: PaginationMeta


class Envelope(BaseModel, Generic[T]):
    data: T
    message: str | None = None
    meta: dict[str, object] | None = None


class PaginatedEnvelope(BaseModel, Generic[T]):
    data: list[T]
    message: str | None = None
    meta: ListMeta


class Page(BaseModel):
    page: int = Field(1, ge=1, le=MAX_PAGE)
    per_page: int = Field(20, ge=1, le=MAX_PER_PAGE)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


async def _page_params(  # async: a plain def would run in the thread pool (kit.dependencies)
    page: Annotated[int, Query(ge=1, le=MAX_PAGE, description="1-based page number")] = 1,
    per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE, description=f"items per page (max {MAX_PER_PAGE})")] = 20,
) -> Page:
    return Page(page=page, per_page=per_page)


PageDep = Annotated[Page, Depends(_page_params)]


def ok(data: T, message: str | None = None) -> Envelope[T]:
    return Envelope[T](data=data, message=message)


def _list_meta(total: int, page: Page) -> ListMeta:
    pagination = PaginationMeta(
        page=page.page,
        per_page=page.per_page,
        total=total,
        total_pages=math.ceil(total / page.per_page) if total else 0,
    )
    return ListMeta(pagination=pagination)


def paginated(items: list[T], total: int, page: Page, message: str | None = None) -> PaginatedEnvelope[T]:
    return PaginatedEnvelope[T](data=items, message=message, meta=_list_meta(total, page))


# --- read-only rows (`kit.driver.Row`), rendered without models ---


def row_response(model: type[BaseModel], row: Mapping[str, Any], message: str | None = None) -> Response:
    """`ok(model.model_validate(row))` for a read-only row (`Repository.rows`: a dict of typed columns), rendered
    as that envelope would be, without building the model: see `_serializer`. Declare the route's
    `response_model=Envelope[model]`; its OpenAPI document is the model's."""
    return _rendered(model, {"data": row, "message": message, "meta": None}, paged=False)


def rows_page(model: type[BaseModel], rows: Sequence[Mapping[str, Any]], total: int, page: Page) -> Response:
    """`paginated([model.model_validate(row) for row in rows], total, page)` for read-only rows, rendered without
    building the models (`row_response`). Declare the route's `response_model=PaginatedEnvelope[model]`."""
    return _rendered(model, {"data": rows, "message": None, "meta": _list_meta(total, page)}, paged=True)


def _rendered(model: type[BaseModel], envelope: dict[str, Any], *, paged: bool) -> Response:
    rendered = _serializer(model, paged=paged).to_json(envelope, by_alias=True, warnings="error")
    return Response(rendered, media_type="application/json")


@cache
def _serializer(model: type[BaseModel], *, paged: bool) -> SchemaSerializer:
    """The envelope's serializer with `model`'s fields as a typed dict, keyed as its validation reads them (a row's
    column names) and written under the names its JSON has, each by the model's own field serializer.

    Why: rows from the database are already of their columns' types; validating them into models only to dump
    those again cost a 50-row list page about a third of its rendering (bench/README.md, API, eleventh pass).
    The JSON is the model's, but for the order of keys, which is the row's (its columns' order). What a row has
    beyond the model's fields (a window count) is left out, as validation would; a field the row lacks is left out
    too, where validation would fail (tests compare each endpoint's rows with the model's rendering); a value
    of another type than its field's fails the request (a `PydanticSerializationError`). Refused: a model with
    computed fields, or a validator or serializer function of its own anywhere (rendering from a dict would skip or
    misapply it), or nested models kept as shared definitions."""
    schema: CoreSchema = model.__pydantic_core_schema__
    fields = schema.get("schema") if schema["type"] == "model" else None
    if fields is None or fields["type"] != "model-fields" or fields.get("computed_fields") or "serialization" in schema:
        raise TypeError(f"{model.__name__}: only a model of plain fields renders straight from rows")
    row_fields = {}
    for name, field in fields["fields"].items():
        key = field.get("validation_alias", name)
        if not isinstance(key, str):
            raise TypeError(f"{model.__name__}.{name}: a row's key is a single name")
        if _runs_code(field["schema"]):
            raise TypeError(f"{model.__name__}.{name}: a validator or serializer of its own would not run on a row")
        row_fields[key] = core_schema.typed_dict_field(
            field["schema"],
            serialization_alias=field.get("serialization_alias") or (name if key != name else None),
            serialization_exclude=field.get("serialization_exclude"),
        )
    row: CoreSchema = core_schema.typed_dict_schema(row_fields, config=schema.get("config"))
    data = core_schema.list_schema(row) if paged else row
    meta = ListMeta.__pydantic_core_schema__ if paged else core_schema.nullable_schema(core_schema.dict_schema())
    envelope = core_schema.typed_dict_schema(
        {
            "data": core_schema.typed_dict_field(data),
            "message": core_schema.typed_dict_field(core_schema.nullable_schema(core_schema.str_schema())),
            "meta": core_schema.typed_dict_field(meta),
        }
    )
    return SchemaSerializer(envelope)


# Core schema types that call a function: validators, and (under a schema's `serialization`) serializers.
_FUNCTIONS = frozenset({"function-before", "function-after", "function-wrap", "function-plain"})


def _runs_code(schema: object) -> bool:
    """Whether a field's core schema calls a function anywhere inside it (a list's items, its serializer)."""
    if isinstance(schema, dict):
        return schema.get("type") in _FUNCTIONS or any(_runs_code(part) for part in schema.values())
    if isinstance(schema, list | tuple):
        return any(_runs_code(part) for part in schema)
    return False
