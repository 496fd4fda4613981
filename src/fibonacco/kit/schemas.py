"""Schema bases shared by every domain."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ValidationInfo, field_validator


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
