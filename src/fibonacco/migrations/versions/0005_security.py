"""security: emails unique per tenant, the application role, row-level security on every tenant-owned table

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 09:50:00.000000

The application role (`fibonacco_app`, NOLOGIN, no BYPASSRLS) is granted to the migrating user, which the
application then switches to on every connection (`SET ROLE`): one credential to provision and rotate, and the
application never runs as the tables' owner. See docs/security.md.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from fibonacco.migrations.rls import APP_ROLE, disable_tenant_rls, enable_tenant_rls

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Every table with a tenant_id when this migration was written; later tables call enable_tenant_rls themselves.
TENANT_TABLES = (
    "users",
    "personal_access_tokens",
    "failed_jobs",
    "job_batches",
    "knowledge_entries",
    "faq_categories",
    "knowledge_votes",
    "tts_audio",
    "messages",
    "message_events",
    "suppressed_addresses",
)


def upgrade() -> None:
    op.drop_constraint(op.f("uq_users_email"), "users", type_="unique")
    op.create_index("uq_users_tenant_email", "users", ["tenant_id", sa.literal_column("lower(email)")], unique=True)

    # The role is per cluster (another database on the server may have created it already); its grants are per
    # database. The migrating user becomes a member, so the application can SET ROLE to it.
    op.execute(
        f"""
        DO $$
        BEGIN
            IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
                CREATE ROLE {APP_ROLE} NOLOGIN NOBYPASSRLS;
            END IF;
            IF NOT pg_has_role(current_user, '{APP_ROLE}', 'MEMBER') THEN
                EXECUTE format('GRANT {APP_ROLE} TO %I', current_user);
            END IF;
        END
        $$
        """
    )
    op.execute(f"GRANT USAGE ON SCHEMA public TO {APP_ROLE}")
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {APP_ROLE}")
    op.execute(f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE}")
    op.execute(f"REVOKE INSERT, UPDATE, DELETE ON alembic_version FROM {APP_ROLE}")
    # Tables and sequences later migrations create (as this same user) are granted as they appear.
    op.execute(
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {APP_ROLE}"
    )
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {APP_ROLE}")

    for table in TENANT_TABLES:
        enable_tenant_rls(table)

    # The one cross-tenant read a request needs: which tenant a presented token belongs to (only its SHA-256 is
    # stored, so the caller must hold the token). It runs as the owner with the policies lifted for its duration.
    op.execute(
        """
        CREATE FUNCTION fibonacco_token_tenant(token_hash text) RETURNS uuid
        LANGUAGE sql STABLE SECURITY DEFINER
        SET search_path = pg_catalog, public
        SET app.cross_tenant = 'on'
        AS $$ SELECT tenant_id FROM personal_access_tokens WHERE personal_access_tokens.token_hash = $1 $$
        """
    )
    op.execute("REVOKE ALL ON FUNCTION fibonacco_token_tenant(text) FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION fibonacco_token_tenant(text) TO {APP_ROLE}")


def downgrade() -> None:
    op.execute("DROP FUNCTION fibonacco_token_tenant(text)")
    for table in reversed(TENANT_TABLES):
        disable_tenant_rls(table)
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON SEQUENCES FROM {APP_ROLE}")
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON TABLES FROM {APP_ROLE}")
    op.execute(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {APP_ROLE}")
    op.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {APP_ROLE}")
    op.execute(f"REVOKE USAGE ON SCHEMA public FROM {APP_ROLE}")
    # The role itself stays: it belongs to the cluster, and other databases on it may use it.
    op.drop_index("uq_users_tenant_email", table_name="users")
    op.create_unique_constraint(op.f("uq_users_email"), "users", ["email"])
