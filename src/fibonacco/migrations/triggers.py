"""Statement-level triggers with transition tables, as migrations create them (the CRM's search words, 0010, and
custom-field values, 0011): one INSERT/UPDATE/DELETE of many rows fires each once, with all its rows at hand.

PostgreSQL allows one event per trigger with transition tables, so each event is its own trigger and function,
both named `<prefix>_<event>` (e.g. `crm_customer_search_insert`).
"""

from __future__ import annotations

from dataclasses import dataclass

from alembic import op

__all__ = ["StatementTrigger", "create_statement_triggers", "drop_statement_triggers"]

_REFERENCING = {
    "INSERT": "NEW TABLE AS inserted",
    "UPDATE": "OLD TABLE AS before NEW TABLE AS after",
    "DELETE": "OLD TABLE AS deleted",
}


@dataclass(frozen=True)
class StatementTrigger:
    """What one event does, in PL/pgSQL statements over its transition tables: `inserted`; `before` and
    `after`; or `deleted`."""

    event: str
    body: str


def create_statement_triggers(
    table: str, prefix: str, triggers: list[StatementTrigger], *, security_definer: bool, crossing: bool = False
) -> None:
    """A SECURITY DEFINER function runs as its owner (the migrating user), for tables the writer may not touch;
    otherwise it runs as the writer, under its policies. `crossing` sets `app.cross_tenant` for the function's
    own duration (PostgreSQL restores it on exit): for a body that must see other tenants' rows, and acts only on
    rows its transition tables name."""
    settings = " SET search_path = pg_catalog, public"
    if security_definer:
        settings = " SECURITY DEFINER" + settings
    if crossing:
        settings += " SET app.cross_tenant = 'on'"
    for trigger in triggers:
        name = f"{prefix}_{trigger.event.lower()}"
        op.execute(
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql{settings}"
            f" AS $$ BEGIN {trigger.body}; RETURN NULL; END $$"
        )
        op.execute(f"REVOKE ALL ON FUNCTION {name}() FROM PUBLIC")
        op.execute(
            f'CREATE TRIGGER {name} AFTER {trigger.event} ON "{table}" REFERENCING {_REFERENCING[trigger.event]}'
            f" FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
        )


def drop_statement_triggers(table: str, prefix: str, triggers: list[StatementTrigger]) -> None:
    for trigger in triggers:
        name = f"{prefix}_{trigger.event.lower()}"
        op.execute(f'DROP TRIGGER {name} ON "{table}"')
        op.execute(f"DROP FUNCTION {name}()")
