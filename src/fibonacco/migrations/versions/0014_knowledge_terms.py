"""full-text ranking reads postings: each entry's lexemes in `knowledge_entry_terms`, kept by triggers

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 14:00:00

BM25 needs, for each query word, the entries containing it and how often. It unnested the search vector of every
entry sharing a word with the query, and kept the few rows of the query's words: for 400 entries of ~25 lexemes
each, three quarters of a full-text search's database time (bench/README.md, API, seventh pass). The lexemes are
now rows of their own, looked up by (tenant, lexeme) for the query's words only. Triggers keep them: an inserted
entry adds its lexemes, a change of its title or content replaces them, a deleted entry takes them along. They
are row triggers, so an update that changes neither (a use counted, a vote) fires none, and they run as the
entry's writer, under its tenant binding and the forced policy of the new table.

The GIN indexes on `search_vector`, `tags` and `industry_codes` go: under row-level security `@@` and `@>` (not
LEAKPROOF) are never index conditions, so no query could use them, and every write of an entry paid for them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from fibonacco.migrations.rls import enable_tenant_rls

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FUNCTION = "knowledge_entry_terms_sync"


def _postings(entry: str, source: str = "") -> str:
    """The SELECT of the term rows of `entry`: a trigger's row variable, or the alias `source` (a FROM item of
    knowledge_entries) names."""
    rows = f"{source} CROSS JOIN LATERAL " if source else ""
    return (
        f"SELECT {entry}.tenant_id, t.lexeme, {entry}.id, cardinality(t.positions),"  # noqa: S608 (constants only)
        f" cardinality(array_positions(t.weights, 'A')), length({entry}.search_vector)"
        f" FROM {rows}unnest({entry}.search_vector) AS t(lexeme, positions, weights)"
    )


_COLUMNS = "(tenant_id, lexeme, entry_id, occurrences, title_occurrences, entry_length)"
_SYNC = f"""
CREATE FUNCTION {_FUNCTION}() RETURNS trigger LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        DELETE FROM knowledge_entry_terms WHERE tenant_id = OLD.tenant_id AND entry_id = OLD.id;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO knowledge_entry_terms {_COLUMNS} {_postings("NEW")};
    END IF;
    RETURN NULL;
END
$$
"""  # noqa: S608 (constants only)
# Each trigger's event, and its condition. The generated search column changes only with the title or the
# content; WHEN skips a rewrite that changes no lexeme.
_TRIGGERS = {
    "insert": ("AFTER INSERT", ""),
    "update": ("AFTER UPDATE OF title, content", " WHEN (OLD.search_vector IS DISTINCT FROM NEW.search_vector)"),
    "delete": ("AFTER DELETE", ""),
}
_UNUSABLE_INDEXES = ("search_vector", "tags", "industry_codes")  # GIN indexes, each on its column


def upgrade() -> None:
    op.create_table(
        "knowledge_entry_terms",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("lexeme", sa.Text(), nullable=False),
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("occurrences", sa.Integer(), nullable=False),
        sa.Column("title_occurrences", sa.Integer(), nullable=False),
        sa.Column("entry_length", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "lexeme", "entry_id", name=op.f("pk_knowledge_entry_terms")),
    )
    op.create_index("ix_knowledge_entry_terms_entry", "knowledge_entry_terms", ["entry_id"], unique=False)
    enable_tenant_rls("knowledge_entry_terms")
    op.execute(_SYNC)
    op.execute(f"REVOKE ALL ON FUNCTION {_FUNCTION}() FROM PUBLIC")
    # The triggers first: creating one locks out the entries' writers until this migration commits, so no entry
    # written by a running release between the copy below and the triggers goes without its postings.
    for name, (event, condition) in _TRIGGERS.items():
        op.execute(
            f"CREATE TRIGGER knowledge_entry_terms_{name} {event} ON knowledge_entries"
            f" FOR EACH ROW{condition} EXECUTE FUNCTION {_FUNCTION}()"
        )
    # Run by the owner, who the forced policy on the entries binds (unless a superuser): cross to copy them all.
    op.execute("SELECT set_config('app.cross_tenant', 'on', true)")
    op.execute(f"INSERT INTO knowledge_entry_terms {_COLUMNS} {_postings('e', 'knowledge_entries e')}")
    for column in _UNUSABLE_INDEXES:
        op.drop_index(f"ix_knowledge_entries_{column}", table_name="knowledge_entries")


def downgrade() -> None:
    for column in _UNUSABLE_INDEXES:
        op.create_index(f"ix_knowledge_entries_{column}", "knowledge_entries", [column], postgresql_using="gin")
    for name in _TRIGGERS:
        op.execute(f"DROP TRIGGER knowledge_entry_terms_{name} ON knowledge_entries")
    op.execute(f"DROP FUNCTION {_FUNCTION}()")
    op.drop_table("knowledge_entry_terms")
