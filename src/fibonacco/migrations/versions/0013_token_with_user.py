"""authentication finds the token, its user and its tenant in one statement

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 02:30:00

A request bound the token's tenant (`fibonacco_token_tenant`, a SECURITY DEFINER look-up across tenants), then read
the token and its user under that tenant: two round trips. `fibonacco_token_with_user` returns the token's and its
user's columns the same way, across tenants, for the one hash the caller holds; the statement that calls it binds
the user's tenant from its row (`auth.repository`), so a request authenticates and binds in one round trip.
"""

from collections.abc import Sequence

from alembic import op

from fibonacco.kit.tenancy import APP_ROLE

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Each output column is the source column's name with a `token_` or `user_` prefix (auth.repository reads them so).
_FUNCTION = """
CREATE FUNCTION fibonacco_token_with_user(token_hash text)
RETURNS TABLE (
    token_id uuid, token_name text, token_token_prefix text, token_abilities text[],
    token_expires_at timestamptz, token_last_used_at timestamptz, token_revoked_at timestamptz,
    token_created_at timestamptz,
    user_id uuid, user_tenant_id uuid, user_email text, user_name text, user_role text, user_is_active boolean,
    user_last_login_at timestamptz, user_created_at timestamptz
)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
SET app.cross_tenant = 'on'
AS $$
    SELECT t.id, t.name::text, t.token_prefix::text, t.abilities::text[], t.expires_at, t.last_used_at,
           t.revoked_at, t.created_at,
           u.id, u.tenant_id, u.email::text, u.name::text, u.role::text, u.is_active, u.last_login_at, u.created_at
    FROM personal_access_tokens AS t JOIN users AS u ON u.id = t.user_id
    WHERE t.token_hash = $1
$$
"""

# Migration 0005's look-up of the tenant alone, which this one replaces (for the downgrade).
_TENANT_FUNCTION = """
CREATE FUNCTION fibonacco_token_tenant(token_hash text) RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public
SET app.cross_tenant = 'on'
AS $$ SELECT tenant_id FROM personal_access_tokens WHERE personal_access_tokens.token_hash = $1 $$
"""


def _grant(signature: str) -> None:
    op.execute(f"REVOKE ALL ON FUNCTION {signature} FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION {signature} TO {APP_ROLE}")


def upgrade() -> None:
    op.execute(_FUNCTION)
    _grant("fibonacco_token_with_user(text)")
    op.execute("DROP FUNCTION fibonacco_token_tenant(text)")


def downgrade() -> None:
    op.execute(_TENANT_FUNCTION)
    _grant("fibonacco_token_tenant(text)")
    op.execute("DROP FUNCTION fibonacco_token_with_user(text)")
