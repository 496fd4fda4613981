"""Customer import: read a CSV or JSON file through a column mapping, then upsert its rows chunk by chunk.

The file is checked whole first (encoding, header, mapping, size): a file that cannot be read is refused before
anything is written. Then every row is validated like an API write; a bad row is reported with its line and left
out, and the good rows of a chunk are written together (one upsert, its stage events alongside). Rows match
existing customers by email or slug, so importing the same file again changes nothing.

The CLI runs the chunks in-process; the API stores them and runs one job per chunk (`tasks.py`), as a batch.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import PurePath
from typing import Annotated, Any

from pydantic import Field, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from fibonacco.crm import custom_fields
from fibonacco.crm.models import CustomFieldDefinition, ImportKey, Stage
from fibonacco.crm.repository import (
    CustomerEventRepository,
    CustomerImportChunkRepository,
    CustomerImportRepository,
    CustomerRepository,
    CustomFieldRepository,
)
from fibonacco.crm.schemas import Address, CustomerChanges
from fibonacco.crm.timeline import CRM_SOURCE, STAGE_CHANGED
from fibonacco.kit.clock import utcnow
from fibonacco.kit.ids import new_id

MAX_IMPORT_BYTES = 20 * 1024 * 1024
CHUNK_ROWS = 1000
# Generated slugs tried per new row (looked up for the whole chunk in one query); past them a random suffix.
IMPORT_SLUG_CANDIDATES = 3
PLAIN_FIELDS = ("name", "slug", "email", "phone", "website", "industry", "timezone", "stage", "tags", "do_not_contact")
ADDRESS_FIELDS = tuple(f"address.{name}" for name in Address.model_fields)

Row = tuple[int, dict[str, Any]]  # (line, mapped raw values)


class ImportFileError(ValueError):
    """The file as a whole cannot be imported (encoding, header, mapping): nothing was written."""

    def __init__(self, message: str, field: str = "file") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class ImportFileTooLarge(ImportFileError):
    pass


@dataclass(frozen=True)
class RowError:
    line: int
    field: str | None
    message: str

    def as_json(self) -> dict[str, Any]:
        return {"line": self.line, "field": self.field, "message": self.message}


@dataclass
class ParsedFile:
    rows: list[Row]
    errors: list[RowError]
    ignored_columns: list[str]


@dataclass
class Outcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    def add(self, other: Outcome) -> None:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.errors.extend(other.errors)


class ImportRow(CustomerChanges):
    """One row's values, validated as the API validates them; absent fields are left as they are."""

    metadata: Annotated[dict[str, Any], Field(default_factory=dict)]
    custom_fields: Annotated[dict[str, Any], Field(default_factory=dict)]


def slugify(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:80].strip("-")
    return slug or "customer"


# --- reading the file ---


def parse_mapping(specs: Iterable[str]) -> dict[str, str]:
    """`["Company=name,E-mail=email", "Plan=custom.plan"]` → {"Company": "name", ...}."""
    mapping: dict[str, str] = {}
    for spec in specs:
        for item in spec.split(","):
            if not item.strip():
                continue
            column, sep, target = item.partition("=")
            if not sep or not column.strip() or not target.strip():
                raise ImportFileError(f"mapping item {item.strip()!r} is not COLUMN=FIELD", field="map")
            mapping[column.strip()] = target.strip()
    return mapping


def check_targets(mapping: Mapping[str, str], definitions: Mapping[str, CustomFieldDefinition]) -> None:
    for column, target in mapping.items():
        if target in PLAIN_FIELDS or target in ADDRESS_FIELDS:
            continue
        prefix, _, key = target.partition(".")
        if prefix == "metadata" and key:
            continue
        if prefix == "custom" and key in definitions:
            continue
        if prefix == "custom":
            raise ImportFileError(f"column {column!r} maps to unknown custom field {key!r}", field="map")
        raise ImportFileError(
            f"column {column!r} maps to unknown field {target!r}; fields are {', '.join(PLAIN_FIELDS)}, "
            "address.<part>, metadata.<key> and custom.<key>",
            field="map",
        )


def read_file(content: bytes, filename: str, mapping: Mapping[str, str], key: ImportKey) -> ParsedFile:
    if len(content) > MAX_IMPORT_BYTES:
        raise ImportFileTooLarge(
            f"the file is {len(content) / 1_048_576:.1f} MB; at most {MAX_IMPORT_BYTES // 1_048_576} MB per import "
            "(split it)"
        )
    suffix = PurePath(filename).suffix.lower()
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            f"the file is not UTF-8 text (invalid byte at position {exc.start}); save it as UTF-8 and try again"
        ) from None
    records: Sequence[tuple[int, list[str] | dict[str, Any] | RowError]]
    if suffix == ".csv":
        records, columns = _csv_records(text)
    elif suffix == ".json":
        records, columns = _json_records(text)
    else:
        raise ImportFileError(f"{filename}: unsupported file type; import a .csv or .json file")
    effective = _effective_mapping(mapping, columns)
    parsed = ParsedFile(rows=[], errors=[], ignored_columns=sorted(set(columns) - set(effective)))
    positions = [(columns.index(column), target) for column, target in effective.items()]
    seen: dict[str, int] = {}
    for line, record in records:
        if isinstance(record, RowError):
            parsed.errors.append(record)
            continue
        if isinstance(record, list):  # CSV cells, in the header's order
            values = {target: cell for index, target in positions if (cell := record[index]) and not cell.isspace()}
        else:
            values = {target: record[column] for column, target in effective.items() if _present(record.get(column))}
        identity = _identity(values, key)
        if identity is not None and identity in seen:
            parsed.errors.append(RowError(line, key.value, f"same {key.value} as line {seen[identity]}"))
            continue
        if identity is not None:
            seen[identity] = line
        parsed.rows.append((line, values))
    return parsed


def _present(value: Any) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def _identity(values: Mapping[str, Any], key: ImportKey) -> str | None:
    raw = values.get(key.value)
    if key == ImportKey.slug and raw is None and isinstance(values.get("name"), str):
        raw = slugify(values["name"])
    return raw.strip().lower() if isinstance(raw, str) else None


def _effective_mapping(mapping: Mapping[str, str], columns: Sequence[str]) -> dict[str, str]:
    if mapping:
        missing = [column for column in mapping if column not in columns]
        if missing:
            raise ImportFileError(
                f"mapped column {missing[0]!r} is not in the file (its columns: {', '.join(columns) or 'none'})",
                field="map",
            )
        return dict(mapping)
    known = {column: column for column in columns if column in PLAIN_FIELDS or column in ADDRESS_FIELDS}
    if not known:
        raise ImportFileError(
            "no column is a customer field (is the header row missing?): name the columns "
            f"({', '.join(PLAIN_FIELDS)}) or give a column mapping such as Company=name,E-mail=email",
            field="file",
        )
    return known


def _csv_records(text: str) -> tuple[list[tuple[int, list[str] | RowError]], list[str]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise ImportFileError("the file is empty: a header row is needed") from None
    except csv.Error as exc:
        raise ImportFileError(f"not readable as CSV ({exc})") from None
    columns = [name.strip() for name in header]
    if not any(columns):
        raise ImportFileError("the header row is empty")
    duplicates = sorted({name for name in columns if name and columns.count(name) > 1})
    if duplicates:
        raise ImportFileError(f"the header names column {duplicates[0]!r} twice")
    records: list[tuple[int, list[str] | RowError]] = []
    line = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            records.append((reader.line_num, RowError(reader.line_num, None, f"unreadable CSV ({exc})")))
            continue
        line = reader.line_num  # the line the row ends on (quoted cells may span lines)
        if not "".join(cells).strip():
            continue
        if len(cells) != len(columns):
            message = f"has {len(cells)} cells, the header has {len(columns)}"
            records.append((line, RowError(line, None, message)))
            continue
        records.append((line, cells))
    return records, columns


def _json_records(text: str) -> tuple[list[tuple[int, dict[str, Any] | RowError]], list[str]]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFileError(f"not valid JSON ({exc})") from None
    items = document.get("customers") if isinstance(document, dict) else document
    if not isinstance(items, list):
        raise ImportFileError('expected a list of customers, or an object with a "customers" list')
    records: list[tuple[int, dict[str, Any] | RowError]] = []
    columns: dict[str, None] = {}
    for position, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            records.append((position, RowError(position, None, "not an object")))
            continue
        columns.update(dict.fromkeys(str(name) for name in item))
        records.append((position, item))
    return records, list(columns)


def chunks(rows: Sequence[Row], size: int = CHUNK_ROWS) -> list[list[Row]]:
    return [list(rows[start : start + size]) for start in range(0, len(rows), size)]


# --- validating and writing rows ---


def _flag(value: Any) -> Any:
    """A flag typed as text; anything unreadable is passed on for validation to refuse with its message."""
    if isinstance(value, str):
        try:
            return custom_fields.parse_bool(value)
        except ValueError:
            return value
    return value


def _structured(values: Mapping[str, Any], definitions: Mapping[str, CustomFieldDefinition]) -> dict[str, Any]:
    """Mapped raw values in the shape of `ImportRow` (lists split, flags read, custom values typed)."""
    shaped: dict[str, Any] = {}
    address: dict[str, Any] = {}
    metadata: dict[str, Any] = {}
    custom: dict[str, Any] = {}
    for target, value in values.items():
        if target == "tags":
            shaped["tags"] = custom_fields.split_list(value) if isinstance(value, str) else value
        elif target == "do_not_contact":
            shaped[target] = _flag(value)
        elif target.startswith("address."):
            address[target.removeprefix("address.")] = value
        elif target.startswith("metadata."):
            metadata[target.removeprefix("metadata.")] = value
        elif target.startswith("custom."):
            key = target.removeprefix("custom.")
            try:
                custom[key] = custom_fields.parse_text(definitions[key], value) if isinstance(value, str) else value
            except ValueError as exc:
                raise custom_fields.CustomFieldError(key, str(exc)) from None
        else:
            shaped[target] = value.strip() if isinstance(value, str) else value
    if address:
        shaped["address"] = address
    shaped["metadata"] = metadata
    shaped["custom_fields"] = custom
    return shaped


def validate_row(
    line: int, values: Mapping[str, Any], definitions: Mapping[str, CustomFieldDefinition]
) -> ImportRow | RowError:
    try:
        row = ImportRow.model_validate(_structured(values, definitions))
        row.custom_fields = custom_fields.check_values(definitions, row.custom_fields)
    except custom_fields.CustomFieldError as exc:
        return RowError(line, f"custom.{exc.key}", exc.message)
    except ValidationError as exc:
        first = exc.errors()[0]
        message = first["msg"].removeprefix("Value error, ")
        return RowError(line, ".".join(str(part) for part in first["loc"]) or None, message)
    return row


def _changes(existing: Mapping[str, Any], row: ImportRow) -> dict[str, Any]:
    """What the row changes on an existing customer: only the fields it gives, merged where they are maps."""
    given = row.model_dump(exclude_unset=True, exclude={"metadata", "custom_fields"})
    if "address" in given:
        given["address"] = {**(existing["address"] or {}), **row.address.model_dump(exclude_unset=True)}  # type: ignore[union-attr]
    changes = {name: value for name, value in given.items() if existing[name] != value}
    if row.metadata and {**existing["metadata"], **row.metadata} != existing["metadata"]:
        changes["metadata"] = {**existing["metadata"], **row.metadata}
    if row.custom_fields and {**existing["custom_fields"], **row.custom_fields} != existing["custom_fields"]:
        changes["custom_fields"] = {**existing["custom_fields"], **row.custom_fields}
    return changes


@dataclass
class _Plan:
    """One chunk's decisions, before anything is written."""

    upserts: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    outcome: Outcome = field(default_factory=Outcome)


async def import_rows(
    session: AsyncSession, tenant_id: uuid.UUID, rows: Sequence[Row], key: ImportKey, *, dry_run: bool
) -> Outcome:
    """Validate `rows`, then (unless `dry_run`) upsert the good ones in one statement, with their stage events."""
    customers = CustomerRepository(session, tenant_id)
    # Its look-ups run chunk after chunk: a generic plan made while the table was empty would scan it whole after.
    await customers.plan_for_values()
    definitions = {d.key: d for d in await CustomFieldRepository(session, tenant_id).list_all()}
    plan = _Plan()
    valid: list[tuple[int, ImportRow]] = []
    for line, values in rows:
        checked = validate_row(line, values, definitions)
        if isinstance(checked, RowError):
            plan.outcome.errors.append(checked)
        else:
            valid.append((line, checked))
    keys = [_row_key(row, key) for _, row in valid]
    existing = await customers.import_state(key.value, [k for k in keys if k is not None])
    emails = await customers.taken_emails([row.email for _, row in valid if row.email])
    wanted_slugs = {k for _, row in valid if (k := row.slug or (slugify(row.name) if row.name else None))}
    candidates = {slug for base in wanted_slugs for slug in slug_candidates(base, IMPORT_SLUG_CANDIDATES)}
    slugs = await customers.taken_slugs(sorted(candidates))
    now = utcnow()
    for (line, row), row_key in zip(valid, keys, strict=True):
        current = existing.get(row_key) if row_key is not None else None
        error = _conflict(line, row, current, emails, slugs, key)
        if error is not None:
            plan.outcome.errors.append(error)
            continue
        if current is None:
            customer_id = _plan_create(plan, row, slugs, now)
        else:
            customer_id = _plan_update(plan, current, row, slugs, now)
        if row.email:  # later rows of the chunk see what earlier ones claimed
            emails[row.email] = customer_id
    if not dry_run:
        await customers.upsert_many(plan.upserts)
        await CustomerEventRepository(session, tenant_id).append_many(plan.events)
    plan.outcome.errors.sort(key=lambda error: error.line)
    return plan.outcome


def _row_key(row: ImportRow, key: ImportKey) -> str | None:
    if key == ImportKey.email:
        return row.email
    return row.slug or (slugify(row.name) if row.name else None)


def _conflict(
    line: int,
    row: ImportRow,
    current: Mapping[str, Any] | None,
    emails: dict[str, uuid.UUID],
    slugs: dict[str, uuid.UUID],
    key: ImportKey,
) -> RowError | None:
    if current is None and row.name is None:
        return RowError(line, "name", "a new customer needs a name")
    if current is None and key == ImportKey.email and row.email is None:
        return RowError(line, "email", "rows are matched by email, and this one has none")
    owner = current["id"] if current is not None else None
    if row.email and emails.get(row.email, owner) != owner:
        return RowError(line, "email", "another customer already has this email")
    if row.slug and slugs.get(row.slug, owner) != owner:
        return RowError(line, "slug", "another customer already has this slug")
    return None


def _plan_create(plan: _Plan, row: ImportRow, slugs: dict[str, uuid.UUID], now: datetime) -> uuid.UUID:
    assert row.name is not None
    customer_id = new_id()
    slug = row.slug or free_slug(slugify(row.name), slugs)
    slugs[slug] = customer_id
    stage = row.stage or Stage.lead
    plan.upserts.append(
        {
            "id": customer_id,
            "name": row.name,
            "slug": slug,
            "email": row.email,
            "phone": row.phone,
            "website": row.website,
            "address": row.address.model_dump(exclude_none=True) if row.address else None,
            "industry": row.industry,
            "timezone": row.timezone,
            "stage": stage,
            "stage_changed_at": now,
            "owner_id": None,
            "tags": row.tags or [],
            "metadata": row.metadata,
            "custom_fields": row.custom_fields,
            "do_not_contact": bool(row.do_not_contact),
        }
    )
    plan.events.append(_stage_event(customer_id, None, stage, now))
    plan.outcome.created += 1
    return customer_id


def _plan_update(
    plan: _Plan, current: Mapping[str, Any], row: ImportRow, slugs: dict[str, uuid.UUID], now: datetime
) -> uuid.UUID:
    customer_id: uuid.UUID = current["id"]
    changes = _changes(current, row)
    if not changes:
        plan.outcome.unchanged += 1
        return customer_id
    values = {**current, **changes}
    if row.slug:
        slugs[row.slug] = customer_id
    if "stage" in changes:
        values["stage_changed_at"] = now
        plan.events.append(_stage_event(customer_id, current["stage"], changes["stage"], now))
    plan.upserts.append(values)
    plan.outcome.updated += 1
    return customer_id


def slug_candidates(base: str, count: int) -> list[str]:
    """`base`, `base-2`, … `base-<count>`: what a new customer's slug may be, in order of preference."""
    return [base, *(f"{base}-{n}" for n in range(2, count + 1))]


def free_slug(base: str, taken: Mapping[str, uuid.UUID], count: int = IMPORT_SLUG_CANDIDATES) -> str:
    """The first candidate not in `taken`; past them, a random suffix."""
    for candidate in slug_candidates(base, count):
        if candidate not in taken:
            return candidate
    return f"{base}-{uuid.uuid4().hex[:6]}"


def _stage_event(customer_id: uuid.UUID, before: Stage | None, after: Stage, now: datetime) -> dict[str, Any]:
    data: dict[str, Any] = {"from": before.value if before else None, "to": after.value, "via": "import"}
    return {
        "customer_id": customer_id,
        "type": STAGE_CHANGED,
        "occurred_at": now,
        "source": CRM_SOURCE,
        "source_id": None,
        "data": data,
    }


async def process_chunk(session: AsyncSession, tenant_id: uuid.UUID, import_id: uuid.UUID, position: int) -> None:
    """Import one stored chunk (an API import's job), then keep only its outcome. A redelivered job whose chunk
    is done does nothing; the chunk's row lock keeps two deliveries from running it at once."""
    chunk = await CustomerImportChunkRepository(session, tenant_id).lock_position(import_id, position)
    if chunk is None or chunk.processed_at is not None:
        return
    record = await CustomerImportRepository(session, tenant_id).get_or_404(import_id)
    rows = [(int(line), dict(values)) for line, values in chunk.rows]
    outcome = await import_rows(session, tenant_id, rows, record.key, dry_run=record.dry_run)
    chunk.rows = []  # no personal data outlives the import
    chunk.processed_at = utcnow()
    chunk.created, chunk.updated, chunk.unchanged = outcome.created, outcome.updated, outcome.unchanged
    chunk.errors = [*chunk.errors, *(error.as_json() for error in outcome.errors)]
    await session.flush()
