"""The fault table of the delivery issue, against real worker processes, the real Twilio SDK and the fake Twilio:
for each fault, the fake receives every message exactly once and every row ends in its true state.

Rows are committed for real (a worker must see them) under a committed tenant, removed with it afterwards.
Timings are tuned down through settings: the Twilio client gives up after 1 s, an unknown outcome is looked up
2 s after its attempt started, stalled sends are re-queued after 3 s, and each worker sweeps every 0.5 s
(`FAST`).
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import redis as sync_redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from fibonacco.devstack.embedded import EmbeddedPostgres, EmbeddedRedis
from fibonacco.kit.db import create_sessionmaker, unit_of_work
from fibonacco.kit.tenancy import bind_tenant
from fibonacco.messages import service
from fibonacco.messages.models import Message, MessageStatus
from fibonacco.messages.schemas import SmsCreate
from fibonacco.tenant.models import Tenant
from fibonacco.worker.models import OutboxJob
from tests.fakes.fixtures import FAKE_PHONE_NUMBER
from tests.fakes.twilio_fake import FakeTwilio
from tests.helpers import Processes, wait_for

RECONCILE_AFTER = 2.0
DELIVERY_ENV = {
    "SMS_DRIVER": "twilio",
    "TWILIO_PHONE_NUMBER": FAKE_PHONE_NUMBER,
    "TWILIO_TIMEOUT_SECONDS": "1",
    "TWILIO_SEND_RATE": "50",
    "MESSAGE_RECONCILE_AFTER_SECONDS": str(RECONCILE_AFTER),
    "MESSAGE_REDRIVE_AFTER_SECONDS": "3",
}
SETTLE_TIMEOUT = 45.0


@dataclass
class Delivery:
    """SMS for one committed tenant, sent by real workers through the fake Twilio."""

    sessionmaker: async_sessionmaker[AsyncSession]
    tenant: Tenant
    twilio: FakeTwilio
    spawn: Processes
    redis: sync_redis.Redis
    created: int = 0

    @property
    def env(self) -> dict[str, str]:
        return {
            **DELIVERY_ENV,
            "TWILIO_ACCOUNT_SID": self.twilio.account_sid,
            "TWILIO_AUTH_TOKEN": self.twilio.auth_token,
            "TWILIO_API_BASE_URL": self.twilio.url,
        }

    def start_workers(self, count: int = 1, **env: str) -> list[Any]:
        return self.spawn.start_workers(self.redis, count, queues="sms", threads=4, **{**self.env, **env})

    async def create(self, count: int) -> list[uuid.UUID]:
        """Commit `count` SMS (to distinct numbers) with their send jobs, as the API does."""
        async with unit_of_work(self.sessionmaker) as session:
            await bind_tenant(session, self.tenant.id)
            messages = [
                await service.create_message(
                    session, self.tenant.id, SmsCreate(channel="sms", to=f"+1555{index:07d}", body_text=f"Hi {index}")
                )
                for index in range(self.created, self.created + count)
            ]
        self.created += count
        return [message.id for message in messages]

    async def rows(self, ids: list[uuid.UUID]) -> dict[uuid.UUID, Message]:
        async with self.sessionmaker() as session:
            found = (await session.scalars(select(Message).where(Message.id.in_(ids)))).all()
            return {message.id: message for message in found}

    async def settled(self, ids: list[uuid.UUID]) -> dict[uuid.UUID, Message]:
        """Wait (up to SETTLE_TIMEOUT) until every message is sent or failed, and return them."""
        rows: dict[uuid.UUID, Message] = {}
        try:
            async with asyncio.timeout(SETTLE_TIMEOUT):
                while True:
                    rows = await self.rows(ids)
                    done = [m for m in rows.values() if m.status in (MessageStatus.sent, MessageStatus.failed)]
                    if len(done) == len(ids):
                        return rows
                    await asyncio.sleep(0.2)
        except TimeoutError:
            states = Counter(m.status.value for m in rows.values())
            raise AssertionError(f"not settled after {SETTLE_TIMEOUT}s: {dict(states)}") from None

    async def outbox_drained(self) -> None:
        async with asyncio.timeout(20):
            while True:
                async with self.sessionmaker() as session:
                    if not (await session.scalars(select(OutboxJob.id))).all():
                        return
                await asyncio.sleep(0.2)

    def assert_sent_exactly_once(self, rows: dict[uuid.UUID, Message]) -> None:
        """Every message reached the fake once, and its row is `sent` with the sid the fake created for it."""
        posted = Counter(request.field("To") for request in self.twilio.messages)
        created = {str(resource["sid"]): str(resource["to"]) for resource in self.twilio.created["Messages"]}
        for message in rows.values():
            assert posted[message.to_address] == 1, f"{message.to_address} was sent {posted[message.to_address]} times"
            assert message.status == MessageStatus.sent, (message.to_address, message.status, message.error)
            assert created.get(message.provider_id or "") == message.to_address
        assert len(created) == len(rows)


@pytest.fixture
def delivery(
    engine: AsyncEngine,
    committed_tenant: Tenant,
    fake_twilio: FakeTwilio,
    spawn: Processes,
    sync_client: sync_redis.Redis,
) -> Iterator[Delivery]:
    sync_client.flushdb()
    yield Delivery(create_sessionmaker(engine), committed_tenant, fake_twilio, spawn, sync_client)
    spawn.stop_all()


def reconciliations(message: Message) -> list[str]:
    return [note["outcome"] for note in message.extra.get("reconciled", [])]


def wait_until(condition: Callable[[], object], what: str, timeout: float = 20) -> None:
    wait_for(condition, timeout, what)


class TestKills:
    async def test_killed_between_call_and_record_the_message_is_found_not_resent(self, delivery: Delivery) -> None:
        delivery.twilio.hold_next(8)  # Twilio has it, the worker waits for the answer: the kill lands there
        (worker,) = delivery.start_workers()
        (message_id,) = await delivery.create(1)
        wait_until(lambda: delivery.twilio.created["Messages"], "the send to reach Twilio")
        delivery.spawn.kill(worker)
        delivery.start_workers()  # its job comes back to this one once the dead worker's heartbeat times out

        rows = await delivery.settled([message_id])

        delivery.assert_sent_exactly_once(rows)
        assert reconciliations(rows[message_id]) == ["the provider has it: recorded as sent"]
        assert delivery.twilio.lookups  # decided by asking Twilio, not by guessing

    async def test_killed_between_claim_and_call_the_message_is_sent_once(self, delivery: Delivery) -> None:
        # What a worker killed right after its claim committed leaves behind: a claimed row, nothing at Twilio, and
        # its job redelivered. (The claim and the call are microseconds apart, so the state is made here.)
        (message_id,) = await delivery.create(1)
        async with unit_of_work(delivery.sessionmaker) as session:
            await bind_tenant(session, delivery.tenant.id)
            assert await service.claim_for_sending(session, message_id) is not None
        delivery.start_workers()

        rows = await delivery.settled([message_id])

        delivery.assert_sent_exactly_once(rows)
        assert reconciliations(rows[message_id]) == ["the provider does not have it: sent again"]
        assert rows[message_id].attempts == 2

    async def test_killed_while_throttled_nothing_is_failed_and_all_are_sent_once(self, delivery: Delivery) -> None:
        ids = await delivery.create(5)
        (worker,) = delivery.start_workers(TWILIO_SEND_RATE="1")  # 4 threads: 1 sending, 3 waiting for a token
        wait_until(lambda: delivery.twilio.messages, "the first send")
        delivery.spawn.kill(worker)
        delivery.start_workers(TWILIO_SEND_RATE="1")

        rows = await delivery.settled(ids)

        delivery.assert_sent_exactly_once(rows)
        # Waiting for the rate limiter claims nothing: at most the one send in flight at the kill was reconciled.
        assert sum(len(reconciliations(m)) for m in rows.values()) <= 1


class TestLostAnswers:
    async def test_timeout_after_twilio_accepted_is_recorded_unknown_then_reconciled(self, delivery: Delivery) -> None:
        delivery.twilio.hold_next(3)  # answers after the client's 1 s timeout, though the message exists
        delivery.start_workers(MESSAGE_RECONCILE_AFTER_SECONDS="4")  # 3 s to see the row while it is unknown
        ids = await delivery.create(3)

        async with asyncio.timeout(SETTLE_TIMEOUT):
            while True:
                unknown = [m for m in (await delivery.rows(ids)).values() if m.status == MessageStatus.unknown]
                if unknown:
                    break
                await asyncio.sleep(0.05)
        rows = await delivery.settled(ids)

        delivery.assert_sent_exactly_once(rows)
        assert sorted(len(reconciliations(m)) for m in rows.values()) == [0, 0, 1]
        (timed_out,) = [m for m in rows.values() if reconciliations(m)]
        assert reconciliations(timed_out) == ["the provider has it: recorded as sent"]
        # While it was being reconciled the row said so: neither failed nor sent.
        assert [m.id for m in unknown] == [timed_out.id] and "checking with it" in (unknown[0].error or "")


class TestOutages:
    async def test_redis_restart_loses_no_message_and_sends_none_twice(
        self, delivery: Delivery, embedded_redis: EmbeddedRedis
    ) -> None:
        ids = await delivery.create(6)
        delivery.start_workers(TWILIO_SEND_RATE="2")
        wait_until(lambda: len(delivery.twilio.messages) >= 2, "the first sends")
        embedded_redis.stop()  # not persistent: every queued job is gone with it
        try:
            # Accepted while Redis is down: committed with its jobs in the outbox.
            ids += await delivery.create(2)
            await asyncio.sleep(2)
        finally:
            embedded_redis.start()

        rows = await delivery.settled(ids)

        delivery.assert_sent_exactly_once(rows)
        await delivery.outbox_drained()  # the jobs committed while Redis was down were relayed in the end

    async def test_postgres_restart_loses_no_message_and_records_none_wrongly(
        self, delivery: Delivery, embedded_postgres: EmbeddedPostgres
    ) -> None:
        ids = await delivery.create(6)
        delivery.start_workers(TWILIO_SEND_RATE="2")
        wait_until(lambda: len(delivery.twilio.messages) >= 2, "the first sends")
        embedded_postgres.stop()
        try:
            await asyncio.sleep(3)
        finally:
            embedded_postgres.start()

        rows = await delivery.settled(ids)

        delivery.assert_sent_exactly_once(rows)


async def test_stalled_sends_are_queued_again_by_the_sweeper(delivery: Delivery) -> None:
    """A job lost from Redis (a flush, a failover) leaves its message queued: the sweep re-queues it."""
    ids = await delivery.create(2)
    delivery.redis.flushdb()
    delivery.start_workers()
    rows = await delivery.settled(ids)
    delivery.assert_sent_exactly_once(rows)
    assert all(m.attempts == 1 for m in rows.values())
