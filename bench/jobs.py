"""No-op job throughput and enqueue-to-start latency: our Dramatiq stack against Celery, on the same Redis.

    .venv/bin/python -m bench.jobs             # 20 000 jobs, 1 000 latency samples
    .venv/bin/python -m bench.jobs --smoke     # tiny sizes (CI)

Each system gets one worker process with the same number of threads, started the way production starts it
(`fibonacco worker`, `celery worker --pool threads`). Phases, per system:
1. enqueue N jobs from this process with no worker running (enqueue rate);
2. start the worker and time the queue draining, from the first job's completion to the last (process rate);
3. with the worker idle, send samples paced SAMPLE_INTERVAL apart, each carrying its send time; the job records
   start - send (latency p50/p99).
Redis is started embedded unless REDIS_HOST is set.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import redis

REPO = Path(__file__).resolve().parents[1]
SAMPLE_INTERVAL = 0.005  # seconds between latency samples: a steady trickle, never a backlog
TIMEOUT = 600.0


@dataclass(frozen=True)
class Figures:
    enqueue_rate: float
    process_rate: float
    p50_ms: float
    p99_ms: float


def wait_until(condition: Callable[[], bool], what: str) -> float:
    deadline = time.perf_counter() + TIMEOUT
    while not condition():
        if time.perf_counter() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.001)
    return time.perf_counter()


def measure(
    name: str, worker_command: list[str], send: Callable[..., Any], client: redis.Redis, jobs: int, samples: int
) -> Figures:
    from bench.jobs_workload import DONE_KEY, LATENCIES_KEY

    client.flushdb()
    started = time.perf_counter()
    for _ in range(jobs):
        send()
    enqueue_rate = jobs / (time.perf_counter() - started)

    log = tempfile.NamedTemporaryFile(prefix=f"bench-{name}-", suffix=".log", delete=False)  # noqa: SIM115
    worker = subprocess.Popen(worker_command, cwd=REPO, env=os.environ, stdout=log, stderr=subprocess.STDOUT)
    try:
        first = wait_until(lambda: int(client.get(DONE_KEY) or 0) >= 1, f"{name}'s worker to start")
        last = wait_until(lambda: int(client.get(DONE_KEY) or 0) >= jobs, f"{name}'s queue to drain")
        process_rate = (jobs - 1) / (last - first)

        for _ in range(samples):
            send(time.time())
            time.sleep(SAMPLE_INTERVAL)
        wait_until(lambda: client.llen(LATENCIES_KEY) >= samples, f"{name}'s latency samples")
        latencies = sorted(float(value) * 1000 for value in client.lrange(LATENCIES_KEY, 0, -1))
    finally:
        worker.terminate()  # SIGTERM to the main process, as in production
        worker.wait(60)
        log.close()
        os.unlink(log.name)
    percentiles = statistics.quantiles(latencies, n=100, method="inclusive")
    return Figures(enqueue_rate, process_rate, percentiles[49], percentiles[98])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=20_000, help="jobs for the throughput phases")
    parser.add_argument("--samples", type=int, default=1_000, help="jobs for the latency phase")
    parser.add_argument("--threads", type=int, default=8, help="worker threads (one worker process each)")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, to check the benchmark runs")
    args = parser.parse_args()
    if args.smoke:
        args.jobs, args.samples = 200, 50

    embedded = None
    if not os.environ.get("REDIS_HOST"):
        from fibonacco.devstack.embedded import EmbeddedRedis, free_port

        embedded = EmbeddedRedis(Path(tempfile.mkdtemp(prefix="bench-redis-")), free_port(), persistent=False)
        embedded.start()
        os.environ.update(REDIS_HOST="127.0.0.1", REDIS_PORT=str(embedded.port), REDIS_PASSWORD="null")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))

    # Imported once Redis is known: the broker is built from settings at import.
    import celery
    import dramatiq

    from bench.jobs_workload import CELERY_QUEUE, celery_noop, noop, settings

    client = redis.Redis.from_url(settings.redis_url())
    threads = str(args.threads)
    try:
        ours = measure(
            "dramatiq",
            [sys.executable, "-m", "fibonacco.worker", "worker", "--queues", "default", "--processes", "1",
             "--threads", threads, "--module", "bench.jobs_workload"],
            lambda sent_at=None: noop.send(sent_at),
            client, args.jobs, args.samples,
        )  # fmt: skip
        theirs = measure(
            "celery",
            [sys.executable, "-m", "celery", "-A", "bench.jobs_workload:celery_app", "worker", "--pool", "threads",
             "--concurrency", threads, "-Q", CELERY_QUEUE, "--without-gossip", "--without-mingle",
             "--without-heartbeat", "--loglevel", "WARNING"],
            lambda sent_at=None: celery_noop.delay(sent_at),
            client, args.jobs, args.samples,
        )  # fmt: skip
        redis_version = client.info("server")["redis_version"]
    finally:
        client.close()
        if embedded is not None:
            embedded.stop()

    print(f"{'':24}{'fibonacco (Dramatiq)':>22}{'Celery':>14}{'ratio':>10}")
    rows = [
        ("enqueue (jobs/s)", ours.enqueue_rate, theirs.enqueue_rate, ours.enqueue_rate / theirs.enqueue_rate),
        ("process (jobs/s)", ours.process_rate, theirs.process_rate, ours.process_rate / theirs.process_rate),
        ("latency p50 (ms)", ours.p50_ms, theirs.p50_ms, theirs.p50_ms / ours.p50_ms),
        ("latency p99 (ms)", ours.p99_ms, theirs.p99_ms, theirs.p99_ms / ours.p99_ms),
    ]
    for label, mine, other, ratio in rows:
        print(f"{label:24}{mine:>22,.1f}{other:>14,.1f}{ratio:>9.2f}x")
    print("(ratio > 1 means ours is better: throughput ours/Celery, latency Celery/ours)")
    print(
        f"conditions: {args.jobs} no-op jobs (one Redis write each), {args.samples} latency samples "
        f"{SAMPLE_INTERVAL * 1000:.0f} ms apart; one worker process x {args.threads} threads each "
        f"(Celery --pool threads, acks_late); Redis {redis_version} "
        f"({'embedded' if embedded else settings.REDIS_HOST}) on the same host; Dramatiq {dramatiq.__version__}, "
        f"Celery {celery.__version__}, Python {platform.python_version()}, {os.cpu_count()} CPU(s), "
        f"WORKER_MAINTENANCE_CHANCE={settings.WORKER_MAINTENANCE_CHANCE}"
    )


if __name__ == "__main__":
    main()
