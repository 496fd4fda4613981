"""customer custom-field values one per row, kept by triggers, so the custom filters use an index under the policies

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 16:50:00

A custom-field filter on `customers.custom_fields` (`@>`, `->>` casts) is never an index condition under
row-level security (the operators are not LEAKPROOF): every filtered list, count and segment read the tenant's
every customer. `customer_field_values` holds each value once more as a row (a multi-select: a row per option),
`text_value` or `number_value`, under the usual forced policy; equality and ranges on them are LEAKPROOF
(`texteq`, `text_ge`, `float8ge`…), so `(tenant_id, key, value)` indexes answer the filters. Text longer than
`TEXT_BYTES` is not copied (an index entry must stay under 2,704 bytes): a filter on such a value reads
`custom_fields` instead (see `crm/repository.py`).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from fibonacco.migrations.rls import enable_tenant_rls
from fibonacco.migrations.triggers import StatementTrigger, create_statement_triggers, drop_statement_triggers

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# `fibonacco.crm.models.CUSTOM_TEXT_INDEXED_BYTES`, frozen here as this revision wrote it.
TEXT_BYTES = 200


def _insert_values(rows: str) -> str:
    """The INSERT of the values of the customers `rows` names (`c`, with any join and condition after it)."""
    return (
        "INSERT INTO customer_field_values (customer_id, tenant_id, key, text_value, number_value)"  # noqa: S608
        " SELECT c.id, c.tenant_id, f.key,"
        " CASE WHEN jsonb_typeof(v.value) <> 'number' THEN v.value #>> '{}' END,"
        " CASE WHEN jsonb_typeof(v.value) = 'number' THEN v.value::float8 END"
        f" FROM {rows}"
        " CROSS JOIN LATERAL jsonb_each(c.custom_fields) AS f(key, value)"
        " CROSS JOIN LATERAL jsonb_array_elements("
        "CASE WHEN jsonb_typeof(f.value) = 'array' THEN f.value ELSE jsonb_build_array(f.value) END) AS v(value)"
        " WHERE jsonb_typeof(v.value) IN ('number', 'boolean')"
        f" OR (jsonb_typeof(v.value) = 'string' AND octet_length(v.value #>> '{{}}') <= {TEXT_BYTES})"
    )


_CHANGED = "after c JOIN before b ON b.id = c.id AND c.custom_fields IS DISTINCT FROM b.custom_fields"

# As for the search words (0010), but run as the writer (the application role, under the policy): no SECURITY
# DEFINER. An update rewrites only the values of customers whose `custom_fields` changed. No foreign key (its check
# would cost every imported value a look-up): the rows go with their customer in the delete trigger.
_TRIGGER_PREFIX = "crm_customer_fields"
_TRIGGERS = [
    StatementTrigger("INSERT", _insert_values("inserted c")),
    StatementTrigger(
        "UPDATE",
        f"DELETE FROM customer_field_values v USING {_CHANGED} WHERE v.customer_id = c.id; "  # noqa: S608
        + _insert_values(_CHANGED),
    ),
    StatementTrigger("DELETE", "DELETE FROM customer_field_values v USING deleted d WHERE v.customer_id = d.id"),
]


def upgrade() -> None:
    op.create_table(
        "customer_field_values",
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=50), nullable=False),
        sa.Column("text_value", sa.Text(), nullable=True),
        sa.Column("number_value", sa.Float(), nullable=True),
    )
    op.create_index("ix_customer_field_values_customer", "customer_field_values", ["customer_id"], unique=False)
    op.create_index(
        "ix_customer_field_values_text",
        "customer_field_values",
        ["tenant_id", "key", "text_value"],
        unique=False,
        postgresql_include=["customer_id"],
        postgresql_where=sa.text("text_value IS NOT NULL"),
    )
    op.create_index(
        "ix_customer_field_values_number",
        "customer_field_values",
        ["tenant_id", "key", "number_value"],
        unique=False,
        postgresql_include=["customer_id"],
        postgresql_where=sa.text("number_value IS NOT NULL"),
    )
    enable_tenant_rls("customer_field_values")
    # Run by the owner, who the forced policy on `customers` binds (unless a superuser): cross to copy them all.
    op.execute("SELECT set_config('app.cross_tenant', 'on', true)")
    op.execute(_insert_values("customers c"))
    create_statement_triggers("customers", _TRIGGER_PREFIX, _TRIGGERS, security_definer=False)


def downgrade() -> None:
    drop_statement_triggers("customers", _TRIGGER_PREFIX, _TRIGGERS)
    op.drop_table("customer_field_values")
