"""entries' vectors in a table of their own, each row whole on its page

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 19:00:00

A 1,536-float vector is 6 KB. In `knowledge_entries` PostgreSQL moved it to TOAST (pgvector's type stores
externally), so an exact search fetched every candidate's vector there, in chunks, through the TOAST index: about
three quarters of the vector side's time at 400 entries (bench/README.md, API, tenth pass). And the HNSW index on
the entries meant that every update of an entry PostgreSQL could not make HOT (most, with a packed table: a use
counted, a vote) inserted the row into the HNSW graph again, about 1.3 ms each at 400 entries.

The vectors now live in `knowledge_entry_embeddings` (entry, tenant, vector), whose rows stay whole on their page:
`toast_tuple_target` at its maximum keeps the toaster away from any row that fits a page (a vector of this width
always does; a wider column's would still go to TOAST rather than fail). The HNSW index moves with them. The
entries keep `embedding_model` and `embedded_at`, which responses show.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from pgvector.sqlalchemy import Vector

from fibonacco.migrations.rls import enable_tenant_rls

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_DIMENSION = 1536  # the column's width when this migration was written (EMBEDDING_COLUMN_DIMENSION)
_HNSW = {"m": 16, "ef_construction": 64}
_MAX_TOAST_TUPLE_TARGET = 8160  # PostgreSQL's maximum for 8 KB pages: toast only rows that do not fit one


def _create_hnsw(table: str, name: str) -> None:
    op.create_index(
        name,
        table,
        ["embedding"],
        postgresql_using="hnsw",
        postgresql_with=_HNSW,
        postgresql_ops={"embedding": "vector_cosine_ops"},
    )


def upgrade() -> None:
    op.create_table(
        "knowledge_entry_embeddings",
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("embedding", Vector(dim=_DIMENSION), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["knowledge_entries.id"],
            name=op.f("fk_knowledge_entry_embeddings_entry_id_knowledge_entries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("entry_id", name=op.f("pk_knowledge_entry_embeddings")),
    )
    op.execute(f"ALTER TABLE knowledge_entry_embeddings SET (toast_tuple_target = {_MAX_TOAST_TUPLE_TARGET})")
    enable_tenant_rls("knowledge_entry_embeddings")
    # Run by the owner, who the forced policy on the entries binds (unless a superuser): cross to copy them all.
    # The index is built after the copy (one build, not one insertion per row).
    op.execute("SELECT set_config('app.cross_tenant', 'on', true)")
    op.execute(
        "INSERT INTO knowledge_entry_embeddings (entry_id, tenant_id, embedding)"
        " SELECT id, tenant_id, embedding FROM knowledge_entries WHERE embedding IS NOT NULL"
    )
    _create_hnsw("knowledge_entry_embeddings", "ix_knowledge_entry_embeddings_hnsw")
    op.drop_index("ix_knowledge_entries_embedding_hnsw", table_name="knowledge_entries")
    op.drop_column("knowledge_entries", "embedding")


def downgrade() -> None:
    op.add_column("knowledge_entries", sa.Column("embedding", Vector(dim=_DIMENSION), nullable=True))
    op.execute("SELECT set_config('app.cross_tenant', 'on', true)")
    op.execute(
        "UPDATE knowledge_entries e SET embedding = v.embedding"
        " FROM knowledge_entry_embeddings v WHERE v.entry_id = e.id"
    )
    _create_hnsw("knowledge_entries", "ix_knowledge_entries_embedding_hnsw")
    op.drop_table("knowledge_entry_embeddings")
