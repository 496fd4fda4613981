"""pgvector columns that travel in binary: pgvector's asyncpg codec on every connection, and a column type that
hands it vectors as they are (pgvector's own SQLAlchemy type turns each one into text first)."""

from __future__ import annotations

from typing import Any

import pgvector
import pgvector.sqlalchemy
from pgvector.asyncpg import register_vector
from sqlalchemy import Dialect

# pgvector's default candidate list; a search asking for more rows raises it, for its transaction.
HNSW_EF_SEARCH = 40
# How far an iterative scan may walk before giving up (pgvector's default is 20,000). Beyond it the exact
# search answers instead, so this only bounds the cost of the approximate attempt.
HNSW_MAX_SCAN_TUPLES = 50_000
# Every connection's HNSW scans are iterative (pgvector 0.8): a filtered search walks the graph on until `limit`
# rows pass its filters, in relaxed order (the search statements re-sort their candidates). Sent with the
# connection's start-up parameters (`kit.db.create_engine`), so no search spends a round trip setting them.
HNSW_SCAN_SETTINGS = {"hnsw.iterative_scan": "relaxed_order", "hnsw.max_scan_tuples": str(HNSW_MAX_SCAN_TUPLES)}


class Vector(pgvector.sqlalchemy.VECTOR):
    """`vector(n)`, sent and received as pgvector's binary format: 4 bytes a float instead of about 10 of text,
    and no float parsing. Reads give `list[float]`; writes take a list (or a `pgvector.Vector`)."""

    cache_ok = True

    def bind_processor(self, dialect: Dialect) -> Any:
        def process(value: Any) -> Any:
            return None if value is None else value if isinstance(value, pgvector.Vector) else pgvector.Vector(value)

        return process

    def result_processor(self, dialect: Dialect, coltype: Any) -> Any:
        def process(value: Any) -> list[float] | None:
            return None if value is None else [float(v) for v in value.to_list()]

        return process


def register_vector_codec(dbapi_connection: Any, _connection_record: Any) -> None:
    """On each new connection (a pool `connect` listener): pgvector's binary codec for `vector`.

    A database without the extension yet (a fresh one, before its first migration) has no type to register.
    """
    try:
        dbapi_connection.run_async(register_vector)
    except ValueError as exc:
        if not str(exc).startswith("unknown type"):
            raise
