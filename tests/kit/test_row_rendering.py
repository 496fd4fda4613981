"""`row_response` and `rows_page` render read-only rows as their models would, without building the models: the
same JSON, nothing but the model's fields, and the model's serializer where orjson would not write a value."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

import pytest
from pydantic import AfterValidator, AliasChoices, BaseModel, Field, computed_field, field_serializer

from fibonacco.kit.responses import Envelope, Page, ok, paginated, row_response, rows_page


class Colour(StrEnum):
    red = "red"
    blue = "blue"


class Thing(BaseModel):
    id: uuid.UUID
    name: str
    colour: Colour
    tags: list[str]
    score: float | None
    seen_at: datetime
    details: dict[str, Any] = Field(validation_alias=AliasChoices("extra", "details"))  # as domains map `metadata`


def thing_row(**changes: Any) -> dict[str, Any]:
    # In a column order of its own, under the names of the model's JSON.
    row = {
        "seen_at": datetime(2026, 12, 4, 1, 2, 3, 456789, tzinfo=UTC),
        "name": 'A "quoted" name \u00e9 \u2028\x01\n',
        "details": {"source": "import", "n": [1, 2.5, None], "deep": {"ok": True}},
        "colour": Colour.blue,
        "tags": ["a", "b"],
        "score": None,
        "id": uuid.UUID("01a23e99-bbda-765d-9ed0-f246a2198e71"),
    }
    return {**row, **changes}


def as_json(body: bytes | memoryview) -> Any:
    return json.loads(bytes(body))


def test_a_row_renders_as_its_model() -> None:
    row = thing_row()
    expected = ok(Thing.model_validate(row), "Found.").model_dump(mode="json", by_alias=True)
    assert as_json(row_response(Thing, row, "Found.").body) == expected
    assert expected["data"]["details"]["deep"] == {"ok": True}


def test_the_bytes_are_the_models_own() -> None:
    """In the model's field order, a row's JSON is byte for byte what the model's serializer writes: strings
    escaped alike, times in UTC with a Z, numbers alike."""
    model = Thing.model_validate(thing_row(score=0.1 + 0.2, seen_at=datetime(2026, 1, 1, tzinfo=UTC)))
    in_field_order = model.model_dump()  # the same values, in the field order
    assert (
        bytes(row_response(Thing, in_field_order).body)
        == Envelope[Thing](data=model).model_dump_json(by_alias=True).encode()
    )


def test_a_page_of_rows_renders_as_its_models() -> None:
    rows = [thing_row(), thing_row(id=uuid.uuid4(), colour=Colour.red, score=0.25)]
    page = Page(page=2, per_page=2)
    models = [Thing.model_validate(row) for row in rows]
    expected = paginated(models, 7, page).model_dump(mode="json", by_alias=True)
    rendered = rows_page(Thing, rows, 7, page)
    assert rendered.media_type == "application/json"
    assert as_json(rendered.body) == expected
    assert expected["meta"]["pagination"] == {"page": 2, "per_page": 2, "total": 7, "total_pages": 4}


def test_an_empty_page() -> None:
    expected = paginated([], 0, Page()).model_dump(mode="json", by_alias=True)
    assert as_json(rows_page(Thing, [], 0, Page()).body) == expected


def test_only_the_models_fields_go_out() -> None:
    with pytest.raises(TypeError, match=r"extra \['password_hash'\]"):
        rows_page(Thing, [thing_row(), thing_row(password_hash="x")], 2, Page())
    with pytest.raises(TypeError, match=r"missing \['tags'\]"):
        row_response(Thing, {key: value for key, value in thing_row().items() if key != "tags"})


def test_a_value_of_another_type_fails_instead_of_rendering_unchecked() -> None:
    with pytest.raises(TypeError, match="tags"):
        row_response(Thing, thing_row(tags="not a list"))
    with pytest.raises(TypeError, match="name"):
        row_response(Thing, thing_row(name=True))


def test_what_orjson_does_not_write_the_model_renders() -> None:
    """An integer beyond 64 bits (a JSON column can hold one): the model's serializer writes it, exactly."""
    row = thing_row(details={"n": 2**70})
    expected = ok(Thing.model_validate(row)).model_dump(mode="json", by_alias=True)
    assert as_json(row_response(Thing, row).body) == expected
    assert b"1180591620717411303424" in bytes(row_response(Thing, thing_row(details={"n": 2**70})).body)


class WithComputed(BaseModel):
    name: str

    @computed_field  # type: ignore[prop-decorator]
    @property
    def shout(self) -> str:
        return self.name.upper()


def test_a_model_whose_instances_compute_fields_is_refused() -> None:
    with pytest.raises(TypeError, match="plain fields"):
        row_response(WithComputed, {"name": "x"})


class WithValidator(BaseModel):
    names: list[Annotated[str, AfterValidator(str.title)]]


def test_a_model_whose_validation_changes_values_is_refused() -> None:
    with pytest.raises(TypeError, match="validator"):
        rows_page(WithValidator, [{"names": ["ada"]}], 1, Page())


class WithSerializer(BaseModel):
    name: str

    @field_serializer("name")
    def _shout(self, value: str) -> str:
        return value.upper()


def test_a_model_whose_fields_serialize_with_code_is_refused() -> None:
    with pytest.raises(TypeError, match="serializer"):
        row_response(WithSerializer, {"name": "x"})


class Priced(BaseModel):
    price: Decimal


class Nested(BaseModel):
    things: list[Thing]


def test_fields_rows_do_not_hold_as_such_are_refused() -> None:
    """Decimals (written as strings by the model) and nested models (renamed and filtered by theirs)."""
    with pytest.raises(TypeError, match="decimal"):
        row_response(Priced, {"price": Decimal("1.50")})
    with pytest.raises(TypeError, match="things"):
        row_response(Nested, {"things": []})


class ReadUnderAnotherName(BaseModel):
    details: dict[str, Any] = Field(validation_alias="extra")


def test_a_model_that_does_not_read_its_json_names_is_refused() -> None:
    """Where orjson does not write a value, the rows are validated into their model: under their JSON names."""
    with pytest.raises(TypeError, match="AliasChoices"):
        row_response(ReadUnderAnotherName, {"details": {}})
