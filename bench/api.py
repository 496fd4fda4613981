"""API benchmark: real endpoints against the framework's own floor (`/health`), in one run.

    .venv/bin/python -m bench.api --smoke                 # tiny sizes, 1 s per request (CI: tests/bench)
    .venv/bin/python -m bench.api                         # 400 entries, 16 connections, 10 s per request
    .venv/bin/python -m bench.api --embedders hashing minilm   # search rows with each embedder
    .venv/bin/python -m bench.api --profile /tmp/profiles # py-spy profile of the server per request
    .venv/bin/python -m bench.api --rounds 3              # every request three times over, and the medians

Starts its own embedded PostgreSQL and Redis unless DB_HOST / REDIS_HOST are set (then it recreates `--database` on
that server), migrates, seeds one tenant with `--entries` entries (embedded with each embedder, one tenant per
embedder), runs VACUUM ANALYZE, starts `fibonacco serve` (one process) and loads each request with `wrk` when it is
installed, or a small async client otherwise, with a fixed number of connections. Prints each request's rate as a
share of `/health`'s, p50/p99 latency, and the CPU time per request of the API process and of this host's PostgreSQL
processes (zero for a database on another host). With `--rounds N`, the requests run N times over in turn, each
share is of the same round's `/health` (on a shared host, speed drifts between minutes), and a last table gives each
request's medians.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import httpx
import psutil

from bench.fixtures import EntryData, SeededTenant, connect, seed_tenant, server_versions, servers
from fibonacco.config import load_settings
from fibonacco.devstack.embedded import free_port, wait_for_port
from fibonacco.integrations.registry import get_embedder

CATEGORIES = ("billing", "account", "shipping", "technical")
SEARCH_QUERY = "how can I change the billing address on my invoice"
_TOPICS = (
    "invoice", "password", "delivery", "refund", "subscription", "address", "login", "export", "report",
    "payment", "order", "account", "profile", "notification", "integration", "calendar", "campaign", "email",
)  # fmt: skip
_FILLER = (
    "you", "can", "open", "the", "settings", "page", "and", "choose", "a", "new", "option", "then", "save",
    "changes", "take", "effect", "right", "away", "for", "every", "user", "in", "your", "team", "if", "it",
    "does", "not", "work", "contact", "support", "with", "details", "of", "what", "happened",
)  # fmt: skip


@dataclass(frozen=True)
class Options:
    entries: int
    connections: int
    duration: int
    embedders: list[str]
    database: str
    profile: Path | None
    only: list[str] | None
    seed: int
    rounds: int


def parse_options() -> Options:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true", help="CI mode: 40 entries, 4 connections, 1 s per request")
    parser.add_argument("--entries", type=int, default=400, help="knowledge entries in the tenant")
    parser.add_argument("--connections", type=int, default=16, help="concurrent connections per request")
    parser.add_argument("--duration", type=int, default=10, help="seconds per request")
    parser.add_argument(
        "--embedders", nargs="+", default=None, help="EMBEDDINGS_PROVIDER values (default: the settings' one)"
    )
    parser.add_argument("--database", default="fibonacco_bench_api")
    parser.add_argument("--profile", type=Path, default=None, help="write a py-spy profile per request here")
    parser.add_argument("--only", nargs="+", default=None, help="run only requests whose name contains one of these")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--rounds", type=int, default=1, help="run every request this many times over, in turn")
    args = parser.parse_args()
    if args.smoke:
        args.entries, args.connections, args.duration = 40, 4, 1
    embedders = args.embedders or [load_settings().EMBEDDINGS_PROVIDER]
    return Options(
        entries=args.entries, connections=args.connections, duration=args.duration, embedders=embedders,
        database=args.database, profile=args.profile, only=args.only, seed=args.seed, rounds=max(1, args.rounds),
    )  # fmt: skip


# --- data ---


def _sentence(rng: random.Random, topic: str) -> str:
    words = [rng.choice(_FILLER) for _ in range(rng.randint(8, 16))]
    words.insert(rng.randrange(len(words)), topic)
    return " ".join(words).capitalize() + "."


def entries(options: Options) -> list[EntryData]:
    """About 120 words each, the same for every run with one seed; 3 of 4 public."""
    rng = random.Random(options.seed)
    rows = []
    for i in range(options.entries):
        topic, other = rng.sample(_TOPICS, 2)
        title = f"How do I update the {topic} for my {other} ({i})?"
        content = " ".join(_sentence(rng, rng.choice((topic, other))) for _ in range(10))
        rows.append(EntryData(title, content, CATEGORIES[i % len(CATEGORIES)], is_public=i % 4 != 3))
    return rows


async def seed(env: dict[str, str], options: Options, embedder_name: str) -> SeededTenant:
    """One tenant per embedder, its entries embedded with it."""
    settings = load_settings(**env, EMBEDDINGS_PROVIDER=embedder_name)
    return await seed_tenant(settings, f"bench-{embedder_name}", entries(options), get_embedder(settings))


async def vacuum_analyze(env: dict[str, str]) -> None:
    """What autovacuum does within a minute of a bulk load, done before measuring: the planner's statistics (the
    search statements' plans depend on them) and the visibility map."""
    admin = await connect(load_settings(**env))
    try:
        await admin.execute("VACUUM ANALYZE")
    finally:
        await admin.close()


def app_environment(env: dict[str, str], embedder_name: str, data_dir: str) -> dict[str, str]:
    """The environment the measured API process runs in (a server here, `bench/instructions.py`'s app)."""
    return {**os.environ, **env, "APP_ENV": "development", "EMBEDDINGS_PROVIDER": embedder_name, "DATA_DIR": data_dir}


@contextmanager
def api_server(env: dict[str, str], embedder_name: str) -> Iterator[tuple[str, int]]:
    """`fibonacco serve` in its own process; yields its base URL and pid."""
    port = free_port()
    data_dir = tempfile.mkdtemp(prefix="fibonacco-bench-data-")
    server_env = {**app_environment(env, embedder_name, data_dir), "PORT": str(port)}
    process = subprocess.Popen(
        [sys.executable, "-m", "fibonacco", "serve", "--port", str(port)],
        env=server_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_for_port(port, timeout=60, process=process)
        yield f"http://127.0.0.1:{port}", process.pid
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- load ---


@dataclass(frozen=True)
class Case:
    name: str
    path: str
    authenticated: bool = True
    connections: int | None = None  # None: the run's --connections


@dataclass
class Result:
    case: Case
    rate: float
    p50_ms: float
    p99_ms: float
    errors: int
    cpu_ms: float = 0.0  # the server's CPU time per request: unlike rates, barely moved by other load on the host
    db_cpu_ms: float = 0.0  # the local PostgreSQL processes' CPU time per request
    profile: list[str] = field(default_factory=list)
    round: int = 0


def cases(seeded: SeededTenant, *, search_only: bool) -> list[Case]:
    list_query = urlencode({"per_page": 50, "category": "billing", "is_public": "true"})
    search = [
        Case("semantic search", f"/api/v1/search/semantic?{urlencode({'q': SEARCH_QUERY})}"),
        Case("hybrid search", f"/api/v1/search/hybrid?{urlencode({'q': SEARCH_QUERY})}"),
    ]
    if search_only:
        return search
    return [
        Case("GET /health (floor)", "/health", authenticated=False),
        Case("entry by id", f"/api/v1/knowledge/{seeded.entry_ids[len(seeded.entry_ids) // 2]}"),
        Case("50-row list, filters + total", f"/api/v1/knowledge?{list_query}"),
        Case("50-row list, one client", f"/api/v1/knowledge?{list_query}", connections=1),
        Case("full-text search", f"/api/v1/search/full-text?{urlencode({'q': SEARCH_QUERY})}"),
        *search,
        Case("public Learning Center page (20)", f"/api/v1/public/{seeded.slug}/knowledge?per_page=20", False),
    ]


_WRK_RATE = re.compile(r"Requests/sec:\s+([\d.]+)")
_WRK_PERCENTILE = re.compile(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", re.MULTILINE)
_WRK_ERRORS = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)|Socket errors:.*?timeout (\d+)")
_TO_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def run_wrk(url: str, headers: dict[str, str], connections: int, duration: int) -> tuple[float, float, float, int]:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "5s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    rate = float(_WRK_RATE.search(output).group(1))  # type: ignore[union-attr]
    percentiles = {int(p): float(v) * _TO_MS[unit] for p, v, unit in _WRK_PERCENTILE.findall(output)}
    errors = sum(int(a or b) for a, b in _WRK_ERRORS.findall(output))
    return rate, percentiles[50], percentiles[99], errors


async def run_client(
    url: str, headers: dict[str, str], connections: int, duration: int
) -> tuple[float, float, float, int]:
    """The fallback load generator: `connections` clients, each sending requests back to back."""
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + duration

    async def one_client(client: httpx.AsyncClient) -> None:
        nonlocal errors
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            response = await client.get(url, headers=headers)
            latencies.append((time.perf_counter() - started) * 1000)
            errors += response.status_code >= 300

    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        started = time.perf_counter()
        await asyncio.gather(*(one_client(client) for _ in range(connections)))
        elapsed = time.perf_counter() - started
    ordered = sorted(latencies)
    return len(ordered) / elapsed, statistics.median(ordered), ordered[int(0.99 * (len(ordered) - 1))], errors


@contextmanager
def profiled(pid: int, duration: int, path: Path | None) -> Iterator[list[str]]:
    """While the block runs, py-spy samples the server; afterwards the list holds the profile's summary."""
    summary: list[str] = []
    if path is None:
        yield summary
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    command = [spy, "record", "--pid", str(pid), "--duration", str(duration), "--format", "raw", "--output", str(path)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield summary
    finally:
        process.wait(duration + 30)
    summary.extend(summarise_profile(path))


_IDLE_FRAMES = frozenset({"Condition.wait", "select", "EpollSelector.select", "Queue.get", "Event.wait", "_worker"})


def _package(frame: str) -> str:
    """Which library a py-spy frame ("function (path:line)") runs in."""
    path = frame.rpartition(" (")[2].removesuffix(")")
    top = path.split("site-packages/")[-1].split("/")[0].split(".")[0].split(":")[0]
    return "python (stdlib)" if top in sys.stdlib_module_names or top.startswith("<") else top


def summarise_profile(path: Path, top: int = 12) -> list[str]:
    """Where the busy samples are: by library of the running frame, then the busiest functions."""
    by_package: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        frames = stack.split(";")
        if frames[-1].split(" ")[0] in _IDLE_FRAMES:
            continue  # a thread waiting for work, or the event loop waiting for the network
        count = int(count_text)
        total += count
        by_package[_package(frames[-1])] += count
        own[re.sub(r" \((.*/)?([^/]+):\d+\)$", r" (\2)", frames[-1])] += count
    if not total:
        return []
    packages = ", ".join(f"{name} {100 * count / total:.0f} %" for name, count in by_package.most_common(8))
    lines = [f"    {total} busy samples; by library: {packages}", "    busiest functions (self time):"]
    lines += [f"    {100 * count / total:5.1f} %  {frame}" for frame, count in own.most_common(top)]
    return lines


def measure(
    base_url: str, pid: int, case: Case, seeded: SeededTenant, options: Options, tag: str, round_: int = 0
) -> Result:
    headers = {"Authorization": f"Bearer {seeded.token}"} if case.authenticated else {}
    url = base_url + case.path
    connections = case.connections or options.connections
    for _ in range(3):  # warm up (first model load, prepared statements) and check the request works
        response = httpx.get(url, headers=headers, timeout=120)
        if response.status_code != 200:
            raise SystemExit(f"{case.name}: {response.status_code} {response.text[:300]}")
    profile_path = None
    if options.profile is not None:
        slug = re.sub(r"[^a-z0-9]+", "-", case.name.lower()).strip("-")
        profile_path = options.profile / f"{tag}-{slug}{f'-{round_ + 1}' if options.rounds > 1 else ''}.txt"
    server = psutil.Process(pid)
    with profiled(pid, options.duration, profile_path) as summary:
        cpu_before, db_cpu_before = sum(server.cpu_times()[:2]), _postgres_cpu()
        if shutil.which("wrk"):
            figures = run_wrk(url, headers, connections, options.duration)
        else:
            figures = asyncio.run(run_client(url, headers, connections, options.duration))
        cpu, db_cpu = sum(server.cpu_times()[:2]) - cpu_before, _postgres_cpu() - db_cpu_before
    requests = max(1.0, figures[0] * options.duration)
    return Result(
        case, *figures, cpu_ms=1000 * cpu / requests, db_cpu_ms=1000 * db_cpu / requests, profile=summary, round=round_
    )


def _postgres_cpu() -> float:
    """User + system seconds of this host's PostgreSQL processes (the API's backends among them; a backend that
    ended within the run takes its time with it, but the API's fixed pool keeps its connections)."""
    total = 0.0
    for process in psutil.process_iter(["name", "cpu_times"]):
        if process.info["name"] == "postgres" and process.info["cpu_times"] is not None:
            total += sum(process.info["cpu_times"][:2])
    return total


def _label(result: Result) -> str:
    return result.case.name + (f" ({result.case.connections} conn.)" if result.case.connections else "")


def report(results: list[tuple[str, Result]], options: Options, versions: str) -> None:
    # Each share is of the /health run of the same round.
    floors = {result.round: result.rate for _, result in results if result.case.path == "/health"}
    tool = "wrk (1 thread)" if shutil.which("wrk") else "bench.api's async client (httpx)"
    print("API benchmark (bench/api.py)")
    print("conditions:")
    print(f"  CPUs {os.cpu_count()}, {versions}, Python {sys.version.split()[0]}")
    print(
        f"  fibonacco serve (1 process, APP_ENV=development, LOG_LEVEL={os.environ.get('LOG_LEVEL', 'INFO')}), "
        f"load from {tool} on the same host"
    )
    print(
        f"  {options.entries} entries per tenant ({len(CATEGORIES)} categories, 3/4 public); "
        f"{options.connections} connections unless noted; {options.duration} s per request; "
        "VACUUM ANALYZE after loading" + (f"; {options.rounds} rounds, in turn" if options.rounds > 1 else "")
    )
    print(
        f"  load average (1 min) at the end {os.getloadavg()[0]:.1f}; CPU ms/req is the API process's user + system "
        "time per request, DB ms/req this host's PostgreSQL processes'"
    )
    print("figures:")
    header = f"{'request':<44} {'embedder':<8} {'req/s':>9} {'of /health':>10} {'p50 ms':>8} {'p99 ms':>8}"
    round_column = "round " if options.rounds > 1 else ""
    print(f"  {round_column}{header} {'CPU ms/req':>10} {'DB ms/req':>9} {'errors':>6}")
    for embedder, result in results:
        at = f"{result.round + 1:<5} " if options.rounds > 1 else ""
        print(
            f"  {at}{_label(result):<44} {embedder:<8} {result.rate:9.0f} "
            f"{100 * result.rate / floors[result.round]:9.1f}% {result.p50_ms:8.2f} {result.p99_ms:8.2f} "
            f"{result.cpu_ms:10.2f} {result.db_cpu_ms:9.2f} {result.errors:6d}"
        )
    if options.rounds > 1:
        print(f"medians over the {options.rounds} rounds:")
        print(f"  {header} {'CPU ms/req':>10} {'DB ms/req':>9}")
        by_request: dict[tuple[str, str], list[Result]] = collections.defaultdict(list)
        for embedder, result in results:
            by_request[(_label(result), embedder)].append(result)
        for (name, embedder), runs in by_request.items():
            share = statistics.median(100 * run.rate / floors[run.round] for run in runs)
            print(
                f"  {name:<44} {embedder:<8} {statistics.median(run.rate for run in runs):9.0f} {share:9.1f}% "
                f"{statistics.median(run.p50_ms for run in runs):8.2f} "
                f"{statistics.median(run.p99_ms for run in runs):8.2f} "
                f"{statistics.median(run.cpu_ms for run in runs):10.2f} "
                f"{statistics.median(run.db_cpu_ms for run in runs):9.2f}"
            )
    for embedder, result in results:
        if result.profile:
            print(f"profile: {result.case.name} ({embedder})")
            print("\n".join(result.profile))


def main() -> None:
    options = parse_options()
    results: list[tuple[str, Result]] = []
    with servers(options.database, redis=True) as env:
        seeded = {name: asyncio.run(seed(env, options, name)) for name in options.embedders}
        asyncio.run(vacuum_analyze(env))
        versions = asyncio.run(server_versions(load_settings(**env)))
        for position, name in enumerate(options.embedders):
            with api_server(env, name) as (base_url, pid):
                chosen = [
                    case
                    for case in cases(seeded[name], search_only=position > 0)
                    if not options.only or case.path == "/health" or any(o in case.name for o in options.only)
                ]
                for round_ in range(options.rounds):
                    for case in chosen:
                        result = measure(base_url, pid, case, seeded[name], options, name, round_)
                        results.append((name, result))
    report(results, options, versions)


if __name__ == "__main__":
    main()
