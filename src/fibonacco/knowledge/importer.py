"""Reading knowledge entries from JSON, CSV or a folder of Markdown files (front matter for the fields).

Every record gets an idempotency key in `source_url`: its own `source_url`, else the Markdown file's path
relative to the folder, else `<file name>#<title>` for a JSON or CSV row. Re-importing the same source updates
the entries it created instead of duplicating them.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from fibonacco.knowledge.schemas import KnowledgeEntryCreate

# CSV cells holding lists separate their items with this.
CSV_LIST_SEPARATOR = ";"
_LIST_FIELDS = ("tags", "industry_codes", "allowed_agents")
_TRUE = {"1", "true", "yes", "y"}
_FALSE = {"0", "false", "no", "n", ""}


@dataclass(frozen=True)
class Record:
    location: str  # where it came from, for the report: "faq.csv:3", "billing/invoices.md"
    data: KnowledgeEntryCreate | None
    error: str | None = None


class ImportSourceError(ValueError):
    """The file or folder cannot be read at all (as opposed to one bad record in it)."""


def read_records(path: Path) -> list[Record]:
    if path.is_dir():
        return list(_markdown_folder(path))
    if not path.is_file():
        raise ImportSourceError(f"{path} is neither a file nor a folder")
    suffix = path.suffix.lower()
    if suffix == ".json":
        return list(_json_file(path))
    if suffix == ".csv":
        return list(_csv_file(path))
    if suffix in (".md", ".markdown"):
        return [_markdown_file(path, path.name)]
    raise ImportSourceError(f"{path}: unsupported file type (JSON, CSV, Markdown or a folder of Markdown)")


def _validated(location: str, raw: dict[str, Any], default_key: str) -> Record:
    raw = {key: value for key, value in raw.items() if value is not None}
    raw.setdefault("source_url", default_key)
    try:
        return Record(location, KnowledgeEntryCreate.model_validate(raw))
    except ValidationError as exc:
        reasons = "; ".join(
            f"{'.'.join(str(part) for part in error['loc']) or 'record'}: {error['msg']}" for error in exc.errors()
        )
        return Record(location, None, reasons)


def _row_key(file: Path, raw: dict[str, Any]) -> str:
    return f"{file.name}#{str(raw.get('title', '')).strip()}"


def _json_file(path: Path) -> Iterator[Record]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ImportSourceError(f"{path}: not valid JSON ({exc})") from exc
    rows = document.get("entries") if isinstance(document, dict) else document
    if not isinstance(rows, list):
        raise ImportSourceError(f"{path}: expected a list of entries, or an object with an 'entries' list")
    for index, raw in enumerate(rows, start=1):
        location = f"{path.name}[{index}]"
        if not isinstance(raw, dict):
            yield Record(location, None, "record: not an object")
        else:
            yield _validated(location, raw, _row_key(path, raw))


def _csv_cell(name: str, value: str) -> object:
    if name in _LIST_FIELDS:
        return [item.strip() for item in value.split(CSV_LIST_SEPARATOR) if item.strip()]
    if name == "is_public":
        lowered = value.strip().lower()
        # Anything else is passed through for validation to reject with a clear message.
        return True if lowered in _TRUE else False if lowered in _FALSE else value
    if name == "metadata":
        try:
            return json.loads(value) if value.strip() else {}
        except json.JSONDecodeError:
            return value
    return value.strip() or None


def _csv_file(path: Path) -> Iterator[Record]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.DictReader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ImportSourceError(f"{path}: not readable as CSV ({exc})") from exc
    for line, row in enumerate(rows, start=2):  # line 1 is the header
        raw = {name: _csv_cell(name, value or "") for name, value in row.items() if name}
        yield _validated(f"{path.name}:{line}", raw, _row_key(path, raw))


def _split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        return {}, text
    for end, line in enumerate(lines[1:], start=1):
        if line.strip() in ("---", "..."):
            fields = yaml.safe_load("\n".join(lines[1:end])) or {}
            if not isinstance(fields, dict):
                raise ValueError("front matter is not a mapping")
            return fields, "\n".join(lines[end + 1 :])
    raise ValueError("front matter is not closed with ---")


def _markdown_file(path: Path, relative: str) -> Record:
    try:
        fields, body = _split_front_matter(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError) as exc:
        return Record(relative, None, f"front matter: {exc}")
    body = body.strip()
    if "title" not in fields and body.startswith("# "):
        heading, _, body = body.partition("\n")
        fields["title"] = heading[2:].strip()
        body = body.strip()
    fields.setdefault("title", path.stem.replace("-", " ").replace("_", " ").strip().capitalize())
    fields.setdefault("content", body)
    return _validated(relative, fields, relative)


def _markdown_folder(folder: Path) -> Iterator[Record]:
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.suffix.lower() in (".md", ".markdown"):
            yield _markdown_file(path, path.relative_to(folder).as_posix())
