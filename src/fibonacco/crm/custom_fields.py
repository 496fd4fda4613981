"""Tenant-defined custom fields: values checked against their definitions on every write, and turned into filter
conditions. Errors name the field (`body.custom_fields.<key>`, `query.custom`) so a client can point at it."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from fibonacco.crm.models import CustomFieldDefinition, CustomFieldType
from fibonacco.crm.repository import CustomCondition
from fibonacco.kit.errors import ValidationFailed

MAX_TEXT_VALUE = 5000
_CONDITION = re.compile(r"^(?P<key>[a-z][a-z0-9_]{0,49})(?P<op>:|>=|<=)(?P<value>.*)$", re.DOTALL)
_LIST_SEPARATORS = re.compile(r"[;,]")
_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"false", "no", "n", "0"}

Definitions = Mapping[str, CustomFieldDefinition]


class CustomFieldError(ValueError):
    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key
        self.message = message


def coerce(definition: CustomFieldDefinition, value: Any) -> Any:
    """The value as stored (JSON), or a ValueError saying what was expected."""
    kind, options = definition.type, definition.options
    if kind == CustomFieldType.text:
        if not isinstance(value, str):
            raise ValueError("expected text")
        if len(value) > MAX_TEXT_VALUE:
            raise ValueError(f"at most {MAX_TEXT_VALUE} characters")
        return value
    if kind == CustomFieldType.number:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError("expected a number")
        try:
            finite = math.isfinite(float(value))  # the filters compare them as double precision (migration 0011)
        except OverflowError:
            finite = False
        if not finite:
            raise ValueError("expected a number between -1.7e308 and 1.7e308")
        return value
    if kind == CustomFieldType.boolean:
        if not isinstance(value, bool):
            raise ValueError("expected true or false")
        return value
    if kind == CustomFieldType.date:
        if isinstance(value, str):
            try:
                return date.fromisoformat(value).isoformat()
            except ValueError:
                pass
        raise ValueError("expected a date (YYYY-MM-DD)")
    if kind == CustomFieldType.select:
        if value not in options:
            raise ValueError(f"expected one of: {', '.join(options)}")
        return value
    if not isinstance(value, list) or any(item not in options for item in value):
        raise ValueError(f"expected a list of: {', '.join(options)}")
    return sorted(set(value))


def parse_bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError("expected true or false")


def split_list(text: str) -> list[str]:
    """Items of a list typed as text: separated by ';' or ','."""
    return [item.strip() for item in _LIST_SEPARATORS.split(text) if item.strip()]


def parse_text(definition: CustomFieldDefinition, text: str) -> Any:
    """A value typed as text (a CSV cell, a query parameter) in the field's own type."""
    kind = definition.type
    text = text.strip()
    if kind == CustomFieldType.number:
        try:
            number = float(text)
        except ValueError:
            raise ValueError("expected a number") from None
        return int(number) if number.is_integer() and "." not in text and "e" not in text.lower() else number
    if kind == CustomFieldType.boolean:
        return parse_bool(text)
    if kind == CustomFieldType.multi_select:
        return split_list(text)
    return text


def check_values(definitions: Definitions, values: Mapping[str, Any]) -> dict[str, Any]:
    """`values` coerced to their fields' types; a `CustomFieldError` for the first unknown or invalid one."""
    checked: dict[str, Any] = {}
    for key, value in values.items():
        definition = definitions.get(key)
        if definition is None:
            raise CustomFieldError(key, "no such custom field")
        if value is None:
            checked[key] = None
            continue
        try:
            checked[key] = coerce(definition, value)
        except ValueError as exc:
            raise CustomFieldError(key, str(exc)) from None
    return checked


def checked_or_422(definitions: Definitions, values: Mapping[str, Any], location: str) -> dict[str, Any]:
    """As `check_values`, with every failure reported at once as a 422 naming `<location>.<key>`."""
    checked: dict[str, Any] = {}
    details = []
    for key, value in values.items():
        try:
            checked.update(check_values(definitions, {key: value}))
        except CustomFieldError as exc:
            details.append({"field": f"{location}.{key}", "message": exc.message, "type": "value_error"})
    if details:
        raise ValidationFailed("The given data was invalid.", details=details)
    return checked


def conditions(definitions: Definitions, specs: Sequence[str]) -> tuple[CustomCondition, ...]:
    """Parse `key:value`, `key>=value` and `key<=value` filter conditions (422 naming `query.custom`)."""
    parsed = []
    for spec in specs:
        match = _CONDITION.match(spec)
        if match is None:
            raise _bad_condition(spec, "expected key:value, key>=value or key<=value")
        key, op, text = match["key"], match["op"], match["value"]
        definition = definitions.get(key)
        if definition is None:
            raise _bad_condition(spec, f"no custom field '{key}'")
        if op != ":" and definition.type not in (CustomFieldType.number, CustomFieldType.date):
            raise _bad_condition(spec, "ranges apply to number and date fields only")
        try:
            value = parse_text(definition, text)
            if definition.type == CustomFieldType.multi_select:
                (value,) = coerce(definition, value)  # one option per condition
            else:
                value = coerce(definition, value)
        except ValueError as exc:
            raise _bad_condition(spec, f"{key}: {exc}") from None
        parsed.append(CustomCondition(key=key, kind=definition.type, op="=" if op == ":" else op, value=value))
    return tuple(parsed)


def _bad_condition(spec: str, message: str) -> ValidationFailed:
    details = [{"field": "query.custom", "message": f"{spec!r}: {message}", "type": "value_error"}]
    return ValidationFailed(f"Invalid custom field filter: {message}.", details=details)
