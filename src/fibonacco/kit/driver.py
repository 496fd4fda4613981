"""Reads that skip SQLAlchemy's execution layer: a SELECT compiled once, run straight on the unit of work's
asyncpg connection, inside its transaction.

Why: SQLAlchemy spends 200 to 300 µs of CPU on each statement it runs (a greenlet hand-over, an execution context,
cursor and result objects), asyncpg about 50 µs; an authenticated read by id ran five statements, and that layer
was most of its cost (bench/README.md, API, fifth pass). The hot reads (authentication, the tenancy settings,
plain-row lists and details) run here; everything else, and every write, goes through the session, which tracks
what it must commit (`kit.db.has_written`). So only SELECTs are accepted, and a statement's rows come back as
plain dicts, never entities.

What a read here still gets from SQLAlchemy: the SQL (compiled once per statement object, with the engine's
dialect), each bind parameter's conversion (an enum to its value), each column's (a string to its enum), and its
errors as SQLAlchemy's exceptions (`DBAPIError` and its subclasses), so the error handlers treat them alike.
Not supported, refused when compiled: `IN` lists that expand per call (`in_()`; use `any_()` of an array) and
parameters rendered as literals.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final

import asyncpg
from sqlalchemy import Dialect, Select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import Session
from sqlalchemy.pool import PoolProxiedConnection
from sqlalchemy.types import Float, Numeric, TypeEngine

Row = dict[str, Any]
AnySelect = Select[*tuple[Any, ...]]  # a SELECT of any number of columns
Processor = Callable[[Any], Any]
_REQUIRED: Final = object()
_DRIVER_KEY = "fibonacco.driver"


@dataclass(frozen=True)
class _Parameter:
    name: str
    default: object  # the statement's own value, or _REQUIRED
    process: Processor | None


@dataclass(frozen=True)
class DriverStatement:
    """A SELECT as asyncpg runs it: its SQL with positional parameters, and what converts values on the way."""

    sql: str
    parameters: tuple[_Parameter, ...]
    columns: tuple[tuple[int, Processor], ...]  # (position, conversion) of the columns that need one

    def arguments(self, values: Mapping[str, object]) -> list[object]:
        arguments = []
        for parameter in self.parameters:
            value = values.get(parameter.name, parameter.default)
            if value is _REQUIRED:
                raise TypeError(f"no value for the bind parameter {parameter.name!r}")
            arguments.append(value if parameter.process is None else parameter.process(value))
        return arguments

    def rows(self, records: Sequence[asyncpg.Record]) -> list[Row]:
        if not records:
            return []
        if not self.columns:
            return [dict(record) for record in records]
        keys = list(records[0].keys())
        converted = [(keys[position], process) for position, process in self.columns]
        rows = []
        for record in records:
            row = dict(record)
            for key, process in converted:
                row[key] = process(row[key])
            rows.append(row)
        return rows


def _result_processor(type_: TypeEngine[Any], dialect: Dialect) -> Processor | None:
    implementation = type_.dialect_impl(dialect)
    if isinstance(implementation, Numeric | Float):
        return None  # asyncpg decodes numbers itself (a float8 to a float, a numeric to a Decimal)
    if isinstance(implementation, ARRAY) and _result_processor(implementation.item_type, dialect) is None:
        return None  # asyncpg returns arrays as lists already; SQLAlchemy's would only copy them
    process: Processor | None = implementation.result_processor(dialect, None)
    return process


@lru_cache(maxsize=1024)
def compile_for_driver(statement: AnySelect, dialect: Dialect) -> DriverStatement:
    """`statement` compiled for asyncpg, remembered per statement object (build hot statements once, as the
    repositories do; a statement built per call is compiled per call)."""
    compiled = statement.compile(dialect=dialect)
    if compiled.positiontup is None:
        raise TypeError("the driver runs positional SQL; compile with the asyncpg dialect")
    parameters = []
    for name in compiled.positiontup:
        bind = compiled.binds[name]
        if bind.expanding or bind.literal_execute:
            raise TypeError(f"{name!r} is rendered per call; use any_() of an array instead of in_()")
        default = _REQUIRED if bind.required else bind.effective_value
        parameters.append(_Parameter(bind.key, default, bind.type.dialect_impl(dialect).bind_processor(dialect)))
    columns = tuple(
        (position, process)
        for position, column in enumerate(statement.selected_columns)
        if (process := _result_processor(column.type, dialect)) is not None
    )
    return DriverStatement(compiled.string, tuple(parameters), columns)


class UnitSession(Session):
    """The session of a production unit of work (`kit.db.create_sessionmaker`). A driver read that comes before
    any statement of the session checks the unit's connection out of the pool itself (`pooled`), without the
    session's transaction machinery, which cost about as much CPU as the rest of a read-only unit
    (bench/README.md, API, seventh pass). If the session then runs a statement, it runs it on that connection
    (`get_bind`), inside the same database transaction, so the tenant a driver read bound binds it too; a
    session that ran first keeps its own connection, which later driver reads use. Closing the session returns
    either to the pool."""

    pooled: PoolProxiedConnection | None = None
    _on_pooled: Connection | None = None  # the session's Connection over `pooled`, made when it needs one

    def get_bind(self, *args: Any, **kwargs: Any) -> Engine | Connection:
        if self.pooled is None:
            return super().get_bind(*args, **kwargs)
        if self._on_pooled is None:
            engine = super().get_bind(*args, **kwargs)
            assert isinstance(engine, Engine), "a unit of work's session is bound to the engine"
            self._on_pooled = Connection(engine, connection=self.pooled)
        return self._on_pooled

    def close(self) -> None:
        """Also gives the connection the driver checked out back to the pool, whose reset rolls back what is left
        open (`AsyncSession.close` runs this in a greenlet, as the reset needs)."""
        super().close()
        on_pooled, pooled = self._on_pooled, self.pooled
        self._on_pooled = self.pooled = None
        if on_pooled is not None:
            on_pooled.close()
        elif pooled is not None:
            pooled.close()


async def driver_connection(session: AsyncSession) -> asyncpg.Connection:
    """The asyncpg connection under `session`, inside the unit of work's transaction (begun here when no statement
    has begun it yet), so what a driver read binds (`kit.tenancy`) the session's statements see, and the reverse.
    Remembered for the session's transaction: a second read costs no look-up."""
    sync = session.sync_session
    transaction = sync.get_transaction()
    if transaction is None and isinstance(sync, UnitSession) and isinstance(session.bind, AsyncEngine):
        if sync.pooled is None:  # the unit's first statement: its connection, without the session (`UnitSession`)
            sync.pooled = await session.bind.raw_connection()
        pooled = sync.pooled
    else:
        remembered = session.info.get(_DRIVER_KEY)
        if transaction is not None and remembered is not None and remembered[0] is transaction:
            driver: asyncpg.Connection = remembered[1]
            return driver
        pooled = await (await session.connection()).get_raw_connection()
        session.info[_DRIVER_KEY] = (sync.get_transaction(), pooled.driver_connection)
    adapted: Any = pooled.dbapi_connection
    # SQLAlchemy's asyncpg adapter begins its transaction on the first statement it runs itself; when a driver
    # read comes first, it must begin now, the same way (its isolation level), or the read would run outside it.
    # A private hook of the adapter (SQLAlchemy 2.1, pinned in pyproject.toml); tests/kit/test_driver.py fails
    # when it changes.
    if adapted._transaction is None:
        await adapted._start_transaction()
    return pooled.driver_connection


def _dialect(session: AsyncSession) -> Dialect:
    """The dialect statements compile for, without asking for a connection."""
    bind = session.bind
    return bind.dialect if bind is not None else session.sync_session.get_bind().dialect


_CONNECTION_LOST = (asyncpg.PostgresConnectionError, asyncpg.InterfaceError, OSError)


def _as_sqlalchemy_error(exc: Exception, sql: str) -> DBAPIError:
    """The driver's error as SQLAlchemy raises it for the session's statements (parameters never shown)."""
    if isinstance(exc, _CONNECTION_LOST):
        return OperationalError(sql, None, exc, hide_parameters=True, connection_invalidated=True)
    return DBAPIError(sql, None, exc, hide_parameters=True)


async def fetch(session: AsyncSession, statement: AnySelect, values: Mapping[str, object] | None = None) -> list[Row]:
    """Every row of `statement` (a SELECT), as dicts of its columns, run on the unit of work's driver connection."""
    if not isinstance(statement, Select):
        raise TypeError("only a SELECT runs on the driver: the session must see every write")
    driver = await driver_connection(session)
    prepared = compile_for_driver(statement, _dialect(session))
    try:
        records = await driver.fetch(prepared.sql, *prepared.arguments(values or {}))
    except (asyncpg.PostgresError, *_CONNECTION_LOST) as exc:
        error = _as_sqlalchemy_error(exc, prepared.sql)
        if error.connection_invalidated:
            # As SQLAlchemy does on a disconnect: the pool drops this connection, and the unit's rollback is a no-op.
            await (await session.connection()).invalidate(exc)
        raise error from exc
    return prepared.rows(records)
