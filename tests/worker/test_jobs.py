"""Jobs through a real worker process: retries, failed jobs and their retry, enqueue after commit, batches and
overlap prevention. Rows a worker must see, or writes, are committed for real and removed afterwards."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import redis as sync_redis
import redis.asyncio as aioredis
from dramatiq import Broker, Message
from dramatiq.asyncio import EventLoopThread, set_event_loop_thread
from dramatiq.broker import MessageProxy
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from fibonacco.auth.models import Role
from fibonacco.config import Settings
from fibonacco.devstack.embedded import EmbeddedRedis
from fibonacco.kit.db import create_sessionmaker, unit_of_work
from fibonacco.kit.dependencies import SessionDep
from fibonacco.kit.errors import Conflict
from fibonacco.tenant.models import Tenant
from fibonacco.worker.broker import broker
from fibonacco.worker.buffer import enqueue
from fibonacco.worker.models import FailedJob, JobBatch, OutboxJob
from fibonacco.worker.outbox import DurableRetries
from fibonacco.worker.queues import QueueKeys
from fibonacco.worker.scheduler import SCHEDULES, Outcome, Ticker, overlap_lock_key
from fibonacco.worker.service import BatchJob, dispatch_batch
from tests.fixtures import MakeActor
from tests.helpers import Processes, eventually
from tests.worker import jobs

pytestmark = pytest.mark.usefixtures("worker")


@pytest.fixture(scope="module")
def worker(settings: Settings) -> Iterator[None]:
    client = sync_redis.Redis.from_url(settings.redis_url(), decode_responses=True)
    processes = Processes()
    processes.start_workers(client)
    yield
    processes.stop_all()
    client.close()


async def failed_row(engine: AsyncEngine, job_id: str) -> FailedJob | None:
    async with create_sessionmaker(engine)() as session:
        return await session.get(FailedJob, uuid.UUID(job_id))


async def fail_a_job(engine: AsyncEngine, redis: aioredis.Redis, tenant: Tenant | None) -> tuple[str, FailedJob]:
    key = uuid.uuid4().hex
    await redis.set(f"fail:{key}", 1)
    kwargs = {"tenant_id": str(tenant.id)} if tenant else {}
    message = jobs.flaky.send(key, **kwargs)

    async def recorded() -> FailedJob | None:
        return await failed_row(engine, message.message_id)

    await eventually(recorded, "the job to land in failed_jobs")
    row = await recorded()
    assert row is not None
    return key, row


async def test_a_failing_job_is_tried_then_recorded_in_failed_jobs(
    committed_tenant: Tenant, engine: AsyncEngine, redis: aioredis.Redis
) -> None:
    key, row = await fail_a_job(engine, redis, committed_tenant)

    assert await redis.get(f"runs:{key}") == "2"  # tries=2, then it gave up
    assert (row.queue, row.actor, row.args) == ("default", "tests.flaky", [key])
    assert row.tenant_id == committed_tenant.id and row.kwargs == {"tenant_id": str(committed_tenant.id)}
    assert "Traceback" in row.exception and row.error == f"RuntimeError: boom {key}"


async def test_retry_from_failed_jobs_over_the_api_runs_the_job_again(
    committed_tenant: Tenant,
    engine: AsyncEngine,
    redis: aioredis.Redis,
    make_actor: MakeActor,
    client: httpx.AsyncClient,
) -> None:
    key, row = await fail_a_job(engine, redis, committed_tenant)
    admin = await make_actor(Role.admin, tenant=committed_tenant)
    listed = (await client.get("/api/v1/queue/failed", headers=admin.headers)).json()
    assert [job["id"] for job in listed["data"]] == [str(row.id)]
    assert listed["data"][0]["error"] == f"RuntimeError: boom {key}"
    staff = await make_actor(Role.staff, tenant=committed_tenant)
    assert (await client.post(f"/api/v1/queue/failed/{row.id}/retry", headers=staff.headers)).status_code == 403
    outsider = await make_actor(Role.admin)
    assert (await client.post(f"/api/v1/queue/failed/{row.id}/retry", headers=outsider.headers)).status_code == 404

    await redis.delete(f"fail:{key}")  # the cause is fixed
    response = await client.post(f"/api/v1/queue/failed/{row.id}/retry", headers=admin.headers)

    assert response.status_code == 200
    await eventually(lambda: redis.exists(f"done:{key}"), "the retried job to succeed")
    assert await redis.get(f"runs:{key}") == "3"
    assert (await client.get("/api/v1/queue/failed", headers=admin.headers)).json()["data"] == []


async def test_a_rolled_back_unit_of_work_sends_no_job_a_committed_one_sends_after_commit(
    engine: AsyncEngine, redis: aioredis.Redis
) -> None:
    sessionmaker = create_sessionmaker(engine)
    rolled_back, committed = uuid.uuid4().hex, uuid.uuid4().hex
    with pytest.raises(RuntimeError):
        async with unit_of_work(sessionmaker) as session:
            tenant = Tenant(name="Rolled back", slug=f"rb-{rolled_back[:10]}")
            session.add(tenant)
            await session.flush()
            enqueue(session, jobs.record_seen, rolled_back, str(tenant.id))
            raise RuntimeError("the request failed")
    async with unit_of_work(sessionmaker) as session:
        tenant = Tenant(name="Committed", slug=f"ok-{committed[:10]}")
        session.add(tenant)
        await session.flush()
        enqueue(session, jobs.record_seen, committed, str(tenant.id))
        assert await redis.llen(QueueKeys.of("default").ready) == 0  # not before commit
    try:
        await eventually(lambda: redis.exists(f"seen:{committed}"), "the committed job to run")
        assert await redis.get(f"seen:{committed}") == "found"  # sent after the commit
        assert not await redis.exists(f"seen:{rolled_back}")
    finally:
        async with unit_of_work(sessionmaker) as session:
            await session.delete(await session.get(Tenant, tenant.id))


async def test_a_failed_request_sends_no_job(app: FastAPI, client: httpx.AsyncClient, redis: aioredis.Redis) -> None:
    key = uuid.uuid4().hex

    @app.post("/test/enqueue-then-fail")
    async def enqueue_then_fail(session: SessionDep) -> None:
        enqueue(session, jobs.flaky, key)
        raise Conflict("refused after enqueueing")

    assert (await client.post("/test/enqueue-then-fail")).status_code == 409
    await asyncio.sleep(0.5)
    assert not await redis.exists(f"runs:{key}")
    assert await redis.hlen(QueueKeys.of("default").messages) == 0


async def test_batch_counts_successes_and_failures_and_finishes(
    committed_tenant: Tenant,
    engine: AsyncEngine,
    redis: aioredis.Redis,
    make_actor: MakeActor,
    client: httpx.AsyncClient,
) -> None:
    keys = [uuid.uuid4().hex for _ in range(3)]
    await redis.set(f"fail:{keys[0]}", 1)
    async with unit_of_work(create_sessionmaker(engine)) as session:
        batch = await dispatch_batch(
            session, jobs.flaky, [BatchJob((key,)) for key in keys], name="test", tenant_id=committed_tenant.id
        )

    async def reload() -> JobBatch:
        async with create_sessionmaker(engine)() as session:
            row = await session.scalar(select(JobBatch).where(JobBatch.id == batch.id))
            assert row is not None
            return row

    async def finished() -> bool:
        return (await reload()).finished_at is not None

    await eventually(finished, "the batch to finish")
    row = await reload()
    assert (row.total, row.pending, row.failed) == (3, 1, 1)
    admin = await make_actor(Role.admin, tenant=committed_tenant)
    shown = (await client.get(f"/api/v1/queue/batches/{batch.id}", headers=admin.headers)).json()["data"]
    assert shown["progress"] == 1.0 and shown["finished_at"] is not None
    assert len(shown["failed_job_ids"]) == 1

    await redis.delete(f"fail:{keys[0]}")
    failed_id = shown["failed_job_ids"][0]
    assert (await client.post(f"/api/v1/queue/failed/{failed_id}/retry", headers=admin.headers)).status_code == 200

    async def recovered() -> bool:
        return (await reload()).pending == 0

    await eventually(recovered, "the retried job to count in its batch")
    row = await reload()
    assert (row.pending, row.failed, row.failed_job_ids) == (0, 0, [])


async def test_overlap_prevention_skips_ticks_until_the_running_job_ends(
    settings: Settings, sync_client: sync_redis.Redis, redis: aioredis.Redis
) -> None:
    ticker = Ticker(sync_client, settings, "test")
    item = SCHEDULES["tests.exclusive"]
    first, second, third = (datetime(2030, 1, 1, 0, minute, tzinfo=UTC) for minute in range(3))

    assert ticker.fire(item, first) is Outcome.enqueued
    assert ticker.fire(item, second) is Outcome.skipped_overlap  # the first run has not ended
    await eventually(lambda: asyncio.to_thread(sync_client.get, "exclusive:finished"), "the first run to finish")
    await eventually(
        lambda: asyncio.to_thread(lambda: not sync_client.exists(overlap_lock_key(item.name))),
        "the worker to release the lock",
    )
    assert ticker.fire(item, third) is Outcome.enqueued
    assert ticker.last_runs()[item.name].outcome is Outcome.enqueued
    await eventually(lambda: asyncio.to_thread(lambda: sync_client.get("exclusive:finished") == "2"), "the 2nd run")
    assert sync_client.get("exclusive:started") == "2"  # the skipped tick never ran


class TestOutbox:
    """A committed job is never lost: it waits in the outbox while Redis cannot take it."""

    async def test_a_job_committed_while_redis_is_down_runs_once_redis_is_back(
        self, engine: AsyncEngine, redis: aioredis.Redis, embedded_redis: EmbeddedRedis
    ) -> None:
        sessionmaker = create_sessionmaker(engine)
        key = uuid.uuid4().hex
        embedded_redis.stop()
        try:
            async with unit_of_work(sessionmaker) as session:  # commits: the relay's failure is not the unit's
                message = enqueue(session, jobs.say, key)
            async with sessionmaker() as session:
                assert await session.get(OutboxJob, uuid.UUID(message.message_id)) is not None
        finally:
            embedded_redis.start()

        await eventually(lambda: redis.exists(f"done:{key}"), "the swept job to run")

        async with sessionmaker() as session:
            assert await session.get(OutboxJob, uuid.UUID(message.message_id)) is None

    async def test_a_retry_redis_refuses_is_kept_in_the_outbox_until_due(self, engine: AsyncEngine) -> None:
        loop_thread = EventLoopThread(logging.getLogger("test"))
        loop_thread.daemon = True
        loop_thread.start(timeout=1.0)
        set_event_loop_thread(loop_thread)  # as in a worker process: the outbox write runs on its loop
        message = jobs.record_seen.message(uuid.uuid4().hex, str(uuid.uuid4()))
        try:
            retries = DurableRetries(min_backoff=60_000, max_backoff=60_000)
            retries.after_process_message(RedisDown(broker), MessageProxy(message), exception=RuntimeError("boom"))
            async with create_sessionmaker(engine)() as session:
                row = await session.get(OutboxJob, uuid.UUID(message.message_id))
                assert row is not None and row.actor == "tests.record_seen" and row.args == list(message.args)
                assert row.options["retries"] == 1
                assert (row.available_at - row.created_at).total_seconds() > 30  # due when its backoff ends
                await session.delete(row)
                await session.commit()
        finally:
            loop_thread.stop()
            set_event_loop_thread(None)


class RedisDown:
    """The broker, with Redis refusing every enqueue."""

    def __init__(self, broker: Broker) -> None:
        self._broker = broker

    def __getattr__(self, name: str) -> Any:
        return getattr(self._broker, name)

    def enqueue(self, message: Message[Any], *, delay: int | None = None) -> Message[Any]:
        raise sync_redis.ConnectionError("Connection refused")
