"""crm speed: covering indexes for customer counts, and the customer search through the trigram index

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 13:20:00
"""

from collections.abc import Sequence

from alembic import op

from fibonacco.migrations.rls import APP_ROLE

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# What the list filters test besides the key columns: a count over them is an index-only scan (no heap visits
# once VACUUM has set the visibility map), and the row-level policy, which reads only tenant_id, is checked on
# the index entries too.
COUNTED = ["tags", "industry", "do_not_contact", "owner_id"]


def upgrade() -> None:
    op.drop_index("ix_customers_tenant_stage_created", table_name="customers")
    op.create_index(
        "ix_customers_tenant_stage_created",
        "customers",
        ["tenant_id", "stage", "created_at"],
        unique=False,
        postgresql_include=COUNTED,
    )
    op.drop_index("ix_customers_tenant_created", table_name="customers")
    op.create_index(
        "ix_customers_tenant_created",
        "customers",
        ["tenant_id", "created_at", "id"],
        unique=False,
        postgresql_include=["stage", *COUNTED],
    )
    # Under row-level security a condition whose operator is not LEAKPROOF (pg_trgm's `%>`, ILIKE) is never an
    # index condition: it may only run after the policy, so the search was a scan of the tenant's every row.
    # This function answers one search word from the trigram index for the tenant the transaction is bound to
    # (it takes no tenant argument; unbound, it finds nothing). It runs as its owner: where the owner is exempt
    # from the policies (a superuser, as in development and the tests, or a BYPASSRLS role) the index serves it;
    # where it is not (the forced policy binds it), it is as correct as before and as slow.
    op.execute(
        """
        CREATE FUNCTION crm_customers_matching_word(pattern text, word text) RETURNS SETOF uuid
        LANGUAGE sql STABLE SECURITY DEFINER
        SET search_path = pg_catalog, public
        AS $$
            SELECT id FROM customers
            WHERE tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid
              AND (search_text ILIKE pattern OR search_text %> word)
        $$
        """
    )
    op.execute("REVOKE ALL ON FUNCTION crm_customers_matching_word(text, text) FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION crm_customers_matching_word(text, text) TO {APP_ROLE}")


def downgrade() -> None:
    op.execute("DROP FUNCTION crm_customers_matching_word(text, text)")
    op.drop_index("ix_customers_tenant_created", table_name="customers")
    op.create_index("ix_customers_tenant_created", "customers", ["tenant_id", "created_at", "id"], unique=False)
    op.drop_index("ix_customers_tenant_stage_created", table_name="customers")
    op.create_index(
        "ix_customers_tenant_stage_created", "customers", ["tenant_id", "stage", "created_at"], unique=False
    )
