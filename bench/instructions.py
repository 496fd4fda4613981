"""Instructions per request: the API's requests counted by callgrind, where CPU time on a shared host swings.

    .venv/bin/python -m bench.instructions                  # bench/api.py's requests, 200 each after 20 of warm-up
    .venv/bin/python -m bench.instructions --only "by id"   # /health and the requests whose name contains this
    .venv/bin/python -m bench.instructions --smoke          # CI: 40 entries, /health and by id, 5 requests each

Seeds one tenant as `bench/api.py` does (hashing embedder), then runs each request in a process of its own under
`valgrind --tool=callgrind`: the ASGI app in that process, without uvicorn or a socket, one request at a time; the
counting is switched on (`callgrind_control`) for the measured requests only, so start-up and warm-up are left
out. Counts are the API process's user-space instructions; PostgreSQL's work and the kernel's (the loopback
sockets) are not in them. The same code, data and request give the same count within a fraction of a percent, so
two revisions compare in minutes where wrk's rates need many interleaved rounds. Needs valgrind (Debian package).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.api import Options, app_environment, cases, seed, vacuum_analyze
from bench.fixtures import servers
from fibonacco.app import create_app

WARM_UP = 20
_TOTALS = re.compile(r"^totals:\s+(\d+)", re.MULTILINE)  # the file's last line (its `summary:` is 0)


def parse_options() -> tuple[Options, int]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true", help="CI mode: 40 entries, /health and by id, 5 requests")
    parser.add_argument("--entries", type=int, default=400, help="knowledge entries in the tenant")
    parser.add_argument("--requests", type=int, default=200, help="measured requests per request kind")
    parser.add_argument("--database", default="fibonacco_bench_instructions")
    parser.add_argument("--only", nargs="+", default=None, help="run only requests whose name contains one of these")
    arguments = parser.parse_args()
    only = ["by id"] if arguments.smoke else arguments.only
    options = Options(
        entries=40 if arguments.smoke else arguments.entries, connections=1, duration=0, embedders=["hashing"],
        database=arguments.database, profile=None, only=only, seed=11, rounds=1,
    )  # fmt: skip
    return options, 5 if arguments.smoke else arguments.requests


async def _request(app: object, path: str, token: str) -> None:
    """One GET straight into the ASGI app; fails unless it answers 200."""
    route, _, query = path.partition("?")
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": route, "raw_path": route.encode(), "query_string": query.encode(), "root_path": "",
        "headers": [(b"host", b"bench"), (b"authorization", f"Bearer {token}".encode())],
        "client": ("127.0.0.1", 40000), "server": ("bench", 80),
    }  # fmt: skip
    statuses: list[int] = []

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, object]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(int(message["status"]))  # type: ignore[call-overload]

    await app(scope, receive, send)  # type: ignore[operator]
    if statuses != [200]:
        raise SystemExit(f"{path}: answered {statuses}")


def _counting(on: bool) -> None:
    """Switches callgrind's counting for this process (which `count` started under it)."""
    command = ["callgrind_control", "-i", "on" if on else "off", str(os.getpid())]
    subprocess.run(command, capture_output=True, check=True)


async def child(path: str, token: str, requests: int) -> None:
    """In the counted process: the app with its lifespan, a warm-up, then `requests` requests counted."""
    app = create_app()
    async with app.router.lifespan_context(app):
        for _ in range(WARM_UP):
            await _request(app, path, token)
        _counting(True)
        for _ in range(requests):
            await _request(app, path, token)
        _counting(False)


def count(env: dict[str, str], path: str, token: str, requests: int) -> float:
    """Instructions per request of `path`, counted in a process of its own."""
    with tempfile.TemporaryDirectory(prefix="fibonacco-callgrind-") as workdir:
        out = Path(workdir) / "callgrind.out"
        child_env = app_environment(env, "hashing", workdir)
        command = [
            "valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}",
            sys.executable, "-m", "bench.instructions", "--child", path, token, str(requests),
        ]  # fmt: skip
        subprocess.run(command, env=child_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        totals = _TOTALS.findall(out.read_text())
        if not totals or int(totals[-1]) == 0:
            raise SystemExit(f"{path}: callgrind counted nothing")
        return int(totals[-1]) / requests


def main() -> None:
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        asyncio.run(child(sys.argv[2], sys.argv[3], int(sys.argv[4])))
        return
    options, requests = parse_options()
    if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
        raise SystemExit("needs valgrind: apt-get install -y valgrind")
    with servers(options.database, redis=True) as env:
        seeded = asyncio.run(seed(env, options, "hashing"))
        asyncio.run(vacuum_analyze(env))
        chosen = [
            case
            for case in cases(seeded, search_only=False)
            if case.connections is None  # one request at a time here: the one-client list is the list
            and (not options.only or case.path == "/health" or any(o in case.name for o in options.only))
        ]
        figures = [(case.name, count(env, case.path, seeded.token, requests)) for case in chosen]
    floor = figures[0][1]
    print("API instructions per request (bench/instructions.py)")
    print("conditions:")
    print(f"  callgrind; the ASGI app in one process (no uvicorn, no socket); Python {sys.version.split()[0]}")
    print(f"  {options.entries} entries (hashing embedder); {requests} requests counted after {WARM_UP} of warm-up")
    print("figures:")
    print(f"  {'request':<44} {'M instr./req':>12} {'per /health':>11}")
    for name, instructions in figures:
        print(f"  {name:<44} {instructions / 1e6:12.3f} {instructions / floor:11.2f}")


if __name__ == "__main__":
    main()
