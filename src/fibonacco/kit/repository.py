"""Repository bases. All SQL lives in repositories; tenant-owned ones scope every query to one tenant."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy import BindParameter, ColumnElement, Executable, Select, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from fibonacco.kit.db import RecordModel, TenantOwnedModel
from fibonacco.kit.driver import AnySelect, Row, fetch
from fibonacco.kit.errors import NotFound
from fibonacco.kit.responses import Page

M = TypeVar("M", bound=RecordModel)
TM = TypeVar("TM", bound=TenantOwnedModel)
T = TypeVar("T")


_PAGE_LIMIT = "page_limit"
_PAGE_OFFSET = "page_offset"


@lru_cache(maxsize=256)
def _paged(statement: Select[T]) -> Select[Any]:
    """`statement` with its total on each row and a page's limit and offset as bind parameters. Remembered per
    statement object, so a statement built once is not re-keyed on every request; a statement built per call
    just passes through the cache."""
    total = func.count().over().label("total")
    return statement.add_columns(total).limit(bindparam(_PAGE_LIMIT)).offset(bindparam(_PAGE_OFFSET))


def _page_values(page: Page, parameters: Mapping[str, object] | None) -> dict[str, object]:
    return {**(parameters or {}), _PAGE_LIMIT: page.per_page, _PAGE_OFFSET: page.offset}


def once_per_statement(expression: ColumnElement[Any]) -> ColumnElement[Any]:
    """`expression` of a statement's parameters as a scalar sub-select, which PostgreSQL evaluates once per
    statement (an InitPlan). A prepared statement may be planned generically from its sixth run, with its
    parameters unknown: an expression of them inside a row's condition is then computed for every row (the
    knowledge search's query parsing took a full-text search of 400 entries from 17 to 120 ms that way)."""
    return select(expression).scalar_subquery()


def response_columns(entity: type[Any], model: type[BaseModel]) -> tuple[ColumnElement[Any], ...]:
    """The columns of `entity`'s table that `model` shows, each under the field's name, which is the column's:
    a read of plain rows (`Repository.rows`) that render as `model` (`kit.responses.rows_page`, `row_response`)."""
    table = entity.__table__
    return tuple(table.c[name].label(name) for name in model.model_fields)


_PLAN_FOR_VALUES = select(func.set_config("plan_cache_mode", "force_custom_plan", True))


class Repository(Generic[M]):
    model: type[M]

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def scope(self) -> list[ColumnElement[bool]]:
        """The conditions every read (`select()`) and every UPDATE or DELETE of this repository starts from.
        None here; a tenant repository adds its tenant, and a narrower view subclasses it and adds its own."""
        return []

    def select(self) -> Select[M]:
        """The base query: every read in this repository starts here."""
        return select(self.model).where(*self.scope())

    async def one_or_none(self, statement: Select[T]) -> T | None:
        """The one row (first column) `statement` finds, or None."""
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def all(self, statement: Select[T]) -> Sequence[T]:
        """Every row's first column."""
        return (await self.session.scalars(statement)).all()

    async def rowcount(self, statement: Executable) -> int:
        """Run an UPDATE or DELETE; how many rows it matched."""
        result = await self.session.execute(statement)
        return int(getattr(result, "rowcount", 0) or 0)

    async def get(self, id: uuid.UUID) -> M | None:
        return await self.one_or_none(self.select().where(self.model.id == id))

    async def lock(self, id: uuid.UUID) -> M | None:
        """The row, locked (FOR UPDATE) until the unit of work ends: concurrent jobs on it take turns."""
        return await self.one_or_none(self.select().where(self.model.id == id).with_for_update())

    async def get_or_404(self, id: uuid.UUID) -> M:
        row = await self.get(id)
        if row is None:
            raise NotFound(f"{self.model.__name__} not found.")
        return row

    async def rows(self, statement: AnySelect, parameters: Mapping[str, object] | None = None) -> list[Row]:
        """Every row of a statement of plain columns, as dicts, read-only: run straight on the unit of work's
        driver connection (its transaction, and so its bound tenant), with no ORM loading and no SQLAlchemy
        execution layer (`kit.driver`). Build the statement once (a module constant, or a per-shape cache)."""
        return await fetch(self.session, statement, parameters)

    async def paginate(
        self, statement: Select[M], page: Page, parameters: Mapping[str, object] | None = None
    ) -> tuple[Sequence[M], int]:
        """One page of entities and the total, in one query (a window count rides along each row). Only a page
        past the end, which has no row to carry it, counts in a second query. `parameters` are `statement`'s bind
        parameters' values; a statement built once (and so passed again and again) is paged once, too."""
        rows = (await self.session.execute(_paged(statement), _page_values(page, parameters))).all()
        if rows:
            return [row[0] for row in rows], int(rows[0].total)
        return [], await self._total_past_the_end(statement, page, parameters)

    async def paginate_rows(
        self, statement: Select[Any], page: Page, parameters: Mapping[str, object] | None = None
    ) -> tuple[list[Row], int]:
        """`paginate` for a statement of plain columns: whole read-only rows, as `rows` reads them (without the
        window's `total` column, which comes apart)."""
        rows = await fetch(self.session, _paged(statement), _page_values(page, parameters))
        if not rows:
            return [], await self._total_past_the_end(statement, page, parameters)
        total = int(rows[0]["total"])
        for row in rows:
            del row["total"]
        return rows, total

    async def _total_past_the_end(
        self, statement: Select[Any], page: Page, parameters: Mapping[str, object] | None
    ) -> int:
        if page.offset == 0:
            return 0
        counted = select(func.count()).select_from(statement.order_by(None).subquery())
        return int(await self.session.scalar(counted, parameters) or 0)

    async def plan_for_values(self) -> None:
        """Plan the rest of this transaction's statements for their own parameters. asyncpg prepares each statement
        once per connection, and after five runs PostgreSQL may switch it to a generic plan, made for no value in
        particular. Worth its round trip where filters are skewed (the CRM's: a tag or a custom value matches one
        customer or 50,000, and generic plans made pages 4x slower); elsewhere a cached plan saves the planning
        (about 0.7 ms a statement on a timeline page)."""
        await fetch(self.session, _PLAN_FOR_VALUES)

    async def page_then_count(
        self, statement: Select[M], page: Page, counted: Select[int] | None = None
    ) -> tuple[Sequence[M], int]:
        """One page, then the total from a count over the same conditions, which an index covering them answers
        alone (an index-only scan); for sets that can be large, where `paginate`'s window count builds and sorts
        every matching row first. A page that is not full (and not past the end) tells the total without it.
        `counted` is a cheaper statement that counts the same rows, where the caller has one."""
        rows = (await self.session.execute(statement.limit(page.per_page).offset(page.offset))).scalars().all()
        if len(rows) < page.per_page and (rows or page.offset == 0):
            return rows, page.offset + len(rows)
        if counted is None:
            counted = statement.with_only_columns(func.count(), maintain_column_froms=True).order_by(None)
        return rows, int(await self.session.scalar(counted) or 0)

    async def add(self, row: M) -> M:
        self.session.add(row)
        await self.session.flush()
        return row

    async def update(self, row: M, values: dict[str, Any]) -> M:
        for name, value in values.items():
            setattr(row, name, value)
        await self.session.flush()
        return row

    async def delete(self, row: M) -> None:
        await self.session.delete(row)
        await self.session.flush()


# The bind parameter a statement built once for every tenant is scoped by (`TenantScopedRepository.scope_for`).
TENANT_PARAMETER = "scope_tenant_id"


class TenantScopedRepository(Repository[TM]):
    """Sees only one tenant's rows: another tenant's row is simply not found (404), never forbidden.

    (Not `tenant.repository.TenantRepository`, which reads the tenants themselves.)"""

    def __init__(self, session: AsyncSession, tenant_id: uuid.UUID) -> None:
        super().__init__(session)
        self.tenant_id = tenant_id

    def scope(self) -> list[ColumnElement[bool]]:
        return self.scope_for(self.tenant_id)

    @classmethod
    def scope_for(cls, tenant_id: uuid.UUID | BindParameter[uuid.UUID]) -> list[ColumnElement[bool]]:
        """`scope()` for a tenant given as a value, or as `bindparam(TENANT_PARAMETER)` in a statement built once
        per repository class and run with `scope_parameters()` (so a hot statement is not rebuilt per request). A
        narrower view overrides this, and `scope()` follows."""
        return [cls.model.tenant_id == tenant_id]

    def scope_parameters(self) -> dict[str, object]:
        """The parameters a `scope_for(bindparam(TENANT_PARAMETER))` statement runs with for this repository."""
        return {TENANT_PARAMETER: self.tenant_id}

    async def add(self, row: TM) -> TM:
        row.tenant_id = self.tenant_id
        return await super().add(row)
