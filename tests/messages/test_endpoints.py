from __future__ import annotations

import httpx
import redis.asyncio as aioredis
from sqlalchemy.ext.asyncio import AsyncSession

from fibonacco.auth.models import Role
from fibonacco.messages.models import Channel
from fibonacco.messages.repository import MessageRepository
from tests.fixtures import MakeActor
from tests.helpers import queued_jobs

EMAIL = {"channel": "email", "to": "Customer@Example.com", "subject": "Hello", "body_text": "Hi there"}


class TestSendMessage:
    async def test_email_is_stored_and_its_job_queued(
        self, client: httpx.AsyncClient, make_actor: MakeActor, redis: aioredis.Redis
    ) -> None:
        admin = await make_actor(Role.admin)
        response = await client.post("/api/v1/messages", json=EMAIL, headers=admin.headers)
        assert response.status_code == 202, response.text
        data = response.json()["data"]
        assert data["status"] == "queued" and data["to_address"] == "customer@example.com"
        assert len(await queued_jobs(redis, "emails")) == 1

    async def test_sms_and_call_go_to_their_queues(
        self, client: httpx.AsyncClient, make_actor: MakeActor, redis: aioredis.Redis
    ) -> None:
        admin = await make_actor(Role.admin)
        sms = {"channel": "sms", "to": "+15551234567", "body_text": "Your order is ready"}
        call = {"channel": "call", "to": "+15551234567", "script": "Hello.\n\nGoodbye."}
        assert (await client.post("/api/v1/messages", json=sms, headers=admin.headers)).status_code == 202
        assert (await client.post("/api/v1/messages", json=call, headers=admin.headers)).status_code == 202
        assert len(await queued_jobs(redis, "sms")) == 1
        assert len(await queued_jobs(redis, "calls")) == 1

    async def test_invalid_messages_are_refused_and_nothing_is_queued(
        self, client: httpx.AsyncClient, make_actor: MakeActor, redis: aioredis.Redis
    ) -> None:
        admin = await make_actor(Role.admin)
        bad = [
            {"channel": "email", "to": "x@example.com", "subject": "No body"},
            {"channel": "sms", "to": "555-1234", "body_text": "not E.164"},
            {"channel": "call", "to": "+15551234567"},
            {"channel": "fax", "to": "+15551234567"},
        ]
        for body in bad:
            response = await client.post("/api/v1/messages", json=body, headers=admin.headers)
            assert response.status_code == 422, body
            assert response.json()["error"]["code"] == "validation_error"
        listed = await client.get("/api/v1/messages", headers=admin.headers)
        assert listed.json()["meta"]["pagination"]["total"] == 0
        assert len(await queued_jobs(redis, "emails")) + len(await queued_jobs(redis, "sms")) == 0

    async def test_staff_may_read_but_not_send(self, client: httpx.AsyncClient, make_actor: MakeActor) -> None:
        staff = await make_actor(Role.staff)
        assert (await client.post("/api/v1/messages", json=EMAIL, headers=staff.headers)).status_code == 403
        assert (await client.get("/api/v1/messages", headers=staff.headers)).status_code == 200

    async def test_suppressed_address_is_not_sent(
        self, client: httpx.AsyncClient, make_actor: MakeActor, session: AsyncSession, redis: aioredis.Redis
    ) -> None:
        admin = await make_actor(Role.admin)
        await MessageRepository(session, admin.tenant.id).suppress(
            Channel.email, "customer@example.com", "bounce", None
        )
        await session.commit()
        response = await client.post("/api/v1/messages", json=EMAIL, headers=admin.headers)
        assert response.json()["data"]["status"] == "suppressed"
        assert len(await queued_jobs(redis, "emails")) == 0


class TestListMessages:
    async def test_filters_and_tenant_isolation(self, client: httpx.AsyncClient, make_actor: MakeActor) -> None:
        admin = await make_actor(Role.admin)
        other = await make_actor(Role.admin)
        await client.post("/api/v1/messages", json=EMAIL, headers=admin.headers)
        sms = {"channel": "sms", "to": "+15551234567", "body_text": "hi"}
        await client.post("/api/v1/messages", json=sms, headers=admin.headers)
        theirs = await client.post("/api/v1/messages", json=EMAIL, headers=other.headers)
        their_id = theirs.json()["data"]["id"]

        only_sms = await client.get("/api/v1/messages?channel=sms", headers=admin.headers)
        assert [m["channel"] for m in only_sms.json()["data"]] == ["sms"]
        everything = await client.get("/api/v1/messages", headers=admin.headers)
        assert everything.json()["meta"]["pagination"]["total"] == 2
        assert their_id not in everything.text
        assert (await client.get(f"/api/v1/messages/{their_id}", headers=admin.headers)).status_code == 404


class TestSpeechEndpoints:
    async def test_identical_requests_share_audio_and_tenants_are_isolated(
        self, client: httpx.AsyncClient, make_actor: MakeActor, redis: aioredis.Redis
    ) -> None:
        staff = await make_actor(Role.staff)
        other = await make_actor(Role.staff)
        first = await client.post("/api/v1/tts", json={"text": "Welcome"}, headers=staff.headers)
        again = await client.post("/api/v1/tts", json={"text": "Welcome"}, headers=staff.headers)
        assert first.status_code == again.status_code == 202
        audio_id = first.json()["data"]["id"]
        assert again.json()["data"]["id"] == audio_id
        assert first.json()["data"]["status"] == "pending" and first.json()["data"]["audio_url"] is None
        assert len(await queued_jobs(redis, "tts")) == 1  # one generation job for both requests
        assert (await client.get(f"/api/v1/tts/{audio_id}", headers=staff.headers)).status_code == 200
        assert (await client.get(f"/api/v1/tts/{audio_id}", headers=other.headers)).status_code == 404
        theirs = await client.post("/api/v1/tts", json={"text": "Welcome"}, headers=other.headers)
        assert theirs.json()["data"]["id"] != audio_id  # the same text in another tenant is its own row

    async def test_bad_voice_is_refused(self, client: httpx.AsyncClient, make_actor: MakeActor) -> None:
        staff = await make_actor(Role.staff)
        response = await client.post("/api/v1/tts", json={"text": "Hi", "voice": "en; rm -rf /"}, headers=staff.headers)
        assert response.status_code == 422
