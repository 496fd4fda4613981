"""The customer event stream: consent, notes, conversations and other domains' events on one timeline."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from fibonacco.auth.models import Role
from fibonacco.crm import service
from fibonacco.crm.models import ConsentChannel
from fibonacco.kit.errors import NotFound
from tests.crm.conftest import MakeCustomer
from tests.fixtures import MakeActor


class TestConsent:
    async def test_consent_changes_are_kept_and_appear_on_the_timeline(
        self, client: httpx.AsyncClient, make_actor: MakeActor, make_customer: MakeCustomer, session: AsyncSession
    ) -> None:
        staff = await make_actor(Role.staff)
        customer = await make_customer(staff.tenant)
        tenant_id, customer_id, user_id = staff.tenant.id, customer.id, staff.user.id
        url = f"/api/v1/customers/{customer_id}"
        initial = (await client.get(f"{url}/consent", headers=staff.headers)).json()["data"]
        assert [(c["channel"], c["status"]) for c in initial] == [
            ("email", "unknown"),
            ("sms", "unknown"),
            ("phone", "unknown"),
        ]

        for status, source in (("subscribed", "web form"), ("subscribed", "web form"), ("unsubscribed", "reply STOP")):
            response = await client.put(
                f"{url}/consent/sms", json={"status": status, "source": source}, headers=staff.headers
            )
            assert response.status_code == 200, response.text
        state = response.json()["data"]
        assert state["status"] == "unsubscribed" and state["source"] == "reply STOP" and state["changed_at"]

        events = (
            await client.get(f"{url}/timeline", params={"type": "crm.consent_changed"}, headers=staff.headers)
        ).json()["data"]
        # Setting the status it already had records nothing; the history is newest first.
        assert [(e["data"]["from"], e["data"]["to"], e["data"]["source"]) for e in events] == [
            ("subscribed", "unsubscribed", "reply STOP"),
            ("unknown", "subscribed", "web form"),
        ]
        assert all(e["data"]["channel"] == "sms" and e["data"]["by"] == str(user_id) for e in events)
        assert not await service.may_contact(session, tenant_id, customer_id, ConsentChannel.sms)

        await client.put(
            f"{url}/consent/email", json={"status": "subscribed", "source": "signup"}, headers=staff.headers
        )
        assert await service.may_contact(session, tenant_id, customer_id, ConsentChannel.email)
        await client.patch(url, json={"do_not_contact": True}, headers=staff.headers)
        session.expire_all()  # the API changed the row through its own session
        assert not await service.may_contact(session, tenant_id, customer_id, ConsentChannel.email)
        dnc = (
            await client.get(f"{url}/timeline", params={"type": "crm.do_not_contact_changed"}, headers=staff.headers)
        ).json()["data"]
        assert [e["data"]["do_not_contact"] for e in dnc] == [True]

    async def test_unknown_channel_and_status_are_422(
        self, client: httpx.AsyncClient, make_actor: MakeActor, make_customer: MakeCustomer
    ) -> None:
        staff = await make_actor(Role.staff)
        customer = await make_customer(staff.tenant)
        bad = await client.put(
            f"/api/v1/customers/{customer.id}/consent/fax",
            json={"status": "maybe", "source": ""},
            headers=staff.headers,
        )
        assert bad.status_code == 422
        assert {d["field"] for d in bad.json()["error"]["details"]} == {"path.channel", "body.status", "body.source"}


class TestTimeline:
    async def test_notes_conversations_and_messages_are_on_the_timeline(
        self, client: httpx.AsyncClient, make_actor: MakeActor, make_customer: MakeCustomer
    ) -> None:
        staff = await make_actor(Role.staff)
        customer = await make_customer(staff.tenant)
        url = f"/api/v1/customers/{customer.id}"
        note = await client.post(f"{url}/notes", json={"body": "Called about the invoice."}, headers=staff.headers)
        assert note.status_code == 201, note.text
        conversation = (
            await client.post(
                "/api/v1/conversations", json={"customer_id": str(customer.id), "channel": "sms"}, headers=staff.headers
            )
        ).json()["data"]
        message = await client.post(
            f"/api/v1/conversations/{conversation['id']}/messages",
            json={"role": "customer", "content": "Hi!"},
            headers=staff.headers,
        )
        assert message.status_code == 201, message.text
        await client.post(
            f"/api/v1/conversations/{conversation['id']}/end", json={"outcome": "resolved"}, headers=staff.headers
        )
        timeline = (await client.get(f"{url}/timeline", headers=staff.headers)).json()
        types = [event["type"] for event in timeline["data"]]
        assert types == ["crm.conversation_ended", "crm.conversation_message", "crm.conversation_started", "crm.note"]
        assert timeline["data"][3]["data"]["body"] == "Called about the invoice."
        assert timeline["data"][1]["data"]["message_id"] == message.json()["data"]["id"]
        assert "Hi!" not in str(timeline["data"][1])  # events carry ids, not bodies

    async def test_other_domains_append_idempotently_by_source_id(
        self, client: httpx.AsyncClient, make_actor: MakeActor, make_customer: MakeCustomer, session: AsyncSession
    ) -> None:
        staff = await make_actor(Role.staff)
        customer = await make_customer(staff.tenant)
        for _ in range(2):  # a redelivered job
            await service.append_event(
                session,
                staff.tenant.id,
                customer.id,
                "message.delivered",
                source="messages",
                source_id="msg-1:delivered",
                data={"message_id": "m1"},
            )
        assert await service.append_event(session, staff.tenant.id, customer.id, "campaign.opened", source="campaigns")
        timeline = (await client.get(f"/api/v1/customers/{customer.id}/timeline", headers=staff.headers)).json()
        assert sorted(event["type"] for event in timeline["data"]) == ["campaign.opened", "message.delivered"]
        await session.refresh(customer)
        assert customer.last_activity_at is not None

        other = await make_actor(Role.staff)
        with pytest.raises(NotFound):
            await service.append_event(session, other.tenant.id, customer.id, "message.sent", source="messages")
        with pytest.raises(NotFound):
            await service.append_event(session, staff.tenant.id, uuid.uuid4(), "message.sent", source="messages")
        with pytest.raises(ValueError, match=r"domain\.event"):
            await service.append_event(session, staff.tenant.id, customer.id, "Not A Type", source="messages")

    async def test_pages_and_type_filter(
        self, client: httpx.AsyncClient, make_actor: MakeActor, make_customer: MakeCustomer
    ) -> None:
        staff = await make_actor(Role.staff)
        customer = await make_customer(staff.tenant)
        url = f"/api/v1/customers/{customer.id}"
        for n in range(5):
            await client.post(f"{url}/notes", json={"body": f"note {n}"}, headers=staff.headers)
        page = (await client.get(f"{url}/timeline", params={"per_page": 2, "page": 2}, headers=staff.headers)).json()
        assert [event["data"]["body"] for event in page["data"]] == ["note 2", "note 1"]
        assert page["meta"]["pagination"]["total"] == 5
