"""customer search beside the policies: `customer_search`, kept by triggers; no GIN index the policies make useless

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 16:10:00

Under row-level security a condition whose operator is not LEAKPROOF (pg_trgm's `%>`, ILIKE, `@>`) is never an
index condition on a table whose policy applies. 0008's `crm_customers_matching_word` read `customers` as its
owner, which the forced policy binds wherever the owner is not a superuser (the RDS master user): there the
search scanned the tenant's every row. This revision moves what the search matches to `customer_search`, a table
whose policy is enabled but not forced, so its owner (who runs the SECURITY DEFINER function and the triggers)
reads it through its trigram index; the function filters by the bound tenant itself, and the application role
holds no privilege on the table. The GIN indexes on `customers` (trigram, tags, custom fields) go: no query of
the application could use them, and every write paid for them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from fibonacco.migrations.rls import APP_ROLE, POLICY, RULE

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_DEFINER = "LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public"

# Statement-level, with transition tables: an import's upsert of 1,000 customers is one INSERT here, not 1,000.
# PostgreSQL allows one event per trigger with transition tables, hence three.
_TRIGGERS = {
    "inserted": (
        "INSERT",
        "NEW TABLE AS inserted",
        "INSERT INTO customer_search (customer_id, tenant_id, search_text)"
        " SELECT id, tenant_id, search_text FROM inserted",
    ),
    "updated": (
        "UPDATE",
        "OLD TABLE AS before NEW TABLE AS after",
        "UPDATE customer_search s SET search_text = a.search_text"
        " FROM after a JOIN before b ON b.id = a.id"
        " WHERE s.customer_id = a.id AND a.search_text IS DISTINCT FROM b.search_text",
    ),
    "deleted": (
        "DELETE",
        "OLD TABLE AS deleted",
        "DELETE FROM customer_search s USING deleted d WHERE s.customer_id = d.id",
    ),
}


def upgrade() -> None:
    op.create_table(
        "customer_search",
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_customer_search")),
    )
    # Created by the owner, who the forced policy on `customers` binds (unless a superuser): cross to copy all.
    op.execute("SELECT set_config('app.cross_tenant', 'on', true)")
    op.execute("INSERT INTO customer_search SELECT id, tenant_id, search_text FROM customers")
    op.create_index(
        "ix_customer_search_text_trgm",
        "customer_search",
        ["search_text"],
        unique=False,
        postgresql_using="gin",
        postgresql_ops={"search_text": "gin_trgm_ops"},
    )
    op.execute("ALTER TABLE customer_search ENABLE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY {POLICY} ON customer_search USING ({RULE}) WITH CHECK ({RULE})")
    # 0005's default privileges granted the new table to the application role; only the owner reads it.
    op.execute(f"REVOKE ALL ON customer_search FROM {APP_ROLE}")
    for name, (event, referencing, statement) in _TRIGGERS.items():
        op.execute(
            f"CREATE FUNCTION crm_customer_search_{name}() RETURNS trigger {_DEFINER}"
            f" AS $$ BEGIN {statement}; RETURN NULL; END $$"
        )
        op.execute(f"REVOKE ALL ON FUNCTION crm_customer_search_{name}() FROM PUBLIC")
        op.execute(
            f"CREATE TRIGGER customer_search_{name} AFTER {event} ON customers REFERENCING {referencing}"
            f" FOR EACH STATEMENT EXECUTE FUNCTION crm_customer_search_{name}()"
        )
    op.execute(
        """
        CREATE OR REPLACE FUNCTION crm_customers_matching_word(pattern text, word text) RETURNS SETOF uuid
        LANGUAGE sql STABLE SECURITY DEFINER ROWS 100
        SET search_path = pg_catalog, public
        AS $$
            SELECT customer_id FROM customer_search
            WHERE tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid
              AND (search_text ILIKE pattern OR search_text %> word)
        $$
        """
    )
    op.drop_index("ix_customers_search_text_trgm", table_name="customers")
    op.drop_index("ix_customers_tags", table_name="customers")
    op.drop_index("ix_customers_custom_fields", table_name="customers")


def downgrade() -> None:
    op.create_index(
        "ix_customers_custom_fields",
        "customers",
        ["custom_fields"],
        unique=False,
        postgresql_using="gin",
        postgresql_ops={"custom_fields": "jsonb_path_ops"},
    )
    op.create_index("ix_customers_tags", "customers", ["tags"], unique=False, postgresql_using="gin")
    op.create_index(
        "ix_customers_search_text_trgm",
        "customers",
        ["search_text"],
        unique=False,
        postgresql_using="gin",
        postgresql_ops={"search_text": "gin_trgm_ops"},
    )
    op.execute(
        """
        CREATE OR REPLACE FUNCTION crm_customers_matching_word(pattern text, word text) RETURNS SETOF uuid
        LANGUAGE sql STABLE SECURITY DEFINER
        SET search_path = pg_catalog, public
        AS $$
            SELECT id FROM customers
            WHERE tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid
              AND (search_text ILIKE pattern OR search_text %> word)
        $$
        """
    )
    for name in _TRIGGERS:
        op.execute(f"DROP TRIGGER customer_search_{name} ON customers")
        op.execute(f"DROP FUNCTION crm_customer_search_{name}()")
    op.drop_table("customer_search")
