"""CRM benchmark: import rate through the real import path, and the CRM's hot reads at size.

    .venv/bin/python -m bench.crm --smoke        # 5,000 customers, 50,000 events (CI: tests/bench)
    .venv/bin/python -m bench.crm                # 100,000 customers, 1,000,000 events
    .venv/bin/python -m bench.crm --n 20000 --events 200000

1. Import: a generated CSV of N customers (name, email, phone, stage, tags, industry and three custom fields)
   goes through exactly what `fibonacco customers import` runs: the file check and mapping
   (`service.read_import`), then `crm.cli.import_chunks`: each chunk in its own unit of work
   `service.import_chunk` (validation of every row as the API validates it, phone normalisation, custom field
   checks, one upsert and the stage events per chunk), two chunks at a time. Reported: rows/s for the whole
   path, and for the re-import of the same file (all unchanged).
2. Around them, loaded with COPY: 1 or 2 contacts per customer, email consent for a third of them, and E timeline
   events (one customer has 2 % of them, the rest spread evenly), plus a second tenant with 10 % as many rows.
3. Timed through the services the API calls (one unit of work per call, as a request): a list page with filters
   and its total, typo-tolerant trigram search, segment counts, and a timeline page (of an average customer and
   of the busiest one). p50 / p95 over `--queries` calls each, the list's median per filter set, then EXPLAIN
   ANALYZE of the statements of the slowest kind (by p95), for its slowest input (filter set or segment).

Starts its own embedded PostgreSQL unless DB_HOST is set (then it recreates `--database` there).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import os
import random
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bench.search import _connect, database
from fibonacco.config import Settings
from fibonacco.crm import service
from fibonacco.crm.cli import CONCURRENT_CHUNKS, import_chunks
from fibonacco.crm.models import ImportKey
from fibonacco.crm.schemas import CustomerFilters, CustomerSort, SegmentCreate, SegmentFilters, TimelineFilters
from fibonacco.kit.db import create_engine, create_sessionmaker, unit_of_work
from fibonacco.kit.ids import new_id
from fibonacco.kit.responses import Page
from fibonacco.kit.tenancy import bind_tenant


def _words(text: str) -> list[str]:
    return text.split()


ADJECTIVES = _words(
    "Golden Silver Blue Green Red Happy Bright Quick Grand Royal Urban Rustic Coastal Summit Prime "
    "Liberty Eagle Maple Cedar Pine Oak River Lake Valley Harbor Sunset Sunrise Northern Southern "
    "Western"
)
NOUNS = _words(
    "Acme Apex Beacon Bridge Canyon Castle Cloud Crown Crest Delta Ember Falcon Forge Garden Haven "
    "Horizon Island Jade Keystone Lantern Meadow Mesa Orchard Peak Pioneer Quarry Ridge Rock Sierra "
    "Spring Star Stone Timber Tower Vista Willow Wolf Zenith Anchor Arrow"
)
TRADES = [
    ("Plumbing", "plumbing"),
    ("Pizza", "restaurant"),
    ("Dental", "dental"),
    ("Roofing", "roofing"),
    ("Bakery", "restaurant"),
    ("Salon", "beauty"),
    ("Auto Repair", "automotive"),
    ("Landscaping", "landscaping"),
    ("Law Office", "legal"),
    ("Fitness", "fitness"),
    ("Cafe", "restaurant"),
    ("Electric", "electrical"),
    ("Cleaning", "cleaning"),
    ("Realty", "real-estate"),
    ("Pet Care", "pets"),
    ("Florist", "retail"),
    ("HVAC", "hvac"),
    ("Bookkeeping", "finance"),
    ("Tattoo", "beauty"),
    ("Yoga", "fitness"),
]
CITIES = _words("Springfield Riverside Franklin Greenville Bristol Clinton Fairview Salem Madison Georgetown")
AREA_CODES = ["202", "212", "305", "312", "415", "503", "617", "713", "718", "919"]
TAGS = ["vip", "north", "south", "east", "west", "newsletter", "trade-show", "referral", "high-value", "at-risk"]
STAGES = ["lead", "lead", "prospect", "customer", "customer", "churned"]
EVENT_TYPES = ["message.sent", "message.delivered", "campaign.opened", "campaign.clicked", "lc.page_view", "crm.note"]
MAPPING = (
    "Company=name,Email=email,Phone=phone,Stage=stage,Tags=tags,Industry=industry,"
    "Plan=custom.plan,Seats=custom.seats,Renews=custom.renews"
)
COPY_BATCH = 20_000


@dataclass(frozen=True)
class Options:
    n: int
    events: int
    queries: int
    shared_buffers: str
    database: str
    seed: int


def parse_options() -> Options:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true", help="CI mode: 5,000 customers, 50,000 events")
    parser.add_argument("--n", type=int, default=100_000, help="customers (default 100,000)")
    parser.add_argument("--events", type=int, default=1_000_000, help="timeline events (default 1,000,000)")
    parser.add_argument("--queries", type=int, default=200, help="timed calls per kind")
    parser.add_argument("--shared-buffers", default="1GB")
    parser.add_argument("--database", default="fibonacco_bench_crm")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if args.smoke:
        args.n, args.events, args.queries = 5_000, 50_000, 30
    return Options(args.n, args.events, args.queries, args.shared_buffers, args.database, args.seed)


def generate_csv(rows: int, rng: random.Random, email_domain: str) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["Company", "Email", "Phone", "Stage", "Tags", "Industry", "Plan", "Seats", "Renews"])
    for i in range(rows):
        trade, industry = TRADES[i % len(TRADES)]
        name = f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS)} {trade} {rng.choice(CITIES)} {i}"
        phone = f"+1 {rng.choice(AREA_CODES)} {rng.randint(200, 999)} {rng.randint(0, 9999):04d}" if i % 2 else ""
        tags = ";".join(rng.sample(TAGS, rng.randint(0, 3)))
        plan = rng.choice(["basic", "pro", "enterprise", ""])
        renews = (datetime(2026, 1, 1) + timedelta(days=rng.randint(0, 720))).date().isoformat() if i % 3 else ""
        writer.writerow(
            [
                name,
                f"owner{i}@{email_domain}",
                phone,
                rng.choice(STAGES),
                tags,
                industry,
                plan,
                rng.randint(1, 500),
                renews,
            ]
        )
    return buffer.getvalue().encode()


@dataclass
class ImportFigures:
    rows: int = 0
    check_seconds: float = 0.0
    write_seconds: float = 0.0
    cpu_seconds: float = 0.0  # this process's CPU time: what the import costs, whatever else runs on the machine
    database_cpu_seconds: float = 0.0  # the database server's CPU time over the same span (same machine)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0

    @property
    def rate(self) -> float:
        return self.rows / (self.check_seconds + self.write_seconds)


async def run_import(
    sessionmaker: async_sessionmaker[AsyncSession], tenant_id: uuid.UUID, content: bytes
) -> ImportFigures:
    """What `fibonacco customers import FILE --map …` does, timed."""
    figures = ImportFigures()
    postmaster = await server_pid(sessionmaker)
    database_cpu_started = server_cpu_seconds(postmaster)
    cpu_started = time.process_time()
    started = time.perf_counter()
    async with unit_of_work(sessionmaker) as session:
        await bind_tenant(session, tenant_id)
        parsed = await service.read_import(session, tenant_id, content, "customers.csv", [MAPPING], ImportKey.email)
    figures.check_seconds = time.perf_counter() - started
    started = time.perf_counter()
    outcome = await import_chunks(sessionmaker, tenant_id, parsed.rows, ImportKey.email, dry_run=False)
    figures.created, figures.updated, figures.unchanged = outcome.created, outcome.updated, outcome.unchanged
    figures.rejected = len(outcome.errors)
    figures.write_seconds = time.perf_counter() - started
    figures.cpu_seconds = time.process_time() - cpu_started
    figures.database_cpu_seconds = server_cpu_seconds(postmaster) - database_cpu_started
    figures.rows = len(parsed.rows) + len(parsed.errors)
    figures.rejected += len(parsed.errors)
    return figures


async def server_pid(sessionmaker: async_sessionmaker[AsyncSession]) -> int | None:
    """The PostgreSQL postmaster's pid, if it runs on this machine (the parent of our backend)."""
    async with unit_of_work(sessionmaker) as session:
        backend = int((await session.execute(select(func.pg_backend_pid()))).scalar_one())
    return parent_pid(backend)


def parent_pid(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def server_cpu_seconds(postmaster: int | None) -> float:
    """CPU time of the postmaster, its reaped children and its live ones (backends, background workers)."""
    if postmaster is None:
        return float("nan")
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(stat.parent.name)
        if pid == postmaster:
            ticks += sum(int(value) for value in fields[11:15])  # utime, stime, cutime, cstime
        elif int(fields[1]) == postmaster:
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


async def create_tenant(connection: asyncpg.Connection, slug: str) -> uuid.UUID:
    tenant_id = uuid.uuid4()
    await connection.execute("INSERT INTO tenants (id, name, slug) VALUES ($1, $2, $3)", tenant_id, slug.title(), slug)
    for key, kind, options in (
        ("plan", "select", ["basic", "pro", "enterprise"]),
        ("seats", "number", []),
        ("renews", "date", []),
    ):
        await connection.execute(
            "INSERT INTO customer_field_definitions (id, tenant_id, key, label, type, options)"
            " VALUES ($1, $2, $3, $4, $5, $6)",
            uuid.uuid4(),
            tenant_id,
            key,
            key.title(),
            kind,
            options,
        )
    return tenant_id


async def load_around(
    connection: asyncpg.Connection, tenant_id: uuid.UUID, events: int, rng: random.Random
) -> tuple[list[uuid.UUID], uuid.UUID]:
    """Contacts, consents and events for the tenant's customers (COPY); returns the ids and the busiest one."""
    ids = [row["id"] for row in await connection.fetch("SELECT id FROM customers WHERE tenant_id = $1", tenant_id)]
    now = datetime.now(UTC)
    contacts = []
    for customer_id in ids:
        for n in range(rng.randint(1, 2)):
            contacts.append(
                (new_id(), tenant_id, customer_id, f"Person {n}", f"p{n}.{customer_id.hex[:8]}@example.net", n == 0)
            )
    await _copy(
        connection, "customer_contacts", ["id", "tenant_id", "customer_id", "name", "email", "is_primary"], contacts
    )
    consents = [
        (
            new_id(),
            tenant_id,
            customer_id,
            "email",
            rng.choice(["subscribed", "subscribed", "unsubscribed"]),
            "bench",
            now,
        )
        for customer_id in ids[::3]
    ]
    await _copy(
        connection,
        "customer_consents",
        ["id", "tenant_id", "customer_id", "channel", "status", "source", "changed_at"],
        consents,
    )
    busiest = ids[0]
    columns = ["id", "tenant_id", "customer_id", "type", "occurred_at", "source", "data"]
    heavy = events // 50
    batch: list[tuple[Any, ...]] = []
    for i in range(events):
        customer_id = busiest if i < heavy else ids[rng.randrange(len(ids))]
        occurred = now - timedelta(seconds=rng.randint(0, 365 * 86400))
        batch.append((new_id(), tenant_id, customer_id, rng.choice(EVENT_TYPES), occurred, "bench", '{"ref": "x"}'))
        if len(batch) == COPY_BATCH:
            await _copy(connection, "customer_events", columns, batch)
            batch = []
    await _copy(connection, "customer_events", columns, batch)
    await connection.execute(
        "UPDATE customers SET last_activity_at = now() - (random() * interval '365 days') WHERE tenant_id = $1",
        tenant_id,
    )
    return ids, busiest


async def _copy(connection: asyncpg.Connection, table: str, columns: list[str], records: list[tuple[Any, ...]]) -> None:
    if records:
        await connection.copy_records_to_table(table, records=records, columns=columns)


@dataclass
class Timing:
    name: str
    seconds: list[float] = field(default_factory=list)

    def line(self) -> str:
        ordered = sorted(self.seconds)
        p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
        p50 = statistics.median(ordered)
        return f"  {self.name:<46} p50 {p50 * 1000:7.2f} ms   p95 {p95 * 1000:7.2f} ms   (n={len(ordered)})"


async def time_calls(
    sessionmaker: async_sessionmaker[AsyncSession],
    tenant_id: uuid.UUID,
    timing: Timing,
    calls: list[Callable[[AsyncSession], Awaitable[object]]],
) -> None:
    for call in calls:
        async with unit_of_work(sessionmaker) as session:
            await bind_tenant(session, tenant_id)
            started = time.perf_counter()
            await call(session)
            timing.seconds.append(time.perf_counter() - started)


def slowest_in_turn(seconds: list[float], inputs: int) -> int:
    """Of `inputs` inputs called in turn (call i had input i % inputs), the one whose calls took longest (median)."""
    return max(range(inputs), key=lambda k: statistics.median(seconds[k::inputs]))


def typo(word: str, rng: random.Random) -> str:
    """One substitution, deletion or doubling, not in the first letter (as people mistype)."""
    if len(word) < 4:
        return word
    position = rng.randint(1, len(word) - 2)
    kind = rng.choice(["sub", "del", "double"])
    if kind == "sub":
        return word[:position] + rng.choice("aeiourstln") + word[position + 1 :]
    if kind == "del":
        return word[:position] + word[position + 1 :]
    return word[:position] + word[position] + word[position:]


def specific_query(content: bytes, rng: random.Random) -> str:
    """Two or three words (adjective, noun, city) of one customer's name in the file, each with one typo."""
    lines = content.decode().splitlines()
    name = next(csv.reader([lines[rng.randrange(1, len(lines))]]))[0].split()
    words = [name[0], name[1]] + ([name[-2]] if rng.random() < 0.5 else [])
    return " ".join(typo(word, rng) for word in words)


async def run(options: Options, settings: Settings) -> None:
    rng = random.Random(options.seed)
    load_at_start = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    admin = await _connect(settings)
    engine = create_engine(settings, pool_size=CONCURRENT_CHUNKS)
    sessionmaker = create_sessionmaker(engine)
    try:
        tenant_id = await create_tenant(admin, "bench-crm")
        other_id = await create_tenant(admin, "bench-other")
        content = generate_csv(options.n, rng, "bench.example")
        first = await run_import(sessionmaker, tenant_id, content)
        second = await run_import(sessionmaker, tenant_id, content)
        await run_import(sessionmaker, other_id, generate_csv(max(100, options.n // 10), rng, "other.example"))
        load_started = time.perf_counter()
        ids, busiest = await load_around(admin, tenant_id, options.events, rng)
        await load_around(admin, other_id, options.events // 10, rng)
        await admin.execute("VACUUM ANALYZE")
        load_seconds = time.perf_counter() - load_started

        async with unit_of_work(sessionmaker) as session:
            await bind_tenant(session, tenant_id)
            segment_ids = [
                (
                    await service.create_segment(
                        session, tenant_id, SegmentCreate(name=name, filters=SegmentFilters(**filters))
                    )
                ).id
                for name, filters in (
                    ("VIP customers", {"stage": ["customer"], "tag": ["vip"]}),
                    ("Pro plans", {"custom": ["plan:pro"]}),
                    ("Big accounts", {"custom": ["seats>=400"], "stage": ["customer", "prospect"]}),
                    ("Email subscribers", {"consent": ["email:subscribed"]}),
                    ("Restaurants", {"industry": "restaurant"}),
                )
            ]
        n = options.queries
        filter_sets: list[dict[str, Any]] = [
            {"stage": ["customer"], "tag": ["vip"]},
            {"industry": "restaurant", "stage": ["lead"]},
            {"custom": ["plan:enterprise"], "tag": ["at-risk"]},
            {"consent": ["email:subscribed"], "stage": ["customer"]},
            {"created_from": datetime.now(UTC) - timedelta(days=1), "custom": ["seats>=250"]},
            {"tag": ["referral", "north"]},
        ]
        list_timing = Timing("list with filters + total (20 per page)")
        await time_calls(
            sessionmaker,
            tenant_id,
            list_timing,
            [
                (
                    lambda s, f=filter_sets[i % len(filter_sets)], p=1 + i % 3: service.list_customers(
                        s, tenant_id, CustomerFilters(**f), CustomerSort.newest, Page(page=p)
                    )
                )
                for i in range(n)
            ],
        )
        words = [*ADJECTIVES, *NOUNS]
        search_timing = Timing("trigram search, one typo per word (+ total)")
        queries = [
            f"{typo(rng.choice(NOUNS), rng)} {typo(rng.choice(TRADES)[0].split()[0], rng)}"
            if i % 2
            else typo(rng.choice(words), rng)
            for i in range(n)
        ]
        await time_calls(
            sessionmaker,
            tenant_id,
            search_timing,
            [
                (
                    lambda s, q=q: service.list_customers(
                        s, tenant_id, CustomerFilters(q=q), CustomerSort.relevance, Page()
                    )
                )
                for q in queries
            ],
        )
        # The vocabulary above is small (30 adjectives, 40 nouns, 20 trades over all the names), so a single typo'd
        # word matches some 3 % of the customers and the figure above is mostly the relevance of those thousands.
        # People more often look for one business: here two or three words of one existing name, one typo each.
        specific_timing = Timing("trigram search, one business (2-3 words)")
        specific = [specific_query(content, rng) for _ in range(n)]
        await time_calls(
            sessionmaker,
            tenant_id,
            specific_timing,
            [
                (
                    lambda s, q=q: service.list_customers(
                        s, tenant_id, CustomerFilters(q=q), CustomerSort.relevance, Page()
                    )
                )
                for q in specific
            ],
        )
        segment_timing = Timing("segment count")
        await time_calls(
            sessionmaker,
            tenant_id,
            segment_timing,
            [
                (lambda s, sid=segment_ids[i % len(segment_ids)]: service.count_segment(s, tenant_id, sid))
                for i in range(n)
            ],
        )
        timeline_timing = Timing("timeline page (50, + total), average customer")
        await time_calls(
            sessionmaker,
            tenant_id,
            timeline_timing,
            [
                (
                    lambda s, cid=rng.choice(ids): service.list_timeline(
                        s, tenant_id, cid, TimelineFilters(), Page(per_page=50)
                    )
                )
                for _ in range(n)
            ],
        )
        busy_timing = Timing("timeline page (50, + total), busiest customer")
        await time_calls(
            sessionmaker,
            tenant_id,
            busy_timing,
            [
                (lambda s: service.list_timeline(s, tenant_id, busiest, TimelineFilters(), Page(per_page=50)))
                for _ in range(n)
            ],
        )
        timings = [list_timing, search_timing, specific_timing, segment_timing, timeline_timing, busy_timing]

        version = await admin.fetchval("SHOW server_version")
        sizes = await admin.fetchrow(
            "SELECT pg_size_pretty(pg_total_relation_size('customers')) AS customers,"
            " pg_size_pretty(pg_total_relation_size('customer_events')) AS events"
        )
        counts = await admin.fetchrow(
            "SELECT (SELECT count(*) FROM customers) AS customers, (SELECT count(*) FROM customer_events) AS events,"
            " (SELECT count(*) FROM customer_contacts) AS contacts"
        )
        print("CRM benchmark (bench/crm.py)")
        print("conditions:")
        load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
        print(
            f"  CPUs {os.cpu_count()} (load average at the start {load_at_start}, at the end {load}), "
            f"PostgreSQL {version}, "
        )
        print("  after loading: VACUUM ANALYZE (statistics, and the visibility map the index-only counts need)")
        print(f"  shared_buffers {options.shared_buffers}, one client, the database on the same machine")
        print(
            f"  tenant: {options.n:,} customers (+ {max(100, options.n // 10):,} in a second tenant); in all "
            f"{counts['customers']:,} customers, {counts['contacts']:,} contacts, {counts['events']:,} events"
        )
        print(f"  table sizes with indexes: customers {sizes['customers']}, customer_events {sizes['events']}")
        print("figures:")
        for label, figures in (("import (new rows)", first), ("re-import (same file)", second)):
            print(
                f"  {label:<22} {figures.rate:9,.0f} rows/s  ({figures.rows:,} rows: "
                f"check {figures.check_seconds:.1f} s, "
                f"write {figures.write_seconds:.1f} s; {figures.rows / figures.cpu_seconds:,.0f} rows per CPU-second "
                f"of the importing process, {figures.rows / figures.database_cpu_seconds:,.0f} per CPU-second of "
                f"the database server; CPU: importer {figures.cpu_seconds:.1f} s, "
                f"database {figures.database_cpu_seconds:.1f} s)"
            )
            print(
                f"  {'':<22} created {figures.created:,}, updated {figures.updated:,}, "
                f"unchanged {figures.unchanged:,}, rejected {figures.rejected:,}"
            )
        print(f"  load of contacts, consents and events (COPY) {load_seconds:.1f} s")
        for timing in timings:
            print(timing.line())
        print("  list, median per filter set:")
        for k, filters in enumerate(filter_sets):
            median = statistics.median(list_timing.seconds[k :: len(filter_sets)])
            print(f"    {median * 1000:7.2f} ms  {filters}")
        slowest = max(timings, key=lambda t: sorted(t.seconds)[max(0, int(len(t.seconds) * 0.95) - 1)])
        slowest_filters = filter_sets[slowest_in_turn(list_timing.seconds, len(filter_sets))]
        slowest_segment = segment_ids[slowest_in_turn(segment_timing.seconds, len(segment_ids))]
        print(
            f"EXPLAIN (ANALYZE, BUFFERS) of the slowest kind's statements ({slowest.name.strip()}, its slowest input):"
        )
        await explain(sessionmaker, tenant_id, slowest.name, slowest_filters, queries, slowest_segment, busiest)
    finally:
        await engine.dispose()
        await admin.close()


async def explain(
    sessionmaker: async_sessionmaker[AsyncSession],
    tenant_id: uuid.UUID,
    kind: str,
    filters: dict[str, Any],
    queries: list[str],
    segment_id: uuid.UUID,
    busiest: uuid.UUID,
) -> None:
    """Run one call of that kind with every statement it sends explained (the statements themselves)."""
    statements: list[tuple[str, Any]] = []
    async with unit_of_work(sessionmaker) as session:
        await bind_tenant(session, tenant_id)
        connection = await session.connection()

        def capture(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
            if statement.lstrip().upper().startswith("SELECT") and "set_config" not in statement:
                statements.append((statement, parameters))

        event.listen(connection.sync_connection, "before_cursor_execute", capture)
        try:
            if kind.startswith("list"):
                await service.list_customers(
                    session, tenant_id, CustomerFilters(**filters), CustomerSort.newest, Page()
                )
            elif kind.startswith("trigram"):
                await service.list_customers(
                    session, tenant_id, CustomerFilters(q=queries[1]), CustomerSort.relevance, Page()
                )
            elif kind.startswith("segment"):
                await service.count_segment(session, tenant_id, segment_id)
            else:
                await service.list_timeline(session, tenant_id, busiest, TimelineFilters(), Page(per_page=50))
        finally:
            event.remove(connection.sync_connection, "before_cursor_execute", capture)
        raw = await connection.get_raw_connection()
        driver = raw.driver_connection
        assert driver is not None
        for statement, parameters in statements[-2:]:  # the kind's own statements (a page and its total)
            plan = await driver.fetch(f"EXPLAIN (ANALYZE, BUFFERS) {statement}", *parameters)
            print("  " + statement.replace("\n", " ")[:300])
            for row in plan:
                print("    " + row[0])


def main() -> None:
    options = parse_options()
    with database(options) as settings:  # type: ignore[arg-type]
        asyncio.run(run(options, settings))


if __name__ == "__main__":
    main()
