"""full-text postings read index-only: the terms' primary key carries their counts

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 19:10:00

BM25 reads, for each word of the query, its postings: the entry, the word's counts there and the entry's length.
The primary key (tenant, lexeme, entry) found them and the heap gave the rest: 108 pages for 482 postings at
400 entries, 0.23 ms of the 0.9 BM25 takes. With the counts included in the key's index, an index-only scan
reads 16 index pages in 0.05 ms (bench/README.md, API, tenth pass). Index-only reads need the visibility map,
which autovacuum keeps; where a page changed since, that posting is read from the heap as before.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KEY = "pk_knowledge_entry_terms"
_COLUMNS = "tenant_id, lexeme, entry_id"


def upgrade() -> None:
    op.execute(
        f"ALTER TABLE knowledge_entry_terms DROP CONSTRAINT {_KEY},"
        f" ADD CONSTRAINT {_KEY} PRIMARY KEY ({_COLUMNS}) INCLUDE (occurrences, title_occurrences, entry_length)"
    )


def downgrade() -> None:
    op.execute(
        f"ALTER TABLE knowledge_entry_terms DROP CONSTRAINT {_KEY}, ADD CONSTRAINT {_KEY} PRIMARY KEY ({_COLUMNS})"
    )
