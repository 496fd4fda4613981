"""Privacy: export everything about a customer as JSON; erasing it leaves none of its personal data anywhere."""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from fibonacco.auth.models import Role
from fibonacco.crm.models import PendingQuestion, PrivacyAudit
from fibonacco.messages.models import Channel, Message, MessageStatus
from fibonacco.messages.privacy import ERASED_ADDRESS
from fibonacco.messages.service import apply_ses_event
from tests.fixtures import Actor, MakeActor

EMAIL = "jane.private@example.org"


async def tables_mentioning(session: AsyncSession, needle: str) -> dict[str, int]:
    """Every table of the schema whose rows, as text, contain `needle`."""
    tables = (await session.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))).scalars()
    found = {}
    for table in list(tables):
        hits = await session.scalar(
            text(f'SELECT count(*) FROM "{table}" AS row WHERE row::text ILIKE :needle'),
            {"needle": f"%{needle}%"},
        )
        if hits:
            found[table] = int(hits)
    return found


async def populated_customer(client: httpx.AsyncClient, staff: Actor, admin: Actor | None = None) -> str:
    created = await client.post(
        "/api/v1/customers",
        json={"name": "Jane's Salon", "email": EMAIL, "phone": "+12025550177", "metadata": {"personal": EMAIL}},
        headers=staff.headers,
    )
    assert created.status_code == 201, created.text
    customer_id: str = created.json()["data"]["id"]
    url = f"/api/v1/customers/{customer_id}"
    steps = [
        ("POST", f"{url}/contacts", {"name": "Jane Doe", "email": EMAIL, "is_primary": True}),
        ("PUT", f"{url}/consent/email", {"status": "subscribed", "source": f"form filled by {EMAIL}"}),
        ("POST", f"{url}/notes", {"body": f"Prefers email: {EMAIL}"}),
        ("POST", f"{url}/faqs", {"question": "Contact?", "answer": f"Write to {EMAIL}"}),
        ("PUT", f"{url}/business-context", {"description": f"Owner reachable at {EMAIL}"}),
    ]
    for method, path, body in steps:
        response = await client.request(method, path, json=body, headers=staff.headers)
        assert response.status_code in (200, 201), (path, response.text)
    conversation = await client.post(
        "/api/v1/conversations",
        json={"customer_id": customer_id, "channel": "email", "subject": EMAIL},
        headers=staff.headers,
    )
    conversation_id = conversation.json()["data"]["id"]
    await client.post(
        f"/api/v1/conversations/{conversation_id}/messages",
        json={"role": "customer", "content": f"I am {EMAIL}"},
        headers=staff.headers,
    )
    await client.post(
        f"/api/v1/conversations/{conversation_id}/end", json={"summary": f"Spoke with {EMAIL}"}, headers=staff.headers
    )
    question = await client.post(
        "/api/v1/pending-questions",
        json={"question": "Do you do nails?", "customer_id": customer_id, "conversation_id": conversation_id},
        headers=staff.headers,
    )
    assert question.status_code == 201, question.text
    if admin is not None:  # messages sent to it (sending is for admins)
        for message in (
            {"channel": "email", "to": EMAIL, "subject": f"For {EMAIL}", "body_text": f"Dear {EMAIL}"},
            {"channel": "sms", "to": "+12025550177", "body_text": f"Code for {EMAIL}"},
        ):
            sent = await client.post(
                "/api/v1/messages", json={**message, "customer_id": customer_id}, headers=admin.headers
            )
            assert sent.status_code == 202, sent.text
    return customer_id


async def bounce_the_email(session: AsyncSession, tenant_id: uuid.UUID) -> None:
    """SES reports the email bounced: the event keeps the provider's payload, and the address is suppressed."""
    email = (
        await session.execute(select(Message).where(Message.tenant_id == tenant_id, Message.channel == Channel.email))
    ).scalar_one()
    email.status, email.provider, email.provider_id = MessageStatus.sent, "ses", f"ses-{email.id}"
    await session.flush()
    event = {
        "eventType": "Bounce",
        "mail": {"messageId": email.provider_id, "destination": [EMAIL]},
        "bounce": {"bounceType": "Permanent", "bouncedRecipients": [{"emailAddress": EMAIL}]},
    }
    assert await apply_ses_event(session, f"sns-{email.id}", event)
    await session.flush()


class TestPrivacy:
    async def test_export_holds_everything_and_is_audited(
        self, client: httpx.AsyncClient, session: AsyncSession, make_actor: MakeActor
    ) -> None:
        staff = await make_actor(Role.staff)
        admin = await make_actor(Role.admin, tenant=staff.tenant)
        customer_id = await populated_customer(client, staff)
        url = f"/api/v1/customers/{customer_id}/privacy-export"
        assert (await client.get(url, headers=staff.headers)).status_code == 403
        response = await client.get(url, headers=admin.headers)
        assert response.status_code == 200, response.text
        document = response.json()["data"]
        assert document["customer"]["email"] == EMAIL
        assert [c["email"] for c in document["contacts"]] == [EMAIL]
        assert [m["content"] for m in document["messages"]] == [f"I am {EMAIL}"]
        assert len(document["conversations"]) == 1 and len(document["faqs"]) == 1
        assert [q["question"] for q in document["pending_questions"]] == ["Do you do nails?"]
        assert {"crm.note", "crm.consent_changed", "crm.stage_changed"} <= {e["type"] for e in document["events"]}
        assert next(c for c in document["consents"] if c["channel"] == "email")["status"] == "subscribed"
        audit = (
            (await session.execute(select(PrivacyAudit).where(PrivacyAudit.tenant_id == staff.tenant.id)))
            .scalars()
            .all()
        )
        assert [(a.action, str(a.customer_id), a.performed_by) for a in audit] == [
            ("export", customer_id, admin.user.id)
        ]
        assert audit[0].summary["messages"] == 1

    async def test_erasing_a_customer_leaves_none_of_its_personal_data(
        self, client: httpx.AsyncClient, session: AsyncSession, make_actor: MakeActor
    ) -> None:
        staff = await make_actor(Role.staff)
        admin = await make_actor(Role.admin, tenant=staff.tenant)
        customer_id = await populated_customer(client, staff, admin)
        await bounce_the_email(session, staff.tenant.id)
        before = await tables_mentioning(session, EMAIL)
        assert {
            "customers",
            "customer_contacts",
            "customer_events",
            "conversation_messages",
            "conversations",
            "messages",
            "message_events",
            "suppressed_addresses",
        } <= set(before)

        erased = await client.delete(f"/api/v1/customers/{customer_id}", headers=admin.headers)
        assert erased.status_code == 200, erased.text
        report = erased.json()["data"]
        assert report["erased"]["contacts"] == 1 and report["erased"]["messages"] == 1
        assert report["anonymised"] == {"pending_questions": 1, "sent_messages": 2}

        assert await tables_mentioning(session, EMAIL) == {}
        assert await tables_mentioning(session, "+12025550177") == {}
        # Nor the search's words: the phone's digits, the e-mail's parts (no other customer has them).
        for word in ("12025550177", "private", "jane"):
            assert await tables_mentioning(session, word) == {}, word
        assert await tables_mentioning(session, customer_id) == {"crm_privacy_audit": 1}  # who erased what, by id
        # The question still counts in the inbox, no longer tied to anyone.
        question = (
            await session.execute(select(PendingQuestion).where(PendingQuestion.tenant_id == staff.tenant.id))
        ).scalar_one()
        assert (question.customer_id, question.conversation_id, question.asked_by) == (None, None, None)
        # The messages still count (channel, status, times), addressed to no one.
        messages = (await session.execute(select(Message).where(Message.tenant_id == staff.tenant.id))).scalars().all()
        assert sorted((m.channel, m.to_address, m.customer_id, m.body_text) for m in messages) == [
            (Channel.email, ERASED_ADDRESS, None, None),
            (Channel.sms, ERASED_ADDRESS, None, None),
        ]
        audit = (
            await session.execute(
                select(PrivacyAudit).where(PrivacyAudit.action == "erase", PrivacyAudit.tenant_id == staff.tenant.id)
            )
        ).scalar_one()
        assert audit.performed_by == admin.user.id and audit.summary["events"] >= 5
