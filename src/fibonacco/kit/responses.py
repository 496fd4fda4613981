"""The response envelope (DESIGN.md §7): `{"data": …, "message": …, "meta": {"pagination": …}}`."""

from __future__ import annotations

import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Annotated, Any, Generic, TypeVar

import orjson
from fastapi import Depends, Query, Response
from pydantic import BaseModel, Field
from pydantic_core import CoreSchema, SchemaSerializer, core_schema

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
    """`ok(model.model_validate(row))` for a read-only row (`Repository.rows`: a dict of typed columns), rendered
    as that envelope would be, without building the model (`_render`). The row must have exactly the model's
    fields, under the names its validation reads; it is renamed in place to the JSON's. Declare the route's
    `response_model=Envelope[model]`; its OpenAPI document is the model's."""
    return _render(model, [row], {"data": row, "message": message, "meta": None}, paged=False)


def rows_page(model: type[BaseModel], rows: Sequence[Row], total: int, page: Page) -> Response:
    """`paginated([model.model_validate(row) for row in rows], total, page)` for read-only rows, rendered without
    building the models (`row_response`). Declare the route's `response_model=PaginatedEnvelope[model]`."""
    meta = {"pagination": _pagination(total, page)}
    return _render(model, rows, {"data": rows, "message": None, "meta": meta}, paged=True)


def _render(model: type[BaseModel], rows: Sequence[Row], envelope: dict[str, Any], *, paged: bool) -> Response:
    """The envelope as JSON, by orjson: the same bytes as the model's serializer for the types rows hold (tests
    compare them), about six times faster on a 50-row page (bench/README.md, API, twelfth pass). Before that,
    each row is checked to hold exactly the model's fields (nothing else goes out; the first row's values are
    type-checked too, as rows of one statement share their columns' types) and renamed to the JSON's names.
    What orjson does not write (an integer beyond 64 bits, as a JSON column may hold) the model's serializer
    renders, checking every value."""
    shape = _row_shape(model)
    for row in rows:
        shape.conform(row)
    if rows:
        shape.check_types(rows[0])
    try:
        body = orjson.dumps(envelope, default=_uuid_text, option=orjson.OPT_UTC_Z)
    except orjson.JSONEncodeError:
        body = _serializer(model, paged=paged).to_json(envelope, warnings="error")
    return Response(body, media_type="application/json")


def _uuid_text(value: object) -> str:
    """orjson writes `uuid.UUID` itself, not asyncpg's subclass of it."""
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not rendered from rows")


@dataclass(frozen=True)
class _RowShape:
    keys: frozenset[str]  # what validation reads: a row's column names
    renames: tuple[tuple[str, str], ...]  # (column, JSON name) where they differ
    types: tuple[tuple[str, tuple[type, ...]], ...]  # (JSON name, the Python types its value may have)

    def conform(self, row: Row) -> None:
        if row.keys() != self.keys:
            missing, extra = sorted(self.keys - row.keys()), sorted(row.keys() - self.keys)
            raise TypeError(f"a row renders with exactly its model's fields: missing {missing}, extra {extra}")
        for column, name in self.renames:
            row[name] = row.pop(column)

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
    """Which columns a row of `model` has, what they are called in its JSON, and their types. Refused: a model
    with computed fields, or a validator or serializer function of its own anywhere (rendering from a dict would
    skip or misapply it), or a field of a type rows do not hold as such (nested models, decimals, …)."""
    fields = _model_fields(model)
    keys, renames, types = [], [], []
    for name, field in fields.items():
        column = field.get("validation_alias", name)
        json_name = field.get("serialization_alias") or name
        if not isinstance(column, str):
            raise TypeError(f"{model.__name__}.{name}: a row's key is a single name")
        if field.get("serialization_exclude"):
            raise TypeError(f"{model.__name__}.{name}: a row has only what its model shows")
        if _runs_code(field["schema"]):
            raise TypeError(f"{model.__name__}.{name}: a validator or serializer of its own would not run on a row")
        try:
            types.append((json_name, _value_types(field["schema"])))
        except TypeError as refused:
            raise TypeError(f"{model.__name__}.{name}: not rendered from rows: {refused}") from None
        keys.append(column)
        if column != json_name:
            renames.append((column, json_name))
    return _RowShape(frozenset(keys), tuple(renames), tuple(types))


def _model_fields(model: type[BaseModel]) -> dict[str, Any]:
    schema: CoreSchema = model.__pydantic_core_schema__
    fields = schema.get("schema") if schema["type"] == "model" else None
    if fields is None or fields["type"] != "model-fields" or fields.get("computed_fields") or "serialization" in schema:
        raise TypeError(f"{model.__name__}: only a model of plain fields renders straight from rows")
    result: dict[str, Any] = fields["fields"]
    return result


@cache
def _serializer(model: type[BaseModel], *, paged: bool) -> SchemaSerializer:
    """The envelope's serializer for rows `_RowShape.conform` made: `model`'s fields as a typed dict under their
    JSON names, each by the model's own field serializer (what `_render` falls back on)."""
    row_fields = {
        field.get("serialization_alias") or name: core_schema.typed_dict_field(field["schema"])
        for name, field in _model_fields(model).items()
    }
    row: CoreSchema = core_schema.typed_dict_schema(row_fields, config=model.__pydantic_core_schema__.get("config"))
    data = core_schema.list_schema(row) if paged else row
    envelope = core_schema.typed_dict_schema(
        {
            "data": core_schema.typed_dict_field(data),
            "message": core_schema.typed_dict_field(core_schema.nullable_schema(core_schema.str_schema())),
            "meta": core_schema.typed_dict_field(core_schema.nullable_schema(core_schema.dict_schema())),
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
