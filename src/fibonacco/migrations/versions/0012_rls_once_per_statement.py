"""row-level policies read the transaction's tenant once per statement, not once per row

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 17:20:00

The rule called `current_setting` (and cast its text to a uuid) for every row it checked: a count over a
tenant's 100,000 customers paid 200,000 calls. Wrapped in a scalar sub-select, each is an InitPlan, evaluated once
per statement; the rule means the same (the settings cannot change during a statement).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from fibonacco.migrations.rls import POLICY, RULE

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The rule as migration 0005 wrote it (for the downgrade).
PER_ROW_RULE = (
    "tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid"
    " OR current_setting('app.cross_tenant', true) = 'on'"
)
_TABLES = sa.text("SELECT tablename FROM pg_policies WHERE schemaname = 'public' AND policyname = :policy")


def _alter_every_policy(rule: str) -> None:
    for (table,) in op.get_bind().execute(_TABLES, {"policy": POLICY}).all():
        op.execute(f'ALTER POLICY {POLICY} ON "{table}" USING ({rule}) WITH CHECK ({rule})')


def upgrade() -> None:
    _alter_every_policy(RULE)


def downgrade() -> None:
    _alter_every_policy(PER_ROW_RULE)
