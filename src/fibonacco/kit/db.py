"""Engine, sessions, the declarative base and the mixins every table uses."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import DateTime, Enum, ForeignKey, MetaData, TextClause, event, func
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    ORMExecuteState,
    Session,
    UOWTransaction,
    declared_attr,
    mapped_column,
)

from fibonacco.config import Settings
from fibonacco.kit.vectors import register_vector_codec

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


class RecordModel(Model):
    """A table with a UUID key and creation/update timestamps."""

    __abstract__ = True

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now(), nullable=False
    )


class TenantOwnedModel(RecordModel):
    """A row that belongs to one tenant; `TenantRepository` scopes every query on it to the caller's tenant."""

    __abstract__ = True

    @declared_attr
    def tenant_id(cls) -> Mapped[uuid.UUID]:
        return mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True, nullable=False)


def create_engine(settings: Settings, *, pool_size: int | None = None) -> AsyncEngine:
    connect_args: dict[str, object] = {}
    if settings.DB_SSLMODE == "require":
        connect_args["ssl"] = "require"
    # No pool_pre_ping: it costs three round trips (BEGIN, ping, ROLLBACK) on every checkout. A connection found
    # dead fails its one request, and SQLAlchemy then recycles every connection opened before it.
    engine = create_async_engine(
        settings.database_url(),
        pool_size=pool_size or settings.DB_POOL_SIZE,
        connect_args=connect_args,
    )
    event.listen(engine.sync_engine, "connect", register_vector_codec)
    return engine


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    # Every mapper must be registered before the first query resolves relationships and foreign keys.
    import fibonacco.models  # noqa: F401

    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


# session.info key: set once the session has written (or may have written) anything.
_WROTE = "fibonacco.wrote"
# Statements in text that write nothing: the tenancy settings of `kit.tenancy`, which only live in the transaction.
_READ_ONLY_TEXT = ("select set_config(",)


@event.listens_for(Session, "after_flush")
def _flushed(session: Session, _flush_context: UOWTransaction) -> None:
    session.info[_WROTE] = True


@event.listens_for(Session, "do_orm_execute")
def _executing(state: ORMExecuteState) -> None:
    statement = state.statement
    if state.is_select:
        return
    if isinstance(statement, TextClause) and statement.text.lstrip().lower().startswith(_READ_ONLY_TEXT):
        return
    state.session.info[_WROTE] = True  # INSERT, UPDATE, DELETE, or text that might write


def has_written(session: AsyncSession) -> bool:
    """Whether the unit of work has anything to commit: a flush, a DML or unknown statement, or pending changes."""
    sync: Any = session.sync_session
    return bool(sync.info.get(_WROTE) or sync.new or sync.dirty or sync.deleted)


@asynccontextmanager
async def unit_of_work(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One session for one request or job: committed on success, rolled back on error.

    A unit of work that wrote nothing is not committed: closing the session ends its transaction (the pool's
    rollback on return), and the rows it read stay readable. Jobs enqueued during the unit of work are sent only
    after it succeeds (see `fibonacco.worker.enqueue`).
    """
    from fibonacco.worker.buffer import discard_pending_jobs, send_pending_jobs

    async with sessionmaker() as session:
        try:
            yield session
            if has_written(session):
                await session.commit()
        except BaseException:
            await session.rollback()
            discard_pending_jobs(session)
            raise
        send_pending_jobs(session)


@asynccontextmanager
async def standalone_unit_of_work(settings: Settings) -> AsyncIterator[AsyncSession]:
    """One unit of work on an engine of its own, for one-off commands (the CLI, the demo seed)."""
    engine = create_engine(settings, pool_size=1)
    try:
        async with unit_of_work(create_sessionmaker(engine)) as session:
            yield session
    finally:
        await engine.dispose()
