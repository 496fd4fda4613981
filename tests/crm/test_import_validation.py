"""The import's cheap paths give the answers of the full ones: the plain North American phone path of
`normalize_phone` against phonenumbers' own parse + is_valid_number, on numbers written many ways (valid, invalid
area codes and exchanges, Canadian and Caribbean numbers, stray parentheses)."""

from __future__ import annotations

import random

import phonenumbers

from fibonacco.crm.schemas import DEFAULT_PHONE_REGION, normalize_phone

FORMATS = [
    "+1 {a} {b} {c}",
    "({a}) {b}-{c}",
    "{a}.{b}.{c}",
    "1 {a} {b} {c}",
    "+1{a}{b}{c}",
    "{a}{b}{c}",
    "+1-{a}-{b}-{c}",
    "1({a}){b}{c}",
    "({a} {b} {c}",
    "{a}) {b} {c}",
]


def full_parse(value: str) -> str | None:
    try:
        number = phonenumbers.parse(value, DEFAULT_PHONE_REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalized(value: str) -> str | None:
    try:
        return normalize_phone(value)
    except ValueError:
        return None


class TestPhoneFastPath:
    def test_plain_north_american_numbers_are_read_as_phonenumbers_reads_them(self) -> None:
        rng = random.Random(14)
        values = [
            rng.choice(FORMATS).format(
                a=f"{rng.randint(0, 999):03d}", b=f"{rng.randint(0, 999):03d}", c=f"{rng.randint(0, 9999):04d}"
            )
            for _ in range(20_000)
        ]
        values += ["+1 416 555 0143", "+1 876 555 0143", "+44 20 7946 0958", "202-555-0143 ext 12", "12"]
        mismatches = [
            (value, full_parse(value), normalized(value)) for value in values if full_parse(value) != normalized(value)
        ]
        assert mismatches == []
        assert sum(normalized(value) is not None for value in values) > 1000  # valid ones were among them
