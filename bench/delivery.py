"""The delivery fault storm: N SMS through real workers, the real Twilio SDK and a fake Twilio that counts what
it receives, while workers are SIGKILLed every few seconds, Redis restarts and PostgreSQL restarts mid-flight.

    .venv/bin/python -m bench.delivery            # 1,000 SMS, a worker killed every 3 s
    .venv/bin/python -m bench.delivery --smoke    # 30 SMS (CI: tests/bench/test_smoke.py)

Starts its own PostgreSQL 18 (migrated) and Redis (persistent: AOF) and the fake Twilio on 127.0.0.1. The first
`--held` sends are accepted by the fake but answered after the Twilio client's timeout (a lost answer each).
Faults, all while sends are in flight: a random worker (main process and its children) SIGKILLed and started
again every `--kill-every` seconds; Redis stopped for `--outage` seconds once a third of the messages were
delivered; PostgreSQL stopped for `--outage` seconds at two thirds. Afterwards it compares what the fake
received with what the rows say, and prints:

- delivered: messages the fake received at least once;
- duplicates: receptions beyond the first;
- lost: messages the fake never received;
- wrongly recorded: rows whose final state disagrees with the fake (sent without reaching it, sent under a sid
  the fake did not create for it, or anything but sent although it reached the fake).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fibonacco.devstack.embedded import EmbeddedPostgres, EmbeddedRedis, free_port

REPO = Path(__file__).resolve().parents[1]
BATCH = 100  # messages committed per unit of work


@dataclass(frozen=True)
class Options:
    messages: int
    workers: int
    threads: int
    kill_every: float
    outage: float
    held: int
    rate: float
    deadline: float


@dataclass
class Faults:
    kill_times: list[float] = field(default_factory=list)
    redis_restarted: bool = False
    postgres_restarted: bool = False

    def kills(self) -> str:
        if len(self.kill_times) < 2:
            return f"{len(self.kill_times)} worker SIGKILL(s)"
        every = (self.kill_times[-1] - self.kill_times[0]) / (len(self.kill_times) - 1)
        return f"{len(self.kill_times)} worker SIGKILLs (one every {every:.1f} s)"


def parse() -> Options:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=3, help="worker processes (one `fibonacco worker` each)")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--kill-every", type=float, default=3.0, help="seconds between SIGKILLs")
    parser.add_argument("--outage", type=float, default=5.0, help="seconds Redis, then PostgreSQL, stay down")
    parser.add_argument("--held", type=int, default=10, help="sends whose answer arrives after the client timeout")
    parser.add_argument("--rate", type=float, default=20.0, help="TWILIO_SEND_RATE (sends per second, shared)")
    parser.add_argument("--deadline", type=float, default=600.0, help="give up settling after this many seconds")
    parser.add_argument("--smoke", action="store_true", help="30 messages, 2 workers: to check the bench runs")
    args = parser.parse_args()
    if args.smoke:
        args.messages, args.workers, args.threads, args.outage, args.held = 30, 2, 4, 2.0, 2
        args.rate, args.deadline = 10.0, 240.0
    return Options(
        args.messages, args.workers, args.threads, args.kill_every, args.outage, args.held, args.rate, args.deadline
    )


def start_servers(tmp: Path) -> tuple[EmbeddedPostgres, EmbeddedRedis]:
    tmp.chmod(0o755)  # PostgreSQL runs as an unprivileged user when we are root
    postgres = EmbeddedPostgres(tmp / "postgres", free_port(), fast_unsafe=True)
    redis_server = EmbeddedRedis(tmp / "redis", free_port(), persistent=True)
    postgres.start()
    postgres.create_database("fibonacco_bench")
    redis_server.start()
    os.environ.update(
        APP_ENV="testing",
        LOG_LEVEL="WARNING",
        DATA_DIR=str(tmp / "data"),
        DB_HOST="127.0.0.1",
        DB_PORT=str(postgres.port),
        DB_DATABASE="fibonacco_bench",
        DB_USERNAME="postgres",
        DB_PASSWORD="",
        REDIS_HOST="127.0.0.1",
        REDIS_PORT=str(redis_server.port),
        REDIS_PASSWORD="null",
    )
    return postgres, redis_server


class Workers:
    def __init__(self, options: Options, env: dict[str, str], log_dir: Path) -> None:
        self.options = options
        self.env = env
        self.log_dir = log_dir
        self.processes: list[subprocess.Popen[bytes]] = []
        self.started = 0
        self.stopping = threading.Event()
        self.lock = threading.Lock()

    def start(self) -> subprocess.Popen[bytes]:
        self.started += 1
        log = open(self.log_dir / f"worker-{self.started}.log", "wb")  # noqa: SIM115 - outlives this call
        process = subprocess.Popen(
            [sys.executable, "-m", "fibonacco.worker", "worker", "--queues", "sms", "--processes", "1",
             "--threads", str(self.options.threads)],
            cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        self.processes.append(process)
        return process

    def kill_every(self, seconds: float, faults: Faults) -> None:
        """SIGKILL a random worker (its whole process group) every `seconds` and start a new one, until `stop`."""
        while not self.stopping.wait(seconds):
            with self.lock:
                victim = random.choice(self.processes)
                os.killpg(victim.pid, signal.SIGKILL)
                victim.wait()
                self.processes.remove(victim)
                self.start()
                faults.kill_times.append(time.monotonic())

    def stop(self) -> None:
        self.stopping.set()
        with self.lock:
            self._terminate()

    def _terminate(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


def outage(server: EmbeddedPostgres | EmbeddedRedis, seconds: float) -> None:
    server.stop()
    time.sleep(seconds)
    server.start()


async def main() -> None:
    options = parse()
    tmp = Path(tempfile.mkdtemp(prefix="bench-delivery-"))
    postgres, redis_server = start_servers(tmp)
    try:
        await storm(options, tmp, postgres, redis_server)
    finally:
        redis_server.stop()
        postgres.stop()


async def storm(options: Options, tmp: Path, postgres: EmbeddedPostgres, redis_server: EmbeddedRedis) -> None:
    os.environ["PYTHONPATH"] = os.pathsep.join([str(REPO / "src"), str(REPO), os.environ.get("PYTHONPATH", "")])

    # Imported once the servers are known: settings and the broker are read at import.
    from sqlalchemy import select

    from fibonacco.config import get_settings
    from fibonacco.kit.db import create_engine, create_sessionmaker, unit_of_work
    from fibonacco.kit.tenancy import bind_tenant
    from fibonacco.messages import service
    from fibonacco.messages.models import Message, MessageStatus
    from fibonacco.messages.schemas import SmsCreate
    from fibonacco.migrations.runner import migrate
    from fibonacco.tenant.models import Tenant
    from tests.fakes.fixtures import FAKE_PHONE_NUMBER
    from tests.fakes.twilio_fake import FakeTwilio

    settings = get_settings()
    await asyncio.to_thread(migrate, settings)
    twilio = FakeTwilio().start()
    twilio.hold_next(2.5, times=options.held)
    env = {
        **os.environ,
        "SMS_DRIVER": "twilio",
        "TWILIO_ACCOUNT_SID": twilio.account_sid,
        "TWILIO_AUTH_TOKEN": twilio.auth_token,
        "TWILIO_PHONE_NUMBER": FAKE_PHONE_NUMBER,
        "TWILIO_API_BASE_URL": twilio.url,
        "TWILIO_TIMEOUT_SECONDS": "1",
        "TWILIO_SEND_RATE": str(options.rate),
        "WORKER_HEARTBEAT_TIMEOUT_SECONDS": "3",
        "WORKER_SHUTDOWN_TIMEOUT_SECONDS": "5",
        "JOB_MIN_BACKOFF_SECONDS": "0.5",
        "JOB_MAX_BACKOFF_SECONDS": "5",
        "MESSAGE_RECONCILE_AFTER_SECONDS": "3",
        "MESSAGE_REDRIVE_AFTER_SECONDS": "20",
        "WORKER_SWEEP_INTERVAL_SECONDS": "1",
        "JOB_OUTBOX_GRACE_SECONDS": "2",
    }
    engine = create_engine(settings, pool_size=2)
    sessionmaker = create_sessionmaker(engine)
    workers = Workers(options, env, tmp)
    faults = Faults()
    started = time.monotonic()
    try:
        async with unit_of_work(sessionmaker) as session:
            tenant = Tenant(name="Bench", slug=f"bench-{uuid.uuid4().hex[:8]}")
            session.add(tenant)
        for _ in range(options.workers):
            workers.start()
        killer = threading.Thread(target=workers.kill_every, args=(options.kill_every, faults), daemon=True)
        killer.start()  # from the first send on
        for first in range(0, options.messages, BATCH):
            async with unit_of_work(sessionmaker) as session:
                await bind_tenant(session, tenant.id)
                for index in range(first, min(first + BATCH, options.messages)):
                    data = SmsCreate(channel="sms", to=f"+1555{index:07d}", body_text=f"Storm {index}")
                    await service.create_message(session, tenant.id, data)

        outages: list[threading.Thread] = []
        while time.monotonic() - started < options.deadline:
            received = len({str(r["to"]) for r in twilio.created["Messages"]})
            if not faults.redis_restarted and received >= options.messages / 3:
                faults.redis_restarted = True
                outages.append(threading.Thread(target=outage, args=(redis_server, options.outage)))
                outages[-1].start()
            if not faults.postgres_restarted and received >= 2 * options.messages / 3:
                faults.postgres_restarted = True
                outages.append(threading.Thread(target=outage, args=(postgres, options.outage)))
                outages[-1].start()
            if received >= options.messages and all(not thread.is_alive() for thread in outages):
                try:
                    async with sessionmaker() as session:
                        await bind_tenant(session, tenant.id)
                        statement = select(Message.status).where(Message.tenant_id == tenant.id)
                        statuses = (await session.scalars(statement)).all()
                except Exception:
                    statuses = []
                if statuses and all(s in (MessageStatus.sent, MessageStatus.failed) for s in statuses):
                    break
            await asyncio.sleep(0.25)
        elapsed = time.monotonic() - started
        async with sessionmaker() as session:
            await bind_tenant(session, tenant.id)
            rows = (await session.scalars(select(Message).where(Message.tenant_id == tenant.id))).all()
    finally:
        workers.stop()
        await engine.dispose()
        twilio.stop()

    report(options, faults, elapsed, rows, twilio.messages, twilio.created["Messages"])


def report(
    options: Options, faults: Faults, elapsed: float, rows: Any, posted: list[Any], created: list[dict[str, Any]]
) -> None:
    from fibonacco.messages.models import MessageStatus

    receptions = Counter(request.field("To") for request in posted if request.field("To"))
    created_for = {str(resource["sid"]): str(resource["to"]) for resource in created}
    delivered = sum(1 for row in rows if receptions[row.to_address] >= 1)
    duplicates = sum(max(0, receptions[row.to_address] - 1) for row in rows)
    wrong = [
        row
        for row in rows
        if (row.status == MessageStatus.sent) != (receptions[row.to_address] >= 1)
        or (row.status == MessageStatus.sent and created_for.get(row.provider_id or "") != row.to_address)
    ]
    states = Counter(row.status.value for row in rows)
    reconciled = sum(1 for row in rows if row.extra.get("reconciled"))
    print(f"messages           {options.messages}")
    print(f"delivered          {delivered}")
    print(f"duplicates         {duplicates}")
    print(f"lost               {options.messages - delivered}")
    print(f"wrongly recorded   {len(wrong)}")
    print(f"final states       {dict(states)}; reconciled with the provider: {reconciled}")
    print(
        f"faults: {faults.kills()}, Redis restart "
        f"{'yes' if faults.redis_restarted else 'no'}, PostgreSQL restart "
        f"{'yes' if faults.postgres_restarted else 'no'} ({options.outage:g} s each), {options.held} answers held "
        f"past the 1 s client timeout; settled in {elapsed:.0f} s"
    )
    print(
        f"conditions: {options.workers} workers x {options.threads} threads, TWILIO_SEND_RATE={options.rate:g}, "
        f"heartbeat timeout 3 s, reconcile after 3 s, stalled sends re-queued after 20 s; Python "
        f"{platform.python_version()}, {os.cpu_count()} CPU(s)"
    )


if __name__ == "__main__":
    asyncio.run(main())
