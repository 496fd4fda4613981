"""Row-level security for tenant-owned tables, applied by migrations (DESIGN §15).

Every migration that creates a tenant-owned table calls `enable_tenant_rls("table")` after creating it; a test
fails for a tenant-owned table without the policy. The policy admits a row when its `tenant_id` is the
transaction's `app.tenant_id` (see `fibonacco.kit.tenancy.bind_tenant`) or when the transaction declared
cross-tenant maintenance (`app.cross_tenant = on`, see `fibonacco.kit.tenancy.cross_tenant`).

The application connects through the role `APP_ROLE` (see `fibonacco.kit.db.create_engine`), which owns nothing,
so the policies bind it; `FORCE` binds the tables' owner (the migrating user) too, unless it is a superuser.
Migration 0005 creates the role and grants it the tables, including those later migrations create.
"""

from __future__ import annotations

from alembic import op

from fibonacco.kit.tenancy import APP_ROLE

__all__ = ["APP_ROLE", "POLICY", "RULE", "disable_tenant_rls", "enable_tenant_rls"]

POLICY = "tenant_isolation"
# The settings are read in scalar sub-selects: InitPlans, evaluated once per statement instead of once per row
# checked (migration 0012).
RULE = (
    "tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid)"
    " OR (SELECT current_setting('app.cross_tenant', true)) = 'on'"
)


def enable_tenant_rls(table: str) -> None:
    op.execute(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY')
    op.execute(f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY')
    op.execute(f'CREATE POLICY {POLICY} ON "{table}" USING ({RULE}) WITH CHECK ({RULE})')


def disable_tenant_rls(table: str) -> None:
    op.execute(f'DROP POLICY IF EXISTS {POLICY} ON "{table}"')
    op.execute(f'ALTER TABLE "{table}" NO FORCE ROW LEVEL SECURITY')
    op.execute(f'ALTER TABLE "{table}" DISABLE ROW LEVEL SECURITY')
