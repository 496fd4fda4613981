"""Engine, sessions, the declarative base and the mixins every table uses."""

from __future__ import annotations

import asyncio
import select
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager, suppress
from datetime import datetime
from enum import StrEnum
from functools import cache
from typing import Any, ClassVar

from sqlalchemy import (
    Column,
    DateTime,
    Enum,
    ForeignKey,
    ForeignKeyConstraint,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    UniqueConstraint,
    event,
    func,
)
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    ORMExecuteState,
    Session,
    UOWTransaction,
    declared_attr,
    mapped_column,
)
from sqlalchemy.sql import visitors

from fibonacco.config import Settings
from fibonacco.kit.dbcredentials import SecretPassword
from fibonacco.kit.driver import UnitSession
from fibonacco.kit.ids import new_id
from fibonacco.kit.tenancy import APP_ROLE
from fibonacco.kit.vectors import HNSW_SCAN_SETTINGS, register_vector_codec

# Stable constraint names, so Alembic migrations can refer to them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class ProcessingStatus(StrEnum):
    """Where a row's background work stands (an embedding, a speech file, …)."""

    pending = "pending"
    processing = "processing"
    completed = "completed"
    failed = "failed"


def string_enum(kind: type[StrEnum], length: int = 20) -> Enum:
    """An enum column stored as its string values (a VARCHAR): adding a value needs no ALTER TYPE."""
    return Enum(kind, native_enum=False, length=length, values_callable=lambda members: [m.value for m in members])


class Model(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


_KEYS = (UniqueConstraint, PrimaryKeyConstraint, ForeignKeyConstraint)


def _covered(table: Table, name: str) -> list[Any]:
    for constraint in table.constraints:
        if isinstance(constraint, _KEYS) and constraint.name == name:
            return list(constraint.columns)
    return next((list(index.expressions) for index in table.indexes if index.unique and index.name == name), [])


@cache
def constraint_fields(name: str) -> tuple[str, ...]:
    """The columns a unique constraint, unique index or foreign key named `name` covers, without `tenant_id`
    (every per-tenant uniqueness includes it): what a client must change. Empty for an unknown name."""
    for table in Model.metadata.tables.values():
        if covered := _covered(table, name):
            columns = [node.name for part in covered for node in visitors.iterate(part) if isinstance(node, Column)]
            return tuple(column for column in dict.fromkeys(columns) if column != "tenant_id")
    return ()


class RecordModel(Model):
    """A table with a UUID key and creation/update timestamps."""

    __abstract__ = True

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)  # time-ordered: see kit/ids.py
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now(), nullable=False
    )


class TenantOwnedModel(RecordModel):
    """A row that belongs to one tenant; `TenantScopedRepository` scopes every query on it to the caller's
    tenant."""

    __abstract__ = True
    # False where every index of the table leads with tenant_id already: a single-column one would only cost writes.
    tenant_id_indexed: ClassVar[bool] = True

    @declared_attr
    def tenant_id(cls) -> Mapped[uuid.UUID]:
        return mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=cls.tenant_id_indexed, nullable=False)


def _server_spoke(driver_connection: Any) -> bool:
    """Whether the server sent anything to a connection that is idle in the pool (where it has nothing to say
    but goodbye: a FATAL error and the end of the stream), asked of the kernel without a round trip. It catches
    what asyncpg has not read yet, when the event loop had no turn since (it was blocked, or the checkout comes
    first)."""
    transport = driver_connection._transport  # asyncpg keeps the socket's transport here; no public accessor
    sock = transport.get_extra_info("socket") if transport is not None else None
    if sock is None:
        return True
    readable, _, _ = select.select([sock.fileno()], [], [], 0)
    return bool(readable)


def _discard_closed(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """A pool `checkout` listener: a connection the server has closed is replaced before anyone uses it.

    PostgreSQL closes every client connection when it shuts down (a restart, a failover of the primary) or
    terminates a backend. Such a connection is closed for asyncpg (`is_closed()`) once the event loop has read
    the end of the stream, and readable in the kernel before that; either way the pool discards it and opens a
    fresh one for this checkout, so a restart costs no request. `pool_pre_ping` found the same connections with
    three round trips (`BEGIN`, `;`, `ROLLBACK`) on every checkout. What neither sees in advance (a socket that
    dies between checkout and use, or silently, without the server closing it) fails that statement as a
    disconnect, which invalidates the pool.
    """
    driver = dbapi_connection.driver_connection
    if driver.is_closed() or _server_spoke(driver):
        raise DisconnectionError("the database closed this connection")


def create_engine(
    settings: Settings, *, pool_size: int | None = None, role: str | None = APP_ROLE, fixed_pool: bool = False
) -> AsyncEngine:
    """The application's engine. Every connection acts as `role` (the login user is only a member of it), so
    row-level security binds it (DESIGN §15); `role=None` keeps the login user, for the tests' own checks.

    `fixed_pool` (the API's): never more than `pool_size` connections; a checkout beyond them waits up to
    DB_POOL_TIMEOUT seconds for one to come back (then `sqlalchemy.exc.TimeoutError`, a 503). Otherwise up to
    10 more are opened under load, and each is closed again when it comes back to a full pool: under a burst
    of more requests than connections, the API would connect (and prepare its statements anew) again and again,
    the tail of its latencies (bench/README.md, API, sixth pass).

    Each connection starts with the HNSW scan settings (`kit.vectors.HNSW_SCAN_SETTINGS`). Statement parameters
    never reach a log line or an exception's text (`hide_parameters`): they hold password hashes, emails and
    tokens. Connections the server closed (a restart) are replaced at checkout (`_discard_closed`).
    """
    server_settings = dict(HNSW_SCAN_SETTINGS)
    if role is not None:
        server_settings["role"] = role
    connect_args: dict[str, object] = {"server_settings": server_settings}
    if settings.DB_SSLMODE == "require":
        connect_args["ssl"] = "require"
    # With DB_SECRET_ARN, every new connection asks Secrets Manager's current password (cached), so a rotation
    # never locks running processes out (kit/dbcredentials.py).
    secret_password = SecretPassword.from_settings(settings)
    if secret_password is not None:
        connect_args["password"] = secret_password
    engine = create_async_engine(
        settings.database_url(),
        pool_size=pool_size or settings.DB_POOL_SIZE,
        max_overflow=0 if fixed_pool else 10,
        pool_timeout=settings.DB_POOL_TIMEOUT,
        hide_parameters=True,
        connect_args=connect_args,
    )
    if secret_password is not None:
        secret_password.retry_when_refused(engine)
    event.listen(engine.sync_engine, "connect", register_vector_codec)
    event.listen(engine.sync_engine, "checkout", _discard_closed)
    return engine


async def fill_pool(engine: AsyncEngine, size: int, seconds: float = 5.0) -> int:
    """Opens `size` of the pool's connections at once and gives them back to it; returns how many opened.

    Why: a connection the pool opens on demand costs a backend's start-up, its settings and its codecs (several ms),
    and under the first burst after a start every request in flight waits behind those connects: the tail of that
    burst's latencies (bench/README.md, API, eleventh pass). Best effort: a database that is unreachable, or slower
    than `seconds`, leaves the rest to be opened on demand, as it would be anyway.
    """
    async with AsyncExitStack() as held:
        opened: list[AsyncConnection] = []

        async def open_one() -> None:
            opened.append(await held.enter_async_context(engine.connect()))

        with suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await asyncio.gather(*(open_one() for _ in range(size)), return_exceptions=True)
        return len(opened)


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    # Every mapper must be registered before the first query resolves relationships and foreign keys. Imported
    # here, not at the top: `fibonacco.models` imports every domain's models, and they import this module.
    import fibonacco.models  # noqa: F401

    return async_sessionmaker(engine, sync_session_class=UnitSession, expire_on_commit=False, autoflush=False)


AfterCommit = Callable[[AsyncSession], Awaitable[None]]
_AFTER_COMMIT_KEY = "fibonacco.after_commit"


def after_commit(session: AsyncSession, hook: AfterCommit) -> None:
    """Run `hook(session)` once the unit of work around `session` has committed (once per unit, however often
    it is asked for); a rolled-back unit runs none. The hook may use the session for new transactions."""
    hooks: list[AfterCommit] = session.info.setdefault(_AFTER_COMMIT_KEY, [])
    if hook not in hooks:
        hooks.append(hook)


# session.info key: set once the session has written (or may have written) anything.
_WROTE = "fibonacco.wrote"


@event.listens_for(Session, "after_flush")
def _flushed(session: Session, _flush_context: UOWTransaction) -> None:
    session.info[_WROTE] = True


@event.listens_for(Session, "do_orm_execute")
def _executing(state: ORMExecuteState) -> None:
    if not state.is_select:
        state.session.info[_WROTE] = True  # INSERT, UPDATE, DELETE, or text that might write


UNIQUE_VIOLATION = "23505"
FOREIGN_KEY_VIOLATION = "23503"
DEADLOCK_DETECTED = "40P01"


def sqlstate(exc: DBAPIError) -> str | None:
    """The SQLSTATE of a database error (`UNIQUE_VIOLATION`, `DEADLOCK_DETECTED`…), wherever the driver's adapter
    keeps it."""
    driver_error = exc.orig.__cause__ if exc.orig is not None else None
    return getattr(exc.orig, "sqlstate", None) or getattr(driver_error, "sqlstate", None)


def has_written(session: AsyncSession) -> bool:
    """Whether the unit of work has anything to commit: a flush, a DML or unknown statement, or pending changes."""
    sync: Any = session.sync_session
    return bool(sync.info.get(_WROTE) or sync.new or sync.dirty or sync.deleted)


def unit_of_work(sessionmaker: async_sessionmaker[AsyncSession]) -> AbstractAsyncContextManager[AsyncSession]:
    """One session for one request or job: committed on success, rolled back on error.

    Jobs enqueued during the unit of work are written to the job outbox in it, and relayed to Redis by an
    `after_commit` hook (see `fibonacco.worker.enqueue`). A unit of work that wrote nothing is not committed:
    closing the session ends its transaction (the pool's rollback on return), and the rows it read stay readable.
    """
    return _UnitOfWork(sessionmaker)


class _UnitOfWork:
    """`unit_of_work`'s context manager: a class, not an `asynccontextmanager` generator, whose frames every
    request and job paid for (bench/README.md, API, eighth pass)."""

    __slots__ = ("_session", "_sessionmaker")

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._sessionmaker = sessionmaker

    async def __aenter__(self) -> AsyncSession:
        self._session = self._sessionmaker()
        return self._session

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: Any) -> None:
        session = self._session
        try:
            if exc_type is None:
                await _commit(session)
            else:
                await _roll_back(session)
        finally:
            # As `async with AsyncSession` closes: in a task of its own, which a cancellation cannot interrupt.
            await asyncio.shield(session.close())


async def _commit(session: AsyncSession) -> None:
    """Commits what the unit wrote (rolled back if that fails), then runs its after-commit hooks."""
    try:
        if has_written(session):
            await session.commit()
    except BaseException:
        await _roll_back(session)
        raise
    for hook in session.info.pop(_AFTER_COMMIT_KEY, []):
        await hook(session)


async def _roll_back(session: AsyncSession) -> None:
    await session.rollback()
    session.info.clear()


# What a multi-step job takes to open each of its units of work (`job_session`; in tests, a rolled-back one).
UnitOfWork = Callable[[], AbstractAsyncContextManager[AsyncSession]]


@asynccontextmanager
async def standalone_unit_of_work(settings: Settings) -> AsyncIterator[AsyncSession]:
    """One unit of work on an engine of its own, for one-off commands (the CLI, the demo seed)."""
    engine = create_engine(settings, pool_size=1)
    try:
        async with unit_of_work(create_sessionmaker(engine)) as session:
            yield session
    finally:
        await engine.dispose()
