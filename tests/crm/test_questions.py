"""Pending questions (merge, answer, publish, dismiss), customer FAQs and conversations."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import httpx
import redis.asyncio as aioredis
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from fibonacco.auth.models import Role
from fibonacco.crm.models import PendingQuestion
from fibonacco.crm.tasks import embed_and_merge
from fibonacco.integrations.embeddings import HashingEmbedder
from fibonacco.kit.db import UnitOfWork
from fibonacco.worker.queues import QueueKeys
from tests.crm.conftest import MakeCustomer
from tests.fixtures import MakeActor

Q = "/api/v1/pending-questions"


class TestPendingQuestions:
    async def test_near_duplicates_of_an_open_question_are_merged_and_counted(
        self, client: httpx.AsyncClient, make_actor: MakeActor
    ) -> None:
        staff = await make_actor(Role.staff)
        first = await client.post(Q, json={"question": "Do you offer weekend appointments?"}, headers=staff.headers)
        assert first.status_code == 201, first.text
        for variant in (
            "do you offer weekend appointments",
            "Do you offer weekend  appointments??",
            "Do you offer weekend appointment?",
        ):
            merged = await client.post(Q, json={"question": variant}, headers=staff.headers)
            assert merged.status_code == 200, (variant, merged.text)
            assert merged.json()["data"]["id"] == first.json()["data"]["id"]
        other = await client.post(Q, json={"question": "What is your refund policy?"}, headers=staff.headers)
        assert other.status_code == 201
        listed = (await client.get(Q, params={"status": "open"}, headers=staff.headers)).json()
        assert [(q["question"], q["times_asked"]) for q in listed["data"]] == [
            ("Do you offer weekend appointments?", 4),
            ("What is your refund policy?", 1),
        ]

    async def test_publishing_an_answer_creates_a_validated_searchable_knowledge_entry(
        self, client: httpx.AsyncClient, make_actor: MakeActor
    ) -> None:
        staff = await make_actor(Role.staff)
        question = (
            await client.post(Q, json={"question": "Can I pay by bank transfer?"}, headers=staff.headers)
        ).json()["data"]
        url = f"{Q}/{question['id']}"
        early = await client.post(f"{url}/publish", json={"target": "knowledge"}, headers=staff.headers)
        assert early.status_code == 409  # not answered yet
        answered = await client.post(
            f"{url}/answer", json={"answer": "Yes: wire transfers reach us within two days."}, headers=staff.headers
        )
        assert answered.status_code == 200 and answered.json()["data"]["status"] == "answered"
        assert answered.json()["data"]["answered_by"] == str(staff.user.id)
        published = await client.post(
            f"{url}/publish", json={"target": "knowledge", "category": "billing"}, headers=staff.headers
        )
        assert published.status_code == 200, published.text
        data = published.json()["data"]
        assert data["status"] == "published" and data["resolved_by"] == str(staff.user.id)

        entry = (await client.get(f"/api/v1/knowledge/{data['knowledge_entry_id']}", headers=staff.headers)).json()[
            "data"
        ]
        assert entry["title"] == "Can I pay by bank transfer?" and entry["category"] == "billing"
        assert entry["validation_status"] == "validated" and entry["validated_by"] == str(staff.user.id)
        found = await client.get("/api/v1/search/full-text", params={"q": "wire transfers"}, headers=staff.headers)
        assert found.status_code == 200, found.text
        assert [hit["entry"]["id"] for hit in found.json()["data"]["hits"]] == [entry["id"]]
        again = await client.post(f"{url}/publish", json={"target": "knowledge"}, headers=staff.headers)
        assert again.status_code == 409

    async def test_publishing_as_a_customer_faq_and_dismissing(
        self, client: httpx.AsyncClient, make_actor: MakeActor, make_customer: MakeCustomer
    ) -> None:
        staff = await make_actor(Role.staff)
        customer = await make_customer(staff.tenant)
        question = (
            await client.post(
                Q, json={"question": "Is parking free?", "customer_id": str(customer.id)}, headers=staff.headers
            )
        ).json()["data"]
        await client.post(
            f"{Q}/{question['id']}/answer", json={"answer": "Yes, behind the shop."}, headers=staff.headers
        )
        published = await client.post(f"{Q}/{question['id']}/publish", json={"target": "faq"}, headers=staff.headers)
        assert published.status_code == 200, published.text
        faqs = (await client.get(f"/api/v1/customers/{customer.id}/faqs", headers=staff.headers)).json()["data"]
        assert [(f["question"], f["answer"], f["id"]) for f in faqs] == [
            ("Is parking free?", "Yes, behind the shop.", published.json()["data"]["faq_id"])
        ]
        orphan = (await client.post(Q, json={"question": "Who are you?"}, headers=staff.headers)).json()["data"]
        await client.post(f"{Q}/{orphan['id']}/answer", json={"answer": "Us."}, headers=staff.headers)
        refused = await client.post(f"{Q}/{orphan['id']}/publish", json={"target": "faq"}, headers=staff.headers)
        assert refused.status_code == 422 and refused.json()["error"]["details"][0]["field"] == "body.customer_id"
        dismissed = await client.post(f"{Q}/{orphan['id']}/dismiss", headers=staff.headers)
        assert dismissed.json()["data"]["status"] == "dismissed"
        assert (
            await client.post(f"{Q}/{orphan['id']}/answer", json={"answer": "x"}, headers=staff.headers)
        ).status_code == 409
        # A dismissed question no longer absorbs new askers.
        fresh = await client.post(Q, json={"question": "Who are you?"}, headers=staff.headers)
        assert fresh.status_code == 201 and fresh.json()["data"]["id"] != orphan["id"]


class TestInbox:
    async def test_the_inbox_page_names_its_customers_in_one_statement(
        self,
        client: httpx.AsyncClient,
        connection: AsyncConnection,
        make_actor: MakeActor,
        make_customer: MakeCustomer,
    ) -> None:
        staff = await make_actor(Role.staff)
        names = ["Alpha Bakery", "Beta Barbers", "Gamma Garage"]
        for i, name in enumerate(names):
            customer = await make_customer(staff.tenant, name=name)
            asked = await client.post(
                Q,
                json={"question": f"Question number {i} about {name}?", "customer_id": str(customer.id)},
                headers=staff.headers,
            )
            assert asked.status_code == 201 and asked.json()["data"]["customer_name"] == name
        await client.post(Q, json={"question": "Nobody's question?"}, headers=staff.headers)

        statements: list[str] = []
        sync = connection.sync_connection
        assert sync is not None

        def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
            statements.append(statement)

        event.listen(sync, "after_cursor_execute", record)
        try:
            listed = await client.get(Q, params={"per_page": 20}, headers=staff.headers)
        finally:
            event.remove(sync, "after_cursor_execute", record)
        assert listed.status_code == 200, listed.text
        assert sorted((q["customer_name"] or "") for q in listed.json()["data"]) == ["", *names]
        # One statement reads the customers (the list's join), not one per question.
        assert len([sql for sql in statements if "customers" in sql]) == 1, statements
        # And the questions' embeddings (1536 floats each) stay in the database (issue 11).
        assert not [sql for sql in statements if re.search(r"pending_questions\.embedding(?!_)", sql)]

    async def test_an_faq_published_for_another_customer_is_recorded_on_the_question(
        self, client: httpx.AsyncClient, make_actor: MakeActor, make_customer: MakeCustomer
    ) -> None:
        staff = await make_actor(Role.staff)
        asker = await make_customer(staff.tenant, name="Asking Cafe")
        other = await make_customer(staff.tenant, name="Sister Cafe")
        question = (
            await client.post(
                Q, json={"question": "Do you cater?", "customer_id": str(asker.id)}, headers=staff.headers
            )
        ).json()["data"]
        url = f"{Q}/{question['id']}"
        await client.post(f"{url}/answer", json={"answer": "Yes."}, headers=staff.headers)
        published = await client.post(
            f"{url}/publish", json={"target": "faq", "customer_id": str(other.id)}, headers=staff.headers
        )
        assert published.status_code == 200, published.text
        faqs = (await client.get(f"/api/v1/customers/{other.id}/faqs", headers=staff.headers)).json()["data"]
        expected = {
            "customer_id": str(asker.id),
            "customer_name": "Asking Cafe",
            "faq_id": faqs[0]["id"],
            "faq_customer_id": str(other.id),
            "faq_customer_name": "Sister Cafe",
        }
        for shown in (
            published.json()["data"],
            (await client.get(url, headers=staff.headers)).json()["data"],
            (await client.get(Q, params={"status": "published"}, headers=staff.headers)).json()["data"][0],
        ):
            assert {key: shown[key] for key in expected} == expected
        assert (await client.get(f"/api/v1/customers/{asker.id}/faqs", headers=staff.headers)).json()["data"] == []


class TestFaqs:
    async def test_crud_and_helpful_counts(
        self, client: httpx.AsyncClient, make_actor: MakeActor, make_customer: MakeCustomer
    ) -> None:
        staff = await make_actor(Role.staff)
        viewer = await make_actor(Role.viewer, tenant=staff.tenant)
        customer = await make_customer(staff.tenant)
        base = f"/api/v1/customers/{customer.id}/faqs"
        faq = (await client.post(base, json={"question": "Hours?", "answer": "9-5"}, headers=staff.headers)).json()[
            "data"
        ]
        for helpful in (True, True, False):
            voted = await client.post(f"{base}/{faq['id']}/vote", json={"helpful": helpful}, headers=viewer.headers)
            assert voted.status_code == 200, voted.text
        assert (voted.json()["data"]["helpful_count"], voted.json()["data"]["not_helpful_count"]) == (2, 1)
        patched = await client.patch(f"{base}/{faq['id']}", json={"answer": "9-6"}, headers=staff.headers)
        assert patched.json()["data"]["answer"] == "9-6"
        assert (await client.delete(f"{base}/{faq['id']}", headers=staff.headers)).status_code == 200
        assert (await client.get(base, headers=staff.headers)).json()["data"] == []


class TestConversations:
    async def test_lifecycle_messages_and_filters(
        self, client: httpx.AsyncClient, make_actor: MakeActor, make_customer: MakeCustomer
    ) -> None:
        staff = await make_actor(Role.staff)
        customer = await make_customer(staff.tenant)
        other = await make_customer(staff.tenant)
        body = {
            "customer_id": str(customer.id),
            "channel": "chat",
            "subject": "Pricing",
            "started_at": "2026-01-01T10:00:00Z",
            "follow_up_at": "2026-01-02T10:00:00Z",
        }
        created = await client.post("/api/v1/conversations", json=body, headers=staff.headers)
        assert created.status_code == 201, created.text
        conversation = created.json()["data"]
        later = await client.post(
            "/api/v1/conversations", json={"customer_id": str(other.id), "channel": "email"}, headers=staff.headers
        )
        url = f"/api/v1/conversations/{conversation['id']}"
        for role, content in (("customer", "How much?"), ("ai", "It starts at $10."), ("agent", "Anything else?")):
            response = await client.post(
                f"{url}/messages", json={"role": role, "content": content}, headers=staff.headers
            )
            assert response.status_code == 201, response.text
        messages = (await client.get(f"{url}/messages", headers=staff.headers)).json()
        assert [m["role"] for m in messages["data"]] == ["customer", "ai", "agent"]
        bad_role = await client.post(f"{url}/messages", json={"role": "robot", "content": "x"}, headers=staff.headers)
        assert bad_role.status_code == 422

        due = (await client.get("/api/v1/conversations", params={"follow_up_due": True}, headers=staff.headers)).json()
        assert [c["id"] for c in due["data"]] == [conversation["id"]]
        by_customer = (
            await client.get("/api/v1/conversations", params={"customer_id": str(other.id)}, headers=staff.headers)
        ).json()
        assert [c["id"] for c in by_customer["data"]] == [later.json()["data"]["id"]]
        by_channel = (
            await client.get(
                "/api/v1/conversations", params={"channel": "email", "status": "open"}, headers=staff.headers
            )
        ).json()
        assert by_channel["meta"]["pagination"]["total"] == 1

        ended = await client.post(
            f"{url}/end", json={"outcome": "quoted", "summary": "Sent the price list."}, headers=staff.headers
        )
        assert ended.status_code == 200, ended.text
        data = ended.json()["data"]
        assert data["status"] == "closed" and data["outcome"] == "quoted" and data["ended_at"]
        assert data["duration_seconds"] > 0
        assert (await client.post(f"{url}/end", json={}, headers=staff.headers)).status_code == 409
        assert (
            await client.get("/api/v1/conversations", params={"follow_up_due": True}, headers=staff.headers)
        ).json()["data"] == []
        patched = await client.patch(url, json={"summary": None, "metadata": {"x": 1}}, headers=staff.headers)
        assert patched.json()["data"]["summary"] is None and patched.json()["data"]["metadata"] == {"x": 1}
        assert (await client.delete(url, headers=staff.headers)).status_code == 200
        assert (await client.get(url, headers=staff.headers)).status_code == 404

    async def test_one_recorded_with_a_start_long_ago_ends_with_its_duration(
        self, client: httpx.AsyncClient, make_actor: MakeActor, make_customer: MakeCustomer
    ) -> None:
        """Found by the OpenAPI fuzzer: the duration outgrew a 32-bit integer (68 years) and ending was a 500; and
        year 1 is refused (asyncpg would store its first instant as -infinity)."""
        staff = await make_actor(Role.staff)
        customer = await make_customer(staff.tenant)
        body = {"customer_id": str(customer.id), "channel": "phone", "started_at": "1900-01-01T00:00:00Z"}
        created = await client.post("/api/v1/conversations", json=body, headers=staff.headers)
        assert created.status_code == 201, created.text
        ended = await client.post(
            f"/api/v1/conversations/{created.json()['data']['id']}/end", json={}, headers=staff.headers
        )
        assert ended.status_code == 200, ended.text
        assert ended.json()["data"]["duration_seconds"] > 2**31  # about 4 billion seconds

        for too_early_or_late in ("0001-01-01T00:00:00Z", "1899-12-31T23:59:59Z", "9999-12-31T23:59:59Z"):
            refused = await client.post(
                "/api/v1/conversations", json={**body, "started_at": too_early_or_late}, headers=staff.headers
            )
            assert refused.status_code == 422, (too_early_or_late, refused.text)
            assert "1900" in refused.text

    async def test_across_customers_with_names_most_overdue_follow_up_first(
        self, client: httpx.AsyncClient, make_actor: MakeActor, make_customer: MakeCustomer
    ) -> None:
        staff = await make_actor(Role.staff)
        theirs = await make_actor(Role.staff)
        alpha = await make_customer(staff.tenant, name="Alpha Bakery")
        beta = await make_customer(staff.tenant, name="Beta Barbers")
        foreign = await make_customer(theirs.tenant, name="Foreign Forge")
        ids = {}
        for key, customer, actor, follow_up in (
            ("alpha", alpha, staff, "2026-01-05T10:00:00Z"),
            ("beta", beta, staff, "2026-01-03T10:00:00Z"),
            ("later", beta, staff, "2999-01-01T10:00:00Z"),
            ("foreign", foreign, theirs, "2026-01-01T10:00:00Z"),
        ):
            created = await client.post(
                "/api/v1/conversations",
                json={"customer_id": str(customer.id), "channel": "sms", "follow_up_at": follow_up},
                headers=actor.headers,
            )
            ids[key] = created.json()["data"]["id"]
        due = await client.get("/api/v1/conversations", params={"follow_up_due": True}, headers=staff.headers)
        assert [(c["id"], c["customer_name"]) for c in due.json()["data"]] == [
            (ids["beta"], "Beta Barbers"),
            (ids["alpha"], "Alpha Bakery"),
        ]
        everything = (await client.get("/api/v1/conversations", headers=staff.headers)).json()
        assert everything["meta"]["pagination"]["total"] == 3 and "Foreign" not in str(everything)


async def queued_question_jobs(redis: aioredis.Redis, question_ids: set[str]) -> list[dict[str, Any]]:
    messages = [json.loads(m) for m in await redis.hvals(QueueKeys.of("embeddings").messages)]
    return [m for m in messages if m["actor_name"] == "crm.embed_question" and m["args"][0] in question_ids]


class TestMergingByEmbedding:
    """Paraphrases in other words (text and trigrams differ) are merged once the job has embedded them."""

    async def test_a_paraphrase_is_merged_into_the_earlier_question_and_a_different_one_is_not(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        redis: aioredis.Redis,
        make_actor: MakeActor,
        new_unit: UnitOfWork,
    ) -> None:
        staff = await make_actor(Role.staff)
        texts = [
            "Do you offer gluten-free pizza?",
            "Is gluten-free pizza something you offer?",  # cosine distance 0.16 from the first (hashing embedder)
            "Do you offer vegan pizza?",  # 0.39: same topic, another question
        ]
        asked = []
        for question in texts:
            response = await client.post(Q, json={"question": question}, headers=staff.headers)
            assert response.status_code == 201, response.text  # not merged by text: the words differ
            asked.append(response.json()["data"])
        ids = [question["id"] for question in asked]
        jobs = await queued_question_jobs(redis, set(ids))
        assert sorted(job["args"][0] for job in jobs) == sorted(ids)
        assert all(job["kwargs"] == {"tenant_id": str(staff.tenant.id)} for job in jobs)

        embedder = HashingEmbedder()
        for question_id in reversed(ids):  # whichever runs first, the earliest question is the one kept
            await embed_and_merge(new_unit, embedder, staff.tenant.id, uuid.UUID(question_id))
        for question_id in ids:  # a redelivered job does nothing more
            await embed_and_merge(new_unit, embedder, staff.tenant.id, uuid.UUID(question_id))

        listed = (await client.get(Q, headers=staff.headers)).json()["data"]
        state = {q["question"]: (q["status"], q["times_asked"], q["merged_into_id"]) for q in listed}
        assert state == {
            texts[0]: ("open", 2, None),
            texts[1]: ("merged", 1, ids[0]),
            texts[2]: ("open", 1, None),
        }
        rows = (
            await session.execute(select(PendingQuestion).where(PendingQuestion.tenant_id == staff.tenant.id))
        ).scalars()
        assert {row.embedding_model for row in rows} == {embedder.model_name}

    async def test_asking_the_paraphrase_again_counts_on_the_kept_question(
        self, client: httpx.AsyncClient, make_actor: MakeActor, new_unit: UnitOfWork
    ) -> None:
        staff = await make_actor(Role.staff)
        embedder = HashingEmbedder()

        async def ask(question: str) -> dict[str, Any]:
            response = await client.post(Q, json={"question": question}, headers=staff.headers)
            assert response.status_code in (200, 201), response.text
            data: dict[str, Any] = response.json()["data"]
            await embed_and_merge(new_unit, embedder, staff.tenant.id, uuid.UUID(data["id"]))
            return data

        first = await ask("Do you offer gluten-free pizza?")
        await ask("Is gluten-free pizza something you offer?")
        await ask("Is gluten-free pizza something you offer?")  # the merged one is closed: counted again
        kept = (await client.get(f"{Q}/{first['id']}", headers=staff.headers)).json()["data"]
        assert (kept["status"], kept["times_asked"]) == ("open", 3)
        open_ones = (await client.get(Q, params={"status": "open"}, headers=staff.headers)).json()["data"]
        assert [q["id"] for q in open_ones] == [first["id"]]
