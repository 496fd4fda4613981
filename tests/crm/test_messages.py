"""Messages sent to a CRM customer: the customer is checked (the tenant's, else 422) and the message's progress
is on its timeline."""

from __future__ import annotations

import httpx

from fibonacco.auth.models import Role
from tests.crm.conftest import MakeCustomer
from tests.fixtures import MakeActor


def sms(customer_id: object) -> dict[str, object]:
    return {"channel": "sms", "to": "+12025550123", "body_text": "Your table is ready", "customer_id": str(customer_id)}


class TestMessagesToCustomers:
    async def test_a_message_to_a_customer_is_on_its_timeline(
        self, client: httpx.AsyncClient, make_actor: MakeActor, make_customer: MakeCustomer
    ) -> None:
        admin = await make_actor(Role.admin)
        customer = await make_customer(admin.tenant)
        sent = await client.post("/api/v1/messages", json=sms(customer.id), headers=admin.headers)
        assert sent.status_code == 202, sent.text
        message = sent.json()["data"]
        assert message["customer_id"] == str(customer.id)
        events = await client.get(
            f"/api/v1/customers/{customer.id}/timeline", params={"type": ["message.queued"]}, headers=admin.headers
        )
        (event,) = events.json()["data"]
        assert (event["source"], event["source_id"]) == ("messages", f"{message['id']}:queued")
        assert event["data"] == {"message_id": message["id"], "channel": "sms"}

    async def test_another_tenants_customer_is_422_and_nothing_is_sent(
        self, client: httpx.AsyncClient, make_actor: MakeActor, make_customer: MakeCustomer
    ) -> None:
        admin = await make_actor(Role.admin)
        other = await make_actor(Role.admin)
        theirs = await make_customer(other.tenant)
        for customer_id in (theirs.id, "00000000-0000-4000-8000-000000000000"):
            refused = await client.post("/api/v1/messages", json=sms(customer_id), headers=admin.headers)
            assert refused.status_code == 422, refused.text
            assert refused.json()["error"]["details"][0]["field"] == "body.customer_id"
        assert (await client.get("/api/v1/messages", headers=admin.headers)).json()["meta"]["pagination"]["total"] == 0
        # Their customer's timeline is not ours to read either, and it holds no message of ours.
        assert (await client.get(f"/api/v1/customers/{theirs.id}/timeline", headers=admin.headers)).status_code == 404
        timeline = await client.get(f"/api/v1/customers/{theirs.id}/timeline", headers=other.headers)
        assert [e["type"] for e in timeline.json()["data"] if e["type"].startswith("message.")] == []
