"""a conversation's duration in seconds as a bigint

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 03:00:00

A conversation may be recorded with a start long ago (the CRM takes times from 1900, `crm.schemas.EARLIEST`);
ending one more than 68 years old computed a duration beyond a 32-bit integer, and the update failed as a server
error (found by the OpenAPI fuzzer). A bigint holds any of them.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("ALTER TABLE conversations ALTER COLUMN duration_seconds TYPE bigint")


def downgrade() -> None:
    # What no longer fits is capped at the 32-bit limit rather than failing the downgrade.
    op.execute(
        "ALTER TABLE conversations ALTER COLUMN duration_seconds TYPE integer"
        " USING LEAST(duration_seconds, 2147483647)::integer"
    )
