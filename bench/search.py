"""Semantic search benchmark: HNSW vs exact search on the real `knowledge_entries` and their vectors' table.

    .venv/bin/python bench/search.py --smoke          # 10,000 entries (CI)
    .venv/bin/python bench/search.py                  # 100,000 entries
    .venv/bin/python bench/search.py --n 1000000

Builds N synthetic entries (clustered unit vectors of `--dims` dimensions, zero-padded to the 1536-wide column
exactly as real embeddings are), spread over `--tenants` tenants, then reports the HNSW build time, recall@10
of the index against exact search, p50/p99 latency of unfiltered and tenant-filtered queries, and exact
(sequential scan) latency measured in the same run. Tenant-filtered queries go through the production code path
(`KnowledgeEntryRepository.nearest`: iterative scan, exact re-ordering, exact fallback).

Starts its own embedded PostgreSQL unless DB_HOST is set (then it uses DB_* and creates `--database`).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import asyncpg
from pgvector import Vector
from pgvector.asyncpg import register_vector
from sqlalchemy.dialects import postgresql
from sqlalchemy.schema import CreateIndex

from fibonacco.config import Settings, load_settings
from fibonacco.integrations.embeddings import EMBEDDING_COLUMN_DIMENSION, pad_to
from fibonacco.kit.db import create_engine, create_sessionmaker
from fibonacco.kit.tenancy import bind_tenant
from fibonacco.kit.vectors import HNSW_EF_SEARCH
from fibonacco.knowledge.models import HNSW_EF_CONSTRUCTION, HNSW_M, KnowledgeEntryEmbedding
from fibonacco.knowledge.repository import KnowledgeEntryRepository
from fibonacco.knowledge.schemas import KnowledgeFilters

HNSW_INDEX = next(index for index in KnowledgeEntryEmbedding.__table__.indexes if index.name.endswith("_hnsw"))
K = 10
COPY_BATCH = 5_000
# Clustered data, like real embeddings (topics), rather than uniform noise, which no index handles well.
CLUSTERS_PER_10K = 100
CLUSTER_SPREAD = 0.6


@dataclass(frozen=True)
class Options:
    n: int
    dims: int
    tenants: int
    queries: int
    exact_queries: int
    ef_search: list[int]
    shared_buffers: str
    database: str
    seed: int


def parse_options() -> Options:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true", help="CI mode: 10,000 entries, fewer queries")
    parser.add_argument("--n", type=int, default=100_000, help="entries (default 100,000)")
    parser.add_argument("--dims", type=int, default=384, help="model dimension before zero-padding")
    parser.add_argument("--tenants", type=int, default=10, help="tenants the entries are spread over")
    parser.add_argument("--queries", type=int, default=200, help="timed HNSW queries per kind")
    parser.add_argument("--exact-queries", type=int, default=50, help="queries timed with exact search")
    parser.add_argument("--ef-search", type=int, nargs="+", default=[HNSW_EF_SEARCH], help="hnsw.ef_search")
    parser.add_argument("--shared-buffers", default="1GB", help="for the embedded server (RDS uses ~25%% of RAM)")
    parser.add_argument("--database", default="fibonacco_bench")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if args.smoke:
        args.n, args.queries, args.exact_queries = 10_000, 100, 20
    return Options(
        n=args.n, dims=args.dims, tenants=args.tenants, queries=args.queries, exact_queries=args.exact_queries,
        ef_search=args.ef_search, shared_buffers=args.shared_buffers, database=args.database, seed=args.seed,
    )  # fmt: skip


@contextmanager
def database(options: Options) -> Iterator[Settings]:
    """Settings for a migrated, empty bench database: on DB_* if DB_HOST is set, else on an embedded server."""
    from fibonacco.migrations.runner import migrate

    if os.environ.get("DB_HOST"):
        settings = load_settings(DB_DATABASE=options.database)
        asyncio.run(_recreate_database(settings))
        migrate(settings)
        yield settings
        return
    from fibonacco.devstack.embedded import EmbeddedPostgres, free_port

    workdir = Path(tempfile.mkdtemp(prefix="fibonacco-bench-"))
    workdir.chmod(0o755)
    server = EmbeddedPostgres(workdir, free_port(), fast_unsafe=True)
    server.start()
    try:
        settings = load_settings(
            DB_HOST="127.0.0.1", DB_PORT=server.port, DB_USERNAME="postgres", DB_DATABASE=options.database,
            DB_PASSWORD="", APP_ENV="testing",
        )  # fmt: skip
        asyncio.run(_alter_system(settings, "shared_buffers", options.shared_buffers))
        server.stop()  # shared_buffers takes a restart
        server.start()
        server.create_database(options.database)
        migrate(settings)
        yield settings
    finally:
        server.stop()


async def _alter_system(settings: Settings, name: str, value: str) -> None:
    admin = await _connect(settings, "postgres")
    try:
        await admin.execute(f"ALTER SYSTEM SET {name} = '{value}'")
    finally:
        await admin.close()


async def _recreate_database(settings: Settings) -> None:
    admin = await _connect(settings, "postgres")
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{settings.DB_DATABASE}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{settings.DB_DATABASE}"')
    finally:
        await admin.close()


async def _connect(settings: Settings, database: str | None = None) -> asyncpg.Connection:
    # No prepared-statement cache: a cached generic plan would ignore the enable_indexscan switch of the exact
    # queries (and silently time the index instead).
    return await asyncpg.connect(
        statement_cache_size=0,
        host=settings.DB_HOST or "127.0.0.1",
        port=settings.DB_PORT,
        user=settings.DB_USERNAME,
        password=settings.DB_PASSWORD.get_secret_value() or None,
        database=database or settings.DB_DATABASE,
    )


class Generator:
    """Unit vectors around random cluster centres; queries come from the same distribution, never the table."""

    def __init__(self, options: Options) -> None:
        self.random = random.Random(options.seed)
        self.dims = options.dims
        clusters = max(10, options.n * CLUSTERS_PER_10K // 10_000)
        self.centres = [[self.random.gauss(0, 1) for _ in range(self.dims)] for _ in range(clusters)]

    def vector(self) -> list[float]:
        centre = self.random.choice(self.centres)
        point = [value + self.random.gauss(0, CLUSTER_SPREAD) for value in centre]
        norm = math.sqrt(sum(value * value for value in point))
        return pad_to([value / norm for value in point])


async def load(connection: asyncpg.Connection, options: Options, generator: Generator) -> list[uuid.UUID]:
    tenant_ids = [uuid.uuid4() for _ in range(options.tenants)]
    await connection.executemany(
        "INSERT INTO tenants (id, name, slug) VALUES ($1, $2, $3)",
        [(tenant_id, f"Bench {i}", f"bench-{i}") for i, tenant_id in enumerate(tenant_ids)],
    )
    columns = ["id", "tenant_id", "title", "content", "embedding_model", "embedding_status"]
    model = f"bench-{options.dims}"
    for start in range(0, options.n, COPY_BATCH):
        ids = [
            (uuid.uuid4(), tenant_ids[i % options.tenants]) for i in range(start, min(options.n, start + COPY_BATCH))
        ]
        records = [
            (entry_id, tenant_id, f"Entry {start + i}", f"Synthetic entry number {start + i}.", model, "completed")
            for i, (entry_id, tenant_id) in enumerate(ids)
        ]
        await connection.copy_records_to_table("knowledge_entries", records=records, columns=columns)
        vectors = [(entry_id, tenant_id, Vector(generator.vector())) for entry_id, tenant_id in ids]
        await connection.copy_records_to_table(
            "knowledge_entry_embeddings", records=vectors, columns=["entry_id", "tenant_id", "embedding"]
        )
    return tenant_ids


async def build_index(connection: asyncpg.Connection) -> float:
    workers = max(0, (os.cpu_count() or 1) - 1)
    await connection.execute("SET maintenance_work_mem = '4GB'")  # the whole graph fits: one pass, no spill
    await connection.execute(f"SET max_parallel_maintenance_workers = {workers}")
    started = time.perf_counter()
    await connection.execute(str(CreateIndex(HNSW_INDEX).compile(dialect=postgresql.dialect())))
    elapsed = time.perf_counter() - started
    await connection.execute("VACUUM ANALYZE knowledge_entries")
    await connection.execute("VACUUM ANALYZE knowledge_entry_embeddings")
    return elapsed


async def timed(call: Callable[[], Awaitable[list[uuid.UUID]]]) -> tuple[float, list[uuid.UUID]]:
    started = time.perf_counter()
    ids = await call()
    return time.perf_counter() - started, ids


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1)]


def recall(found: list[list[uuid.UUID]], truth: list[list[uuid.UUID]]) -> float:
    return statistics.mean(len(set(a) & set(b)) / max(1, len(b)) for a, b in zip(found, truth, strict=True))


@dataclass
class Figures:
    label: str
    p50_ms: float
    p99_ms: float
    recall: float | None = None
    rows: float | None = None

    def line(self) -> str:
        text = f"  {self.label:<44} p50 {self.p50_ms:8.2f} ms   p99 {self.p99_ms:8.2f} ms"
        if self.recall is not None:
            text += f"   recall@{K} {self.recall:.3f}"
        if self.rows is not None:
            text += f"   rows {self.rows:.1f}"
        return text


class Searcher:
    """Raw HNSW and raw exact queries (the tenant-scoped application call is `nearest_ids`)."""

    NEAREST = f"SELECT entry_id FROM knowledge_entry_embeddings ORDER BY embedding <=> $1 LIMIT {K}"
    NEAREST_IN_TENANT = (
        "SELECT entry_id FROM knowledge_entry_embeddings WHERE tenant_id = $2"
        f" ORDER BY embedding <=> $1, entry_id LIMIT {K}"
    )

    def __init__(self, connection: asyncpg.Connection, model: str) -> None:
        self.connection = connection
        self.model = model

    async def hnsw(self, query: list[float], ef_search: int) -> list[uuid.UUID]:
        async with self.connection.transaction():
            await self.connection.execute(f"SET LOCAL hnsw.ef_search = {ef_search}")
            rows = await self.connection.fetch(self.NEAREST, Vector(query))
        return [row["entry_id"] for row in rows]

    async def exact(self, query: list[float], tenant_id: uuid.UUID | None = None) -> list[uuid.UUID]:
        async with self.connection.transaction():
            await self.connection.execute("SET LOCAL enable_indexscan = off")
            if tenant_id is None:
                rows = await self.connection.fetch(self.NEAREST, Vector(query))
            else:
                rows = await self.connection.fetch(self.NEAREST_IN_TENANT, Vector(query), tenant_id)
        return [row["entry_id"] for row in rows]


async def nearest_ids(repository: KnowledgeEntryRepository, query: list[float], model: str) -> list[uuid.UUID]:
    return [match.entry_id for match in await repository.nearest(query, model, KnowledgeFilters(), K)]


async def run(options: Options, settings: Settings) -> None:

    connection = await _connect(settings)
    await register_vector(connection)
    generator = Generator(options)
    started = time.perf_counter()
    await connection.execute(f'DROP INDEX "{HNSW_INDEX.name}"')  # built after loading, as on a bulk import
    tenant_ids = await load(connection, options, generator)
    load_seconds = time.perf_counter() - started
    build_seconds = await build_index(connection)

    versions = await connection.fetchrow(
        "SELECT current_setting('server_version') AS pg, current_setting('shared_buffers') AS buffers, "
        "(SELECT extversion FROM pg_extension WHERE extname = 'vector') AS pgvector, "
        f"pg_size_pretty(pg_relation_size('{HNSW_INDEX.name}')) AS index_size, "
        "pg_size_pretty(pg_total_relation_size('knowledge_entry_embeddings')) AS table_size"
    )
    queries = [generator.vector() for _ in range(options.queries)]
    searcher = Searcher(connection, f"bench-{options.dims}")
    for query in queries[:20]:  # warm the caches before timing anything
        await searcher.hnsw(query, max(options.ef_search))

    exact_queries = queries[: options.exact_queries]
    exact_times, truth = [], []
    for query in exact_queries:
        seconds, ids = await timed(partial(searcher.exact, query))
        exact_times.append(seconds)
        truth.append(ids)
    exact = Figures("exact search (sequential scan), unfiltered", statistics.median(exact_times) * 1000,
                    percentile(exact_times, 0.99) * 1000)  # fmt: skip

    results: list[Figures] = []
    for ef_search in options.ef_search:
        times, found = [], []
        for query in queries:
            seconds, ids = await timed(partial(searcher.hnsw, query, ef_search))
            times.append(seconds)
            found.append(ids)
        results.append(
            Figures(f"HNSW, unfiltered (ef_search={ef_search})", statistics.median(times) * 1000,
                    percentile(times, 0.99) * 1000, recall(found[: len(truth)], truth))
        )  # fmt: skip

    # Tenant-filtered: the application's own call (iterative scan + exact re-sort + fallback).
    engine = create_engine(settings, pool_size=1)
    sessionmaker = create_sessionmaker(engine)
    filtered_times, filtered_found, filtered_truth, sizes = [], [], [], []
    async with sessionmaker() as session:
        for i, query in enumerate(queries):
            tenant_id = tenant_ids[i % len(tenant_ids)]
            await bind_tenant(session, tenant_id)  # as a request does: row-level security shows only its rows
            repository = KnowledgeEntryRepository(session, tenant_id)
            seconds, ids = await timed(partial(nearest_ids, repository, query, searcher.model))
            filtered_times.append(seconds)
            filtered_found.append(ids)
            sizes.append(len(ids))
            if i < options.exact_queries:
                filtered_truth.append(await searcher.exact(query, tenant_id))
        await session.rollback()
    await engine.dispose()
    if min(sizes) < K:  # a broken path would otherwise time nothing, fast
        raise SystemExit(f"the application path returned {min(sizes)} rows where {K} were asked for")
    filtered = Figures(
        f"tenant-filtered, application path (1/{options.tenants} of rows)",
        statistics.median(filtered_times) * 1000,
        percentile(filtered_times, 0.99) * 1000,
        recall(filtered_found[: len(filtered_truth)], filtered_truth),
        statistics.mean(sizes),
    )
    await connection.close()

    print("Semantic search benchmark (bench/search.py)")
    print("conditions:")
    print(f"  CPUs {os.cpu_count()}, PostgreSQL {versions['pg']}, pgvector {versions['pgvector']}, "
          f"shared_buffers {versions['buffers']}")  # fmt: skip
    print(
        f"  entries {options.n:,} over {options.tenants} tenants; vectors {options.dims} dims zero-padded to "
        f"vector({EMBEDDING_COLUMN_DIMENSION}); clustered synthetic data, {len(generator.centres)} clusters"
    )
    print(
        f"  HNSW m={HNSW_M} ef_construction={HNSW_EF_CONSTRUCTION}; k={K}; {options.queries} timed queries, "
        f"{len(truth)} of them also exact for recall"
    )
    print(f"  index size {versions['index_size']}, vectors' table size {versions['table_size']}")
    print("figures:")
    print(f"  load (COPY) {load_seconds:.1f} s; HNSW index build {build_seconds:.1f} s")
    for figures in (*results, filtered, exact):
        print(figures.line())
    best = results[0]
    print(f"  speed-up of HNSW (ef_search={options.ef_search[0]}) over exact, p50: "
          f"{exact.p50_ms / best.p50_ms:.0f}x")  # fmt: skip


def main() -> None:
    options = parse_options()
    with database(options) as settings:
        asyncio.run(run(options, settings))


if __name__ == "__main__":
    main()
