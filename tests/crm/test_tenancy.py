"""Every CRM resource of another tenant is a 404 for every verb, and absent from lists, search and segments."""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from fibonacco.auth.models import Role
from fibonacco.crm.models import (
    Contact,
    Conversation,
    ConversationChannel,
    CustomerFaq,
    CustomFieldType,
    PendingQuestion,
    Segment,
)
from fibonacco.kit.clock import utcnow
from tests.crm.conftest import MakeCustomer, MakeField
from tests.fixtures import MakeActor


class TestTenantIsolation:
    async def test_another_tenants_crm_is_invisible_and_untouchable(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        make_actor: MakeActor,
        make_customer: MakeCustomer,
        make_field: MakeField,
    ) -> None:
        mine = await make_actor(Role.owner)
        theirs = await make_actor(Role.owner)
        customer = await make_customer(
            theirs.tenant, name="Secretive Widgets", slug="secretive", email="boss@secret.example", tags=["hidden"]
        )
        field = await make_field(theirs.tenant, "tier", CustomFieldType.text)
        contact = Contact(tenant_id=theirs.tenant.id, customer_id=customer.id, name="Sam Secret")
        conversation = Conversation(
            tenant_id=theirs.tenant.id, customer_id=customer.id, channel=ConversationChannel.chat, started_at=utcnow()
        )
        faq = CustomerFaq(tenant_id=theirs.tenant.id, customer_id=customer.id, question="Q?", answer="A.")
        segment = Segment(tenant_id=theirs.tenant.id, name="Their VIPs", filters={})
        question = PendingQuestion(
            tenant_id=theirs.tenant.id,
            question="Secret question?",
            normalized="secret question",
            customer_id=customer.id,
        )
        session.add_all([contact, conversation, faq, segment, question])
        await session.flush()

        c = f"/api/v1/customers/{customer.id}"
        requests: list[tuple[str, str, dict[str, object] | None]] = [
            ("GET", c, None),
            ("PATCH", c, {"name": "x"}),
            ("DELETE", c, None),
            ("PUT", f"{c}/business-context", {"description": "x"}),
            ("GET", f"{c}/ai-context", None),
            ("GET", f"{c}/timeline", None),
            ("POST", f"{c}/notes", {"body": "x"}),
            ("GET", f"{c}/privacy-export", None),
            ("GET", f"{c}/contacts", None),
            ("POST", f"{c}/contacts", {"name": "x"}),
            ("PATCH", f"{c}/contacts/{contact.id}", {"name": "x"}),
            ("DELETE", f"{c}/contacts/{contact.id}", None),
            ("GET", f"{c}/consent", None),
            ("PUT", f"{c}/consent/email", {"status": "subscribed", "source": "x"}),
            ("GET", f"{c}/faqs", None),
            ("POST", f"{c}/faqs", {"question": "q", "answer": "a"}),
            ("PATCH", f"{c}/faqs/{faq.id}", {"answer": "x"}),
            ("DELETE", f"{c}/faqs/{faq.id}", None),
            ("POST", f"{c}/faqs/{faq.id}/vote", {"helpful": True}),
            ("GET", "/api/v1/customers/slug/secretive", None),
            ("PATCH", f"/api/v1/customer-fields/{field.id}", {"label": "x"}),
            ("DELETE", f"/api/v1/customer-fields/{field.id}", None),
            ("GET", f"/api/v1/segments/{segment.id}", None),
            ("PATCH", f"/api/v1/segments/{segment.id}", {"name": "x"}),
            ("DELETE", f"/api/v1/segments/{segment.id}", None),
            ("GET", f"/api/v1/segments/{segment.id}/count", None),
            ("GET", f"/api/v1/segments/{segment.id}/members", None),
            ("GET", f"/api/v1/customers/export?segment_id={segment.id}", None),
            ("GET", f"/api/v1/conversations/{conversation.id}", None),
            ("PATCH", f"/api/v1/conversations/{conversation.id}", {"summary": "x"}),
            ("DELETE", f"/api/v1/conversations/{conversation.id}", None),
            ("POST", f"/api/v1/conversations/{conversation.id}/end", {}),
            ("GET", f"/api/v1/conversations/{conversation.id}/messages", None),
            ("POST", f"/api/v1/conversations/{conversation.id}/messages", {"role": "agent", "content": "x"}),
            ("GET", f"/api/v1/pending-questions/{question.id}", None),
            ("POST", f"/api/v1/pending-questions/{question.id}/answer", {"answer": "x"}),
            ("POST", f"/api/v1/pending-questions/{question.id}/publish", {"target": "knowledge"}),
            ("POST", f"/api/v1/pending-questions/{question.id}/dismiss", None),
            ("GET", f"/api/v1/customers/imports/{uuid.uuid4()}", None),
        ]
        for method, url, body in requests:
            response = await client.request(method, url, json=body, headers=mine.headers)
            assert response.status_code == 404, f"{method} {url}: {response.status_code} {response.text}"
            assert response.json()["error"]["code"] == "not_found"

        # Their ids are refused where they are named in a body, too.
        for url, body in (
            ("/api/v1/conversations", {"customer_id": str(customer.id), "channel": "chat"}),
            ("/api/v1/pending-questions", {"question": "Mine?", "customer_id": str(customer.id)}),
        ):
            response = await client.post(url, json=body, headers=mine.headers)
            assert response.status_code == 422 and response.json()["error"]["details"][0]["field"] == "body.customer_id"

        for url in (
            "/api/v1/customers",
            "/api/v1/customers?q=secretive",
            "/api/v1/customers?q=boss@secret.example",
            "/api/v1/customers?tag=hidden",
            "/api/v1/customer-fields",
            "/api/v1/segments",
            "/api/v1/conversations",
            f"/api/v1/conversations?customer_id={customer.id}",
            "/api/v1/pending-questions",
            "/api/v1/customers/export",
            "/api/v1/customers/export?q=secretive",
            "/api/v1/customers/export?tag=hidden",
        ):
            response = await client.get(url, headers=mine.headers)
            assert response.status_code == 200, url
            for secret in (
                "Secretive",
                "secret.example",
                "Their VIPs",
                "Secret question",
                str(customer.id),
                str(field.id),
            ):
                assert secret not in response.text, (url, secret)

        everyone = await client.post("/api/v1/segments", json={"name": "Everyone", "filters": {}}, headers=mine.headers)
        url = f"/api/v1/segments/{everyone.json()['data']['id']}"
        assert (await client.get(f"{url}/count", headers=mine.headers)).json()["data"]["count"] == 0
        assert "Secretive" not in (await client.get(f"{url}/members", headers=mine.headers)).text

        # The owner still sees all of it, unchanged.
        still = await client.get(c, headers=theirs.headers)
        assert still.status_code == 200 and still.json()["data"]["name"] == "Secretive Widgets"
        assert len((await client.get(f"{c}/contacts", headers=theirs.headers)).json()["data"]) == 1
        assert (await client.get(f"/api/v1/segments/{segment.id}", headers=theirs.headers)).json()["data"][
            "name"
        ] == "Their VIPs"

    async def test_slugs_and_emails_are_unique_per_tenant_only(
        self, client: httpx.AsyncClient, make_actor: MakeActor
    ) -> None:
        for _ in range(2):
            actor = await make_actor(Role.staff)
            body = {"name": "Same", "slug": "same", "email": "same@example.com"}
            response = await client.post("/api/v1/customers", json=body, headers=actor.headers)
            assert response.status_code == 201, response.text
