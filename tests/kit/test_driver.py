"""Reads on the driver (`kit.driver`): inside the unit of work's transaction, with SQLAlchemy's conversions and
errors, and for SELECTs only."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import Uuid, any_, bindparam, func, literal, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from fibonacco.auth.models import PersonalAccessToken, Role, User
from fibonacco.kit.db import create_sessionmaker, sqlstate, unit_of_work
from fibonacco.kit.driver import compile_for_driver, fetch
from fibonacco.kit.tenancy import TENANT_SETTING, bind_tenant
from fibonacco.tenant.models import Tenant
from tests.kit.test_checkout import backend_pid, terminate

_SETTING = select(func.current_setting(TENANT_SETTING, True).label("tenant"))


@pytest.fixture
async def two_users(engine: AsyncEngine, committed_tenant: Tenant) -> AsyncIterator[tuple[Tenant, Tenant]]:
    """A user in `committed_tenant` and one in another committed tenant (both removed afterwards)."""
    sessionmaker = create_sessionmaker(engine)
    async with unit_of_work(sessionmaker) as session:
        other = Tenant(name="Other", slug=f"other-{uuid.uuid4().hex[:10]}")
        session.add(other)
        await session.flush()
        for tenant in (committed_tenant, other):
            session.add(User(tenant_id=tenant.id, email="a@example.com", name="A", role=Role.admin, password_hash="x"))
    yield committed_tenant, other
    async with unit_of_work(sessionmaker) as session:
        await session.delete(await session.get(Tenant, other.id))


async def test_a_driver_read_runs_in_the_unit_of_works_transaction(
    app_engine: AsyncEngine, two_users: tuple[Tenant, Tenant]
) -> None:
    """The tenant a driver read binds (the first statement of the unit, so it begins the transaction) holds for
    the session's statements after it, and ends with the unit: the next unit on the same pool sees no tenant."""
    mine, _ = two_users
    sessionmaker = create_sessionmaker(app_engine)
    async with unit_of_work(sessionmaker) as session:
        await bind_tenant(session, mine.id)
        users = (await session.scalars(select(User))).all()  # row-level security: only the bound tenant's
        assert {user.tenant_id for user in users} == {mine.id}
        assert (await fetch(session, _SETTING))[0]["tenant"] == str(mine.id)
    async with unit_of_work(sessionmaker) as session:
        assert not (await fetch(session, _SETTING))[0]["tenant"]
        assert (await session.scalars(select(User))).all() == []


async def test_rows_are_dicts_with_sqlalchemys_conversions(
    app_engine: AsyncEngine, two_users: tuple[Tenant, Tenant]
) -> None:
    mine, _ = two_users
    statement = select(User.id, User.role, User.tenant_id.label("tenant")).where(User.tenant_id == bindparam("tenant"))
    async with unit_of_work(create_sessionmaker(app_engine)) as session:
        await bind_tenant(session, mine.id)
        (row,) = await fetch(session, statement, {"tenant": mine.id})
    assert set(row) == {"id", "role", "tenant"} and row["tenant"] == mine.id
    assert row["role"] is Role.admin  # the enum column's member, as the session would give it


async def test_only_selects_run_on_the_driver(app_engine: AsyncEngine) -> None:
    async with unit_of_work(create_sessionmaker(app_engine)) as session:
        with pytest.raises(TypeError, match="only a SELECT"):
            await fetch(session, update(PersonalAccessToken).values(name="x"))  # type: ignore[arg-type]


def test_a_statement_is_compiled_once_and_refuses_expanding_lists(app_engine: AsyncEngine) -> None:
    statement = select(User.id).where(User.id == any_(bindparam("ids", type_=ARRAY(Uuid))))
    dialect = app_engine.dialect
    assert compile_for_driver(statement, dialect) is compile_for_driver(statement, dialect)
    with pytest.raises(TypeError, match="any_"):
        compile_for_driver(select(User.id).where(User.id.in_([uuid.uuid4()])), dialect)


async def test_errors_are_sqlalchemys(app_engine: AsyncEngine, engine: AsyncEngine) -> None:
    """What the error handlers catch: a failing statement is a `DBAPIError` with its SQLSTATE, a lost connection
    an invalidated `OperationalError` (a 503, not a 500)."""
    sessionmaker = create_sessionmaker(app_engine)
    with pytest.raises(DBAPIError) as failed:
        async with unit_of_work(sessionmaker) as session:
            await fetch(session, select(literal(1) / bindparam("zero")), {"zero": 0})
    assert sqlstate(failed.value) == "22012"  # division_by_zero
    with pytest.raises(OperationalError) as lost:
        async with unit_of_work(sessionmaker) as session:
            (row,) = await fetch(session, select(func.pg_backend_pid().label("pid")))
            pid = row["pid"]
            await terminate(engine, pid)
            await fetch(session, select(text("1")))
    assert lost.value.connection_invalidated
    assert await backend_pid(app_engine) != pid  # the pool replaced the dead connection


_PID = select(func.pg_backend_pid().label("pid"))


async def _state(engine: AsyncEngine, pid: int) -> str:
    """What the backend `pid` is doing, as another connection sees it (e.g. "idle", "idle in transaction")."""
    async with engine.connect() as connection:
        state: str = await connection.scalar(text("SELECT state FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid})
        return state


class TestDriverFirstUnits:
    """A unit whose first statement is a driver read checks its connection out without the session
    (`kit.driver.UnitSession`); the session, when it runs anything, runs there, in the same transaction."""

    async def test_a_read_only_unit_uses_one_connection_and_no_session_transaction(
        self, app_engine: AsyncEngine, engine: AsyncEngine
    ) -> None:
        pool = app_engine.sync_engine.pool
        async with unit_of_work(create_sessionmaker(app_engine)) as session:
            first, second = (await fetch(session, _PID))[0]["pid"], (await fetch(session, _PID))[0]["pid"]
            assert first == second and pool.checkedout() == 1  # type: ignore[attr-defined]
            assert session.sync_session.get_transaction() is None  # the session's machinery never ran
            assert await _state(engine, first) == "idle in transaction"
        assert pool.checkedout() == 0  # type: ignore[attr-defined]
        assert await _state(engine, first) == "idle"  # back in the pool, its transaction rolled back

    async def test_the_session_writes_on_the_driver_s_connection_under_its_binding(
        self, app_engine: AsyncEngine, engine: AsyncEngine, committed_tenant: Tenant
    ) -> None:
        """The tenant the driver bound binds the session's INSERT (the forced policy refuses it otherwise), on the
        same backend; the commit keeps the row."""
        email = f"first-{uuid.uuid4().hex[:8]}@example.com"
        async with unit_of_work(create_sessionmaker(app_engine)) as session:
            await bind_tenant(session, committed_tenant.id)
            session.add(User(tenant_id=committed_tenant.id, email=email, name="F", role=Role.viewer, password_hash="x"))
            await session.flush()
            driver_pid = (await fetch(session, _PID))[0]["pid"]
            assert await session.scalar(select(func.pg_backend_pid())) == driver_pid
        async with engine.connect() as connection:
            assert await connection.scalar(select(func.count()).select_from(User).where(User.email == email)) == 1

    async def test_a_failing_unit_rolls_back_what_its_session_wrote(
        self, app_engine: AsyncEngine, engine: AsyncEngine, committed_tenant: Tenant
    ) -> None:
        email = f"lost-{uuid.uuid4().hex[:8]}@example.com"
        with pytest.raises(RuntimeError):
            async with unit_of_work(create_sessionmaker(app_engine)) as session:
                await bind_tenant(session, committed_tenant.id)
                pid = (await fetch(session, _PID))[0]["pid"]
                session.add(
                    User(tenant_id=committed_tenant.id, email=email, name="L", role=Role.viewer, password_hash="x")
                )
                await session.flush()
                raise RuntimeError("the request failed")
        async with engine.connect() as connection:
            assert await connection.scalar(select(func.count()).select_from(User).where(User.email == email)) == 0
        assert await _state(engine, pid) == "idle"

    async def test_a_session_closed_outside_a_unit_gives_the_connection_back(self, app_engine: AsyncEngine) -> None:
        async with create_sessionmaker(app_engine)() as session:
            await fetch(session, _PID)
        assert app_engine.sync_engine.pool.checkedout() == 0  # type: ignore[attr-defined]
