"""Customers over the API: CRUD, validation, slugs, stages on the timeline, business and AI context."""

from __future__ import annotations

import httpx

from fibonacco.auth.models import Role
from fibonacco.crm.models import CustomFieldType
from tests.crm.conftest import MakeCustomer, MakeField
from tests.fixtures import MakeActor

CUSTOMER = {
    "name": "Acme Plumbing & Heating",
    "email": "Owner@Acme-Plumbing.example",
    "phone": "(202) 555-0143",
    "website": "https://acme-plumbing.example",
    "address": {"line1": "1 Main St", "city": "Springfield", "country": "US"},
    "industry": "plumbing",
    "timezone": "America/New_York",
    "tags": ["vip", "north"],
    "business_context": {"description": "Family plumbers since 1982.", "hours": "Mon-Fri 8-17"},
    "metadata": {"crm_source": "trade show"},
}


def fields_of(response: httpx.Response) -> set[str]:
    return {detail["field"] for detail in response.json()["error"]["details"]}


class TestCrud:
    async def test_create_read_update_delete(self, client: httpx.AsyncClient, make_actor: MakeActor) -> None:
        staff = await make_actor(Role.staff)
        admin = await make_actor(Role.admin, tenant=staff.tenant)
        created = await client.post("/api/v1/customers", json=CUSTOMER, headers=staff.headers)
        assert created.status_code == 201, created.text
        customer = created.json()["data"]
        assert customer["slug"] == "acme-plumbing-heating"
        assert customer["email"] == "owner@acme-plumbing.example"
        assert customer["phone"] == "+12025550143"
        assert customer["stage"] == "lead"
        assert customer["metadata"] == {"crm_source": "trade show"}
        assert customer["business_context"]["hours"] == "Mon-Fri 8-17"
        assert "search_text" not in customer

        url = f"/api/v1/customers/{customer['id']}"
        assert (await client.get(url, headers=staff.headers)).json()["data"]["name"] == CUSTOMER["name"]
        by_slug = await client.get("/api/v1/customers/slug/acme-plumbing-heating", headers=staff.headers)
        assert by_slug.json()["data"]["id"] == customer["id"]

        updated = await client.patch(
            url, json={"phone": None, "tags": ["vip"], "owner_id": str(staff.user.id)}, headers=staff.headers
        )
        assert updated.status_code == 200, updated.text
        assert updated.json()["data"]["phone"] is None and updated.json()["data"]["tags"] == ["vip"]
        assert updated.json()["data"]["owner_id"] == str(staff.user.id)

        assert (await client.delete(url, headers=staff.headers)).status_code == 403  # erasure is for admins
        erased = await client.delete(url, headers=admin.headers)
        assert erased.status_code == 200, erased.text
        assert (await client.get(url, headers=staff.headers)).status_code == 404

    async def test_generated_slugs_stay_unique_and_a_given_duplicate_is_a_conflict(
        self, client: httpx.AsyncClient, make_actor: MakeActor
    ) -> None:
        staff = await make_actor(Role.staff)
        slugs = []
        for _ in range(3):
            response = await client.post("/api/v1/customers", json={"name": "Joe's Diner"}, headers=staff.headers)
            assert response.status_code == 201, response.text
            slugs.append(response.json()["data"]["slug"])
        assert slugs == ["joe-s-diner", "joe-s-diner-2", "joe-s-diner-3"]
        duplicate = await client.post(
            "/api/v1/customers", json={"name": "Other", "slug": "joe-s-diner"}, headers=staff.headers
        )
        assert duplicate.status_code == 409
        assert duplicate.json()["error"]["details"] == {"field": "slug"}
        email = {"name": "A", "email": "same@example.com"}
        assert (await client.post("/api/v1/customers", json=email, headers=staff.headers)).status_code == 201
        again = await client.post(
            "/api/v1/customers", json={**email, "email": "SAME@example.com"}, headers=staff.headers
        )
        assert again.status_code == 409 and again.json()["error"]["details"] == {"field": "email"}
        second = (await client.get("/api/v1/customers/slug/joe-s-diner-2", headers=staff.headers)).json()["data"]
        renamed = await client.patch(
            f"/api/v1/customers/{second['id']}", json={"slug": "joe-s-diner"}, headers=staff.headers
        )
        assert renamed.status_code == 409

    async def test_viewers_read_but_do_not_write(
        self, client: httpx.AsyncClient, make_actor: MakeActor, make_customer: MakeCustomer
    ) -> None:
        viewer = await make_actor(Role.viewer)
        customer = await make_customer(viewer.tenant)
        assert (await client.get(f"/api/v1/customers/{customer.id}", headers=viewer.headers)).status_code == 200
        refused = await client.post("/api/v1/customers", json={"name": "x"}, headers=viewer.headers)
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"


class TestValidation:
    async def test_bad_fields_are_named(self, client: httpx.AsyncClient, make_actor: MakeActor) -> None:
        staff = await make_actor(Role.staff)
        response = await client.post(
            "/api/v1/customers",
            json={
                "name": " ",
                "email": "not-an-email",
                "phone": "12",
                "timezone": "Mars/Olympus",
                "website": "ftp://x",
                "stage": "won",
                "slug": "Not A Slug",
            },
            headers=staff.headers,
        )
        assert response.status_code == 422
        assert fields_of(response) == {
            "body.name",
            "body.email",
            "body.phone",
            "body.timezone",
            "body.website",
            "body.stage",
            "body.slug",
        }
        phone = next(d for d in response.json()["error"]["details"] if d["field"] == "body.phone")
        assert "phone number" in phone["message"]

    async def test_a_length_is_checked_as_sent_and_the_value_stored_stripped(
        self, client: httpx.AsyncClient, make_actor: MakeActor
    ) -> None:
        """The OpenAPI document's `maxLength` is the limit: a name of 201 characters is refused even when one of
        them is surrounding whitespace (stripping first let it through, found by the fuzzer); one that fits is
        stored without it."""
        staff = await make_actor(Role.staff)
        too_long = await client.post("/api/v1/customers", json={"name": "\r" + "e" * 200}, headers=staff.headers)
        assert too_long.status_code == 422 and fields_of(too_long) == {"body.name"}
        fits = await client.post("/api/v1/customers", json={"name": "\r" + "e" * 198 + " "}, headers=staff.headers)
        assert fits.status_code == 201 and fits.json()["data"]["name"] == "e" * 198

    async def test_the_most_tags_that_fit_are_kept_and_more_are_a_422(
        self, client: httpx.AsyncClient, make_actor: MakeActor
    ) -> None:
        """Tags live in the list's covering indexes, whose entries PostgreSQL caps: the schema's limit keeps
        every accepted set indexable (50 tags of 100 letters were a 500)."""
        staff = await make_actor(Role.staff)
        widest = [f"{i:02d}" + "x" * 28 for i in range(50)]  # 1,500 bytes
        kept = await client.post("/api/v1/customers", json={"name": "Wide", "tags": widest}, headers=staff.headers)
        assert kept.status_code == 201, kept.text
        too_wide = [f"{i:02d}" + "x" * 98 for i in range(50)]
        refused = await client.post(
            "/api/v1/customers", json={"name": "Wider", "tags": too_wide}, headers=staff.headers
        )
        assert refused.status_code == 422 and fields_of(refused) == {"body.tags"}

    async def test_custom_fields_are_checked_against_their_definitions(
        self, client: httpx.AsyncClient, make_actor: MakeActor, make_field: MakeField
    ) -> None:
        staff = await make_actor(Role.staff)
        await make_field(staff.tenant, "seats", CustomFieldType.number)
        await make_field(staff.tenant, "plan", CustomFieldType.select, ["basic", "pro"])
        await make_field(staff.tenant, "renews", CustomFieldType.date)
        await make_field(staff.tenant, "channels", CustomFieldType.multi_select, ["web", "phone"])
        bad = await client.post(
            "/api/v1/customers",
            json={"name": "X", "custom_fields": {"seats": "ten", "colour": "red", "plan": "gold", "renews": "soon"}},
            headers=staff.headers,
        )
        assert bad.status_code == 422
        assert fields_of(bad) == {
            "body.custom_fields.seats",
            "body.custom_fields.colour",
            "body.custom_fields.plan",
            "body.custom_fields.renews",
        }
        listed = await client.get("/api/v1/customers", headers=staff.headers)
        assert listed.json()["meta"]["pagination"]["total"] == 0  # nothing half-written

        good = await client.post(
            "/api/v1/customers",
            json={
                "name": "X",
                "custom_fields": {"seats": 12, "plan": "pro", "renews": "2027-01-31", "channels": ["web"]},
            },
            headers=staff.headers,
        )
        assert good.status_code == 201, good.text
        url = f"/api/v1/customers/{good.json()['data']['id']}"
        patched = await client.patch(
            url, json={"custom_fields": {"seats": None, "plan": "basic"}}, headers=staff.headers
        )
        assert patched.json()["data"]["custom_fields"] == {"plan": "basic", "renews": "2027-01-31", "channels": ["web"]}
        wrong = await client.patch(url, json={"custom_fields": {"channels": ["fax"]}}, headers=staff.headers)
        assert wrong.status_code == 422 and fields_of(wrong) == {"body.custom_fields.channels"}

    async def test_an_owner_from_another_tenant_is_refused(
        self, client: httpx.AsyncClient, make_actor: MakeActor
    ) -> None:
        staff = await make_actor(Role.staff)
        stranger = await make_actor(Role.staff)
        response = await client.post(
            "/api/v1/customers", json={"name": "X", "owner_id": str(stranger.user.id)}, headers=staff.headers
        )
        assert response.status_code == 422 and fields_of(response) == {"body.owner_id"}


class TestStagesAndContext:
    async def test_every_stage_change_is_on_the_timeline(
        self, client: httpx.AsyncClient, make_actor: MakeActor
    ) -> None:
        staff = await make_actor(Role.staff)
        created = (await client.post("/api/v1/customers", json={"name": "Stage Co"}, headers=staff.headers)).json()[
            "data"
        ]
        url = f"/api/v1/customers/{created['id']}"
        for stage in ("prospect", "customer", "customer", "churned"):
            assert (await client.patch(url, json={"stage": stage}, headers=staff.headers)).status_code == 200
        events = (await client.get(f"{url}/timeline?type=crm.stage_changed", headers=staff.headers)).json()
        moves = [(event["data"]["from"], event["data"]["to"]) for event in reversed(events["data"])]
        assert moves == [(None, "lead"), ("lead", "prospect"), ("prospect", "customer"), ("customer", "churned")]
        assert events["meta"]["pagination"]["total"] == 4
        customer = (await client.get(url, headers=staff.headers)).json()["data"]
        assert customer["last_activity_at"] is not None

    async def test_business_context_is_replaced_whole_and_feeds_the_ai_context(
        self, client: httpx.AsyncClient, make_actor: MakeActor, make_customer: MakeCustomer
    ) -> None:
        staff = await make_actor(Role.staff)
        customer = await make_customer(
            staff.tenant, name="Bella Pizza", industry="restaurant", business_context={"hours": "old"}
        )
        url = f"/api/v1/customers/{customer.id}"
        context = {"description": "Wood-fired pizza.", "brand_voice": "warm", "competitors": "Luigi's"}
        put = await client.put(f"{url}/business-context", json=context, headers=staff.headers)
        assert put.status_code == 200, put.text
        assert put.json()["data"]["business_context"] == {
            **dict.fromkeys(
                ["description", "services_offered", "hours", "service_area", "brand_voice", "goals", "competitors"]
            ),
            **context,
        }
        await client.post(
            f"{url}/faqs", json={"question": "Do you deliver?", "answer": "Within 5 miles."}, headers=staff.headers
        )
        await client.post(
            "/api/v1/pending-questions",
            json={"question": "Gluten-free crust?", "customer_id": str(customer.id)},
            headers=staff.headers,
        )
        conversation = await client.post(
            "/api/v1/conversations", json={"customer_id": str(customer.id), "channel": "phone"}, headers=staff.headers
        )
        await client.post(
            f"/api/v1/conversations/{conversation.json()['data']['id']}/end",
            json={"summary": "Asked about catering.", "outcome": "interested"},
            headers=staff.headers,
        )
        ai = await client.get(f"{url}/ai-context", headers=staff.headers)
        assert ai.status_code == 200, ai.text
        data = ai.json()["data"]
        assert data["business_context"] == context
        assert data["faqs"] == [{"question": "Do you deliver?", "answer": "Within 5 miles."}]
        assert data["open_questions"] == ["Gluten-free crust?"]
        assert data["recent_conversations"][0]["summary"] == "Asked about catering."
        for text in (
            "Bella Pizza",
            "Wood-fired pizza.",
            "Asked about catering.",
            "Gluten-free crust?",
            "Within 5 miles.",
        ):
            assert text in data["prompt"]
