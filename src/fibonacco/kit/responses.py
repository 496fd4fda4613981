"""The response envelope (DESIGN.md §7): `{"data": …, "message": …, "meta": {"pagination": …}}`."""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Annotated, Any, Generic, TypeVar

import orjson
from fastapi import Depends, Query, Response
from pydantic import BaseModel, Field
from pydantic_core import CoreSchema

from fibonacco.kit.driver import Row

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


def _pagination(total: int, page: Page) -> dict[str, int]:
    total_pages = math.ceil(total / page.per_page) if total else 0
    return {"page": page.page, "per_page": page.per_page, "total": total, "total_pages": total_pages}


def paginated(items: list[T], total: int, page: Page, message: str | None = None) -> PaginatedEnvelope[T]:
    meta = ListMeta(pagination=PaginationMeta(**_pagination(total, page)))
    return PaginatedEnvelope[T](data=items, message=message, meta=meta)


# --- read-only rows (`kit.driver.Row`), rendered without models ---


def row_response(model: type[BaseModel], row: Row, message: str | None = None) -> Response:
    """`ok(model.model_validate(row))` for a read-only row (`Repository.rows`: a dict of typed columns, under the
    names the model's JSON has), rendered as that envelope would be, without building the model
    (`json_response`). Declare the route's `response_model=Envelope[model]`; its OpenAPI document is the model's."""
    envelope = {"data": row, "message": message, "meta": None}
    return json_response(envelope, {model: [row]}, lambda: ok(model.model_validate(row), message))


def rows_page(model: type[BaseModel], rows: Sequence[Row], total: int, page: Page) -> Response:
    """`paginated([model.model_validate(row) for row in rows], total, page)` for read-only rows, rendered without
    building the models (`row_response`). Declare the route's `response_model=PaginatedEnvelope[model]`."""
    envelope = {"data": rows, "message": None, "meta": {"pagination": _pagination(total, page)}}
    return json_response(
        envelope, {model: rows}, lambda: paginated([model.model_validate(r) for r in rows], total, page)
    )


def json_response(
    envelope: dict[str, Any], rows: Mapping[type[BaseModel], Sequence[Row]], as_models: Callable[[], BaseModel]
) -> Response:
    """An envelope of plain values and read-only rows, rendered by orjson: the bytes the models would write for
    the types rows hold (tests compare them), about six times faster than the models on a 50-row page
    (bench/README.md, API, eleventh and twelfth passes). Each row of `rows` is checked first: exactly its model's
    fields, so nothing else goes out, and the first row's values of the types the model has (the rows of a
    statement share their columns' types; later rows' values are the columns' too, unchecked). What orjson does
    not write (an integer beyond 64 bits, as a JSON column may hold) `as_models` renders: the same envelope of
    models, validated."""
    for model, of_model in rows.items():
        shape = _row_shape(model)
        for row in of_model:
            shape.check_fields(row)
        if of_model:
            shape.check_types(of_model[0])
    try:
        body = orjson.dumps(envelope, default=_uuid_text, option=orjson.OPT_UTC_Z)
    except orjson.JSONEncodeError:
        body = as_models().model_dump_json(by_alias=True).encode()
    return Response(body, media_type="application/json")


def _uuid_text(value: object) -> str:
    """orjson writes `uuid.UUID` itself, not asyncpg's subclass of it."""
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not rendered from rows")


@dataclass(frozen=True)
class _RowShape:
    names: frozenset[str]  # the model's fields, as its JSON names them: a row's keys
    types: tuple[tuple[str, tuple[type, ...]], ...]  # (name, the Python types its value may have)

    def check_fields(self, row: Row) -> None:
        if row.keys() != self.names:
            missing, extra = sorted(self.names - row.keys()), sorted(row.keys() - self.names)
            raise TypeError(f"a row renders with exactly its model's fields: missing {missing}, extra {extra}")

    def check_types(self, row: Row) -> None:
        for name, types in self.types:
            if not isinstance(row[name], types) or (isinstance(row[name], bool) and bool not in types):
                raise TypeError(f"{name}: a {type(row[name]).__name__} where the model has {types}")


# The Python values each core schema type renders from, as rows hold them (asyncpg's, after SQLAlchemy's
# conversions); a model with a field of any other type is refused.
_ROW_TYPES: dict[str, tuple[type, ...]] = {
    "str": (str,), "int": (int,), "bool": (bool,), "float": (float, int), "uuid": (uuid.UUID,),
    "datetime": (datetime,), "date": (date,), "list": (list,), "dict": (dict,),
}  # fmt: skip


def _value_types(schema: CoreSchema) -> tuple[type, ...]:
    kind = schema["type"]
    if kind == "nullable":
        return (*_value_types(schema["schema"]), type(None))
    if kind == "default":
        return _value_types(schema["schema"])
    if kind == "enum":
        return (schema["cls"],)
    if kind in {"list", "dict"} and not _plain_items(schema):
        raise TypeError("a list or dict of models or of values orjson writes otherwise")
    if kind not in _ROW_TYPES:
        raise TypeError(f"a field of core schema type {kind!r}")
    return _ROW_TYPES[kind]


def _plain_items(schema: CoreSchema) -> bool:
    """A list's items, a dict's keys and values: absent (any JSON), or plain strings, numbers and booleans."""
    parts = [schema.get(part) for part in ("items_schema", "keys_schema", "values_schema")]
    return all(part is None or part["type"] in {"str", "int", "float", "bool", "any"} for part in parts)


@cache
def _row_shape(model: type[BaseModel]) -> _RowShape:
    """The names and types of a row of `model`. Refused: a model with computed fields, or a validator or
    serializer function of its own anywhere (rendering from a dict would skip or misapply it), a field of a type
    rows do not hold as such (nested models, decimals, …), or one its validation does not read under its JSON
    name (the rows must validate into the model where orjson does not write them)."""
    schema: CoreSchema = model.__pydantic_core_schema__
    fields = schema.get("schema") if schema["type"] == "model" else None
    if fields is None or fields["type"] != "model-fields" or fields.get("computed_fields") or "serialization" in schema:
        raise TypeError(f"{model.__name__}: only a model of plain fields renders straight from rows")
    names, types = [], []
    for name, field in fields["fields"].items():
        json_name = field.get("serialization_alias") or name
        read_as = field.get("validation_alias", json_name)
        if read_as != json_name and not (isinstance(read_as, list) and [json_name] in read_as):
            raise TypeError(f"{model.__name__}.{name}: its validation must read {json_name!r} (AliasChoices)")
        if field.get("serialization_exclude"):
            raise TypeError(f"{model.__name__}.{name}: a row has only what its model shows")
        if _runs_code(field["schema"]):
            raise TypeError(f"{model.__name__}.{name}: a validator or serializer of its own would not run on a row")
        try:
            types.append((json_name, _value_types(field["schema"])))
        except TypeError as refused:
            raise TypeError(f"{model.__name__}.{name}: not rendered from rows: {refused}") from None
        names.append(json_name)
    return _RowShape(frozenset(names), tuple(types))


# Core schema types that call a function: validators, and (under a schema's `serialization`) serializers.
_FUNCTIONS = frozenset({"function-before", "function-after", "function-wrap", "function-plain"})


def _runs_code(schema: object) -> bool:
    """Whether a field's core schema calls a function anywhere inside it (a list's items, its serializer)."""
    if isinstance(schema, dict):
        return schema.get("type") in _FUNCTIONS or any(_runs_code(part) for part in schema.values())
    if isinstance(schema, list | tuple):
        return any(_runs_code(part) for part in schema)
    return False
