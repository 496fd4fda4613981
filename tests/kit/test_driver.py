"""Reads on the driver (`kit.driver`): inside the unit of work's transaction, with SQLAlchemy's conversions and
errors, and for SELECTs only."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import Uuid, any_, bindparam, func, literal, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

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


class TestDriverOnlyUnitsEnd:
    """A unit whose session ran nothing ends on the driver (`kit.driver.release_driver_only`): its transaction
    rolled back, the connection back in the pool, without the session's close; and safely when the rollback fails
    or is cancelled."""

    async def test_without_the_session_s_close_unless_the_session_ran_something(
        self, app_engine: AsyncEngine, engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        closed: list[AsyncSession] = []
        close = AsyncSession.close

        async def recorded(session: AsyncSession) -> None:
            closed.append(session)
            await close(session)

        monkeypatch.setattr(AsyncSession, "close", recorded)
        sessionmaker = create_sessionmaker(app_engine)
        async with unit_of_work(sessionmaker) as driver_only:
            pid = (await fetch(driver_only, _PID))[0]["pid"]
        assert closed == [] and await _state(engine, pid) == "idle"  # rolled back, and back in the pool
        async with unit_of_work(sessionmaker) as both:
            await fetch(both, _PID)
            await both.scalar(select(func.now()))
        assert closed == [both]
        assert app_engine.sync_engine.pool.checkedout() == 0  # type: ignore[attr-defined]

    async def test_a_connection_lost_before_the_end_is_dropped_and_the_unit_stands(
        self, app_engine: AsyncEngine, engine: AsyncEngine
    ) -> None:
        pool = app_engine.sync_engine.pool
        async with unit_of_work(create_sessionmaker(app_engine)) as session:
            pid = (await fetch(session, _PID))[0]["pid"]
            await terminate(engine, pid)  # the read is done; the rollback at the end meets a closed connection
        assert pool.checkedout() == 0  # type: ignore[attr-defined]
        async with unit_of_work(create_sessionmaker(app_engine)) as session:
            assert (await fetch(session, _PID))[0]["pid"] != pid  # a new connection, not the dead one

    async def test_a_cancelled_end_takes_the_connection_out_of_the_pool(
        self, app_engine: AsyncEngine, engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Cancelled during its rollback, the unit does not give back a connection in an unknown state: it closes
        it (PostgreSQL then ends the backend's transaction) and the cancellation goes on."""
        started = asyncio.Event()
        ended: list[Any] = []  # the unit's asyncpg connection

        async def hanging(adapted: object, rollback: object) -> None:
            started.set()
            await asyncio.Event().wait()

        async def read_then_end() -> None:
            async with unit_of_work(create_sessionmaker(app_engine)) as session:
                await fetch(session, _PID)
                pooled = session.sync_session.pooled
                assert pooled is not None
                ended.append(pooled.driver_connection)
                monkeypatch.setattr(type(pooled.dbapi_connection), "_call_and_discard", hanging)  # its rollback hangs

        unit = asyncio.create_task(read_then_end())
        await asyncio.wait_for(started.wait(), 5)
        unit.cancel()
        with pytest.raises(asyncio.CancelledError):
            await unit
        monkeypatch.undo()
        assert ended[0].is_closed()  # closed, not handed back (PostgreSQL ends its backend's transaction)
        assert app_engine.sync_engine.pool.checkedout() == 0  # type: ignore[attr-defined]
        async with unit_of_work(create_sessionmaker(app_engine)) as session:
            assert (await fetch(session, _PID))[0]["pid"] is not None  # the pool opens a new connection
