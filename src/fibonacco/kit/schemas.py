"""Schema bases shared by every domain."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, GetJsonSchemaHandler, ValidationInfo, field_validator
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

# Every domain's `metadata` column is mapped to this attribute (`metadata` is reserved on declarative models);
# its schemas keep the field name `metadata` and alias it: read with `validation_alias=METADATA_ATTRIBUTE`
# (`AliasChoices(METADATA_ATTRIBUTE, "metadata")` for a model that read-only rows render as, which name the column
# `metadata`: `kit.responses.rows_page`), written with `serialization_alias=METADATA_ATTRIBUTE` and
# `model_dump(by_alias=True)`.
METADATA_ATTRIBUTE = "extra"


class Patch(BaseModel):
    """An `XUpdate` body: only the fields sent change. Sending `null` clears a field only where the column may
    be empty (`nullable`); for any other field it is a validation error, never a NOT NULL violation later."""

    nullable: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="after")
    @classmethod
    def _refuse_null_for_required_fields(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name not in cls.nullable:
            raise ValueError("may not be null")
        return value

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        """The OpenAPI document says what the validator does: `null` only for the `nullable` fields."""
        json_schema = handler(core_schema)
        target = handler.resolve_ref_schema(json_schema)
        for name, field in target.get("properties", {}).items():
            if name not in cls.nullable:
                _drop_null(field)
        return json_schema


def _drop_null(field: dict[str, Any]) -> None:
    options = [option for option in field.get("anyOf", []) if option != {"type": "null"}]
    if "anyOf" in field:
        del field["anyOf"]
        if len(options) == 1:
            field.update(options[0])
        else:
            field["anyOf"] = options
    if field.get("default", ...) is None:
        del field["default"]
