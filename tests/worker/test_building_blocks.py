"""The pieces without a worker process: idempotency, locks, schedule ticks, the CLI, stats and cleanup."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import redis as sync_redis
import redis.asyncio as aioredis
import typer
from sqlalchemy.ext.asyncio import AsyncSession
from typer.testing import CliRunner

from fibonacco.auth.models import Role
from fibonacco.worker import service
from fibonacco.worker.actor import actor
from fibonacco.worker.cli import console, register
from fibonacco.worker.idempotency import EffectInProgress, once
from fibonacco.worker.locks import LeaderLock
from fibonacco.worker.models import FailedJob, JobBatch
from fibonacco.worker.queues import QueueKeys
from fibonacco.worker.registry import load_tasks
from fibonacco.worker.scheduler import SCHEDULES
from tests.fixtures import MakeActor
from tests.worker import jobs

load_tasks()  # the platform's own schedules, as the scheduler sees them


@pytest.fixture
def cli() -> Iterator[tuple[CliRunner, typer.Typer]]:
    app = typer.Typer()
    register(app)
    width = console.width
    console.width = 200  # whole rows, so the output can be searched
    yield CliRunner(), app
    console.width = width


class TestIdempotency:
    async def test_the_effect_runs_once_across_deliveries(self, redis: aioredis.Redis) -> None:
        effects = 0
        for _ in range(3):
            async with once(redis, "effect") as first:
                if first:
                    effects += 1
        assert effects == 1

    async def test_a_failed_effect_is_released_for_the_next_try(self, redis: aioredis.Redis) -> None:
        with pytest.raises(RuntimeError):
            async with once(redis, "effect") as first:
                assert first
                raise RuntimeError("provider down")
        async with once(redis, "effect") as first:
            assert first

    async def test_a_concurrent_delivery_is_told_to_retry_later(self, redis: aioredis.Redis) -> None:
        async with once(redis, "effect") as first:
            assert first
            with pytest.raises(EffectInProgress):
                async with once(redis, "effect"):
                    pass


def test_leader_lock_has_one_holder_and_passes_on_when_released(sync_client: sync_redis.Redis) -> None:
    sync_client.flushdb()
    first, second = (LeaderLock(sync_client, "leader", token, ttl_ms=5_000) for token in ("a", "b"))
    assert first.acquire_or_renew() and first.acquire_or_renew()  # renewing keeps it
    assert not second.acquire_or_renew()
    second.release()  # not the holder: no effect
    assert sync_client.get("leader") == "a"
    first.release()
    assert second.acquire_or_renew()


def test_schedule_ticks_are_the_same_for_every_scheduler() -> None:
    minutely = SCHEDULES["tests.minutely"]
    now = datetime(2030, 5, 1, 12, 0, 42, tzinfo=UTC)
    assert minutely.latest_tick(now) == datetime(2030, 5, 1, 12, 0, tzinfo=UTC)
    assert minutely.next_tick(now) == datetime(2030, 5, 1, 12, 1, tzinfo=UTC)
    daily = SCHEDULES["maintenance.cleanup"]
    assert daily.latest_tick(now) is None  # 04:30 is long past the misfire window: nothing to fire late
    assert SCHEDULES["tests.tick"].latest_tick(now) == now.replace(microsecond=0)


def test_actor_names_and_queues_are_checked() -> None:
    with pytest.raises(ValueError, match=r"domain\.event"):
        actor("NoDot")
    with pytest.raises(ValueError, match="unknown queue"):
        actor("tests.bad_queue", queue="nope")  # type: ignore[arg-type]


def test_schedule_run_twice_in_the_same_minute_enqueues_each_tick_once(
    cli: tuple[CliRunner, typer.Typer], sync_client: sync_redis.Redis
) -> None:
    sync_client.flushdb()
    runner, app = cli
    first = runner.invoke(app, ["schedule", "run"])
    second = runner.invoke(app, ["schedule", "run"])

    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    assert "tests.minutely" in first.output and "enqueued" in first.output
    assert "already enqueued" in second.output
    queued = sync_client.hvals(QueueKeys.of("default").messages)
    assert sum('"tests.minutely"' in message for message in queued) == 1
    listed = runner.invoke(app, ["schedule", "list"])
    assert "tests.minutely" in listed.output and "cron * * * * *" in listed.output


async def test_queue_stats_over_the_api_and_admins_only(
    client: httpx.AsyncClient, make_actor: MakeActor, redis: aioredis.Redis
) -> None:
    jobs.flaky.send("waiting-1")
    jobs.flaky.send("waiting-2")
    admin = await make_actor(Role.admin)
    response = await client.get("/api/v1/queue/stats", headers=admin.headers)
    assert response.status_code == 200
    default = next(row for row in response.json()["data"] if row["queue"] == "default")
    assert (default["waiting"], default["in_flight"], default["failed"]) == (2, 0, 0)
    viewer = await make_actor(Role.viewer, tenant=admin.tenant)
    assert (await client.get("/api/v1/queue/stats", headers=viewer.headers)).status_code == 403
    scoped = await make_actor(Role.admin, tenant=admin.tenant, abilities=["knowledge:read"])
    assert (await client.get("/api/v1/queue/stats", headers=scoped.headers)).status_code == 403


async def test_cleanup_deletes_only_what_is_older_than_the_retention(session: AsyncSession) -> None:
    old, recent = datetime.now(UTC) - timedelta(days=10), datetime.now(UTC)
    for failed_at in (old, recent):
        session.add(
            FailedJob(id=uuid.uuid4(), queue="default", actor="x.y", args=[], kwargs={}, options={},
                      exception="E", failed_at=failed_at)
        )  # fmt: skip
    for finished_at in (old, recent, None):
        session.add(JobBatch(name="b", total=1, pending=0, failed=0, failed_job_ids=[], finished_at=finished_at))
    await session.flush()

    result = await service.cleanup_old_data(session, timedelta(days=7))

    assert (result.failed_jobs, result.batches) == (1, 1)
