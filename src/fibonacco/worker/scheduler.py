"""Schedules: declared next to the actors they trigger, fired by a process that only enqueues.

    @schedule(cron="*/5 * * * *", overlap=False)
    @actor("knowledge.process_pending_embeddings", queue="embeddings")
    async def process_pending_embeddings() -> None: ...

Guarantees, for `fibonacco scheduler` (continuous, APScheduler) and `fibonacco schedule run` (one tick, for an
EventBridge `rate(1 minute)` rule) alike:
- each tick of each schedule is enqueued once: a Redis `SET NX` key per (schedule, tick time), so a second
  scheduler, or `schedule run` invoked twice in the same minute, finds the tick taken;
- only one continuous scheduler is active: a Redis leader lock, renewed by its holder and taken over by a
  standby once the holder stops renewing it;
- `overlap=False`: a tick is skipped while the job of an earlier tick has not ended; the lock is taken here
  and released by the worker when the job ends (see `middleware.Bookkeeping`).

The active scheduler also publishes the queue-depth metric itself, every `QUEUE_METRICS_INTERVAL_SECONDS`
(`worker/metrics.py`): a job doing it would wait behind the backlog it measures.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from types import FrameType
from typing import Any, TypeVar

import dramatiq
import redis
import structlog
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from fibonacco.config import Settings
from fibonacco.worker.health import beat
from fibonacco.worker.locks import LeaderLock
from fibonacco.worker.metrics import QueueDepthPublisher
from fibonacco.worker.queues import OVERLAP_LOCK_OPTION

A = TypeVar("A", bound=dramatiq.Actor[Any, Any])

# Interval schedules count from a fixed origin, so every scheduler computes the same tick times.
INTERVAL_ORIGIN = datetime(2000, 1, 1, tzinfo=UTC)
# A tick not fired within this long (scheduler down, EventBridge late) is dropped; later ticks still fire.
MISFIRE_WINDOW = timedelta(minutes=2)
TICK_KEY_TTL_SECONDS = 3600  # well beyond MISFIRE_WINDOW: a tick can never be claimed twice
LEADER_KEY = "fibonacco:scheduler:leader"
STATE_KEY = "fibonacco:scheduler:state"
SCHEDULED_FOR_OPTION = "fibonacco_scheduled_for"
SCHEDULED_BY_OPTION = "fibonacco_scheduled_by"

log = structlog.get_logger("fibonacco.scheduler")


@dataclass(frozen=True)
class Schedule:
    name: str
    actor: dramatiq.Actor[Any, Any]
    trigger: BaseTrigger
    cadence: str
    overlap: bool
    kwargs: dict[str, Any] = field(default_factory=dict)

    def latest_tick(self, now: datetime) -> datetime | None:
        """The last tick at or before `now` that is still within the misfire window, if any."""
        tick = None
        candidate = self.trigger.get_next_fire_time(None, now - MISFIRE_WINDOW)
        while candidate is not None and candidate <= now:
            tick = candidate
            candidate = self.trigger.get_next_fire_time(candidate, candidate + timedelta(microseconds=1))
        return tick

    def next_tick(self, now: datetime) -> datetime | None:
        fire_time: datetime | None = self.trigger.get_next_fire_time(None, now + timedelta(microseconds=1))
        return fire_time


SCHEDULES: dict[str, Schedule] = {}


def schedule(
    *,
    cron: str | None = None,
    every: timedelta | None = None,
    overlap: bool = True,
    name: str | None = None,
    kwargs: dict[str, Any] | None = None,
) -> Callable[[A], A]:
    """Run the decorated actor on a crontab expression (UTC) or every `every`; `overlap=False` skips a tick
    while the previous run has not ended. The schedule is named after the actor unless `name` is given."""
    if (cron is None) == (every is None):
        raise ValueError("give exactly one of cron= or every=")
    trigger: BaseTrigger
    if cron is not None:
        trigger = CronTrigger.from_crontab(cron, timezone=UTC)
        cadence = f"cron {cron}"
    else:
        assert every is not None
        trigger = IntervalTrigger(seconds=every.total_seconds(), start_date=INTERVAL_ORIGIN, timezone=UTC)
        cadence = f"every {every}"

    def register(actor: A) -> A:
        schedule_name = name or actor.actor_name
        if schedule_name in SCHEDULES:
            raise ValueError(f"a schedule named {schedule_name!r} is already declared")
        SCHEDULES[schedule_name] = Schedule(schedule_name, actor, trigger, cadence, overlap, dict(kwargs or {}))
        return actor

    return register


class Outcome(StrEnum):
    enqueued = "enqueued"
    already_enqueued = "already enqueued"  # by another scheduler or an earlier `schedule run`
    skipped_overlap = "skipped: previous run not finished"


@dataclass(frozen=True)
class LastRun:
    tick: datetime
    outcome: Outcome
    at: datetime


def overlap_lock_key(schedule_name: str) -> str:
    return f"fibonacco:scheduler:running:{schedule_name}"


class Ticker:
    """Fires schedules into the queues; shared by the continuous scheduler and `schedule run`."""

    def __init__(self, client: redis.Redis, settings: Settings, identity: str) -> None:
        self.client = client
        self.settings = settings
        self.identity = identity

    def fire(self, item: Schedule, tick: datetime) -> Outcome:
        tick_key = f"fibonacco:scheduler:tick:{item.name}:{tick.isoformat()}"
        if not self.client.set(tick_key, self.identity, nx=True, ex=TICK_KEY_TTL_SECONDS):
            return Outcome.already_enqueued
        options: dict[str, Any] = {SCHEDULED_FOR_OPTION: tick.isoformat(), SCHEDULED_BY_OPTION: self.identity}
        message = item.actor.message_with_options(args=(), kwargs=item.kwargs, **options)
        outcome = Outcome.enqueued
        if not item.overlap:
            lock = overlap_lock_key(item.name)
            if self.client.set(lock, message.message_id, nx=True, ex=self._overlap_lock_ttl(item.actor)):
                message = message.copy(options={OVERLAP_LOCK_OPTION: lock})
            else:
                outcome = Outcome.skipped_overlap
        if outcome is Outcome.enqueued:
            item.actor.broker.enqueue(message)
        state = {"tick": tick.isoformat(), "outcome": outcome.value, "at": datetime.now(UTC).isoformat()}
        self.client.hset(STATE_KEY, item.name, json.dumps(state))
        log.info("schedule_fired", schedule=item.name, tick=tick.isoformat(), outcome=outcome.value)
        return outcome

    def run_due(self, now: datetime) -> list[tuple[Schedule, datetime, Outcome]]:
        """Fire the latest due tick of every schedule (what `schedule run` does once a minute)."""
        fired = []
        for item in SCHEDULES.values():
            tick = item.latest_tick(now)
            if tick is not None:
                fired.append((item, tick, self.fire(item, tick)))
        return fired

    def last_runs(self) -> dict[str, LastRun]:
        runs = {}
        for name, raw in self.client.hgetall(STATE_KEY).items():
            state = json.loads(raw)
            runs[name.decode() if isinstance(name, bytes) else name] = LastRun(
                tick=datetime.fromisoformat(state["tick"]),
                outcome=Outcome(state["outcome"]),
                at=datetime.fromisoformat(state["at"]),
            )
        return runs

    def _overlap_lock_ttl(self, actor: dramatiq.Actor[Any, Any]) -> int:
        """Long enough for every try of the job and its backoffs; it only matters if a job is ever lost."""
        settings = self.settings
        time_limit = actor.options.get("time_limit", settings.JOB_TIME_LIMIT_SECONDS * 1000) / 1000
        retries = actor.options.get("max_retries", settings.JOB_TRIES - 1)
        backoff = actor.options.get("max_backoff", settings.JOB_MAX_BACKOFF_SECONDS * 1000) / 1000
        return int(time_limit * (retries + 1) + backoff * retries + settings.WORKER_HEARTBEAT_TIMEOUT_SECONDS)


def scheduler_identity() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def redis_client(settings: Settings) -> redis.Redis:
    return redis.Redis.from_url(settings.redis_url(), socket_connect_timeout=5, socket_timeout=5)


def run_scheduler(settings: Settings) -> None:
    """Run until SIGTERM/SIGINT: keep (or wait for) the leader lock, and fire schedules while leading."""
    client = redis_client(settings)
    identity = scheduler_identity()
    ticker = Ticker(client, settings, identity)
    leader = LeaderLock(client, LEADER_KEY, identity, int(settings.SCHEDULER_LOCK_TTL_SECONDS * 1000))
    leading = threading.Event()

    def keep_lock() -> None:
        beat(client, "scheduler", settings)
        if leader.acquire_or_renew():
            if not leading.is_set():
                leading.set()
                log.info("scheduler_leading", identity=identity)
                ticker.run_due(datetime.now(UTC))  # catch up a tick the previous leader may have missed
        elif leading.is_set():
            leading.clear()
            log.warning("scheduler_lost_lead", identity=identity)

    def fire(item: Schedule) -> None:
        tick = item.latest_tick(datetime.now(UTC))
        if leading.is_set() and tick is not None:
            ticker.fire(item, tick)

    publisher = QueueDepthPublisher(settings)

    def publish_metrics() -> None:
        if leading.is_set():
            publisher.publish()

    scheduler = BlockingScheduler(
        timezone=UTC,
        job_defaults={
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": int(MISFIRE_WINDOW.total_seconds()),
        },
    )
    renew_every = min(settings.SCHEDULER_LOCK_TTL_SECONDS / 3, settings.WORKER_LIVENESS_INTERVAL_SECONDS)
    scheduler.add_job(keep_lock, IntervalTrigger(seconds=renew_every), next_run_time=datetime.now(UTC))
    for item in SCHEDULES.values():
        scheduler.add_job(fire, item.trigger, args=[item], id=item.name)
    scheduler.add_job(publish_metrics, IntervalTrigger(seconds=settings.QUEUE_METRICS_INTERVAL_SECONDS))

    def stop(signum: int, _: FrameType | None) -> None:
        log.info("scheduler_stopping", signal=signal.Signals(signum).name)
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("scheduler_started", identity=identity, schedules=sorted(SCHEDULES))
    try:
        scheduler.start()
    finally:
        leader.release()  # a standby takes over at once instead of after the lock's TTL
        client.close()
