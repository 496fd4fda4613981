"""Votes: one per voter per entry (a second vote replaces the first), counts always equal to the votes held."""

from __future__ import annotations

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from fibonacco.auth.models import Role
from fibonacco.knowledge.models import KnowledgeVote
from tests.fixtures import MakeActor
from tests.knowledge.conftest import MakeEntry


async def vote(client: httpx.AsyncClient, url: str, helpful: bool, **extra: object) -> dict[str, object]:
    response = await client.post(url, json={"helpful": helpful, **extra.pop("body", {})}, **extra)  # type: ignore[arg-type]
    assert response.status_code == 200, response.text
    data: dict[str, object] = response.json()["data"]
    return data


class TestSignedInVotes:
    async def test_one_vote_per_user_and_changing_it(
        self, client: httpx.AsyncClient, make_actor: MakeActor, make_entry: MakeEntry, session: AsyncSession
    ) -> None:
        alice = await make_actor(Role.viewer)
        bob = await make_actor(Role.viewer, tenant=alice.tenant)
        entry = await make_entry(alice.tenant, helpful_count=0)
        url = f"/api/v1/knowledge/{entry.id}/vote"

        assert await vote(client, url, True, headers=alice.headers) == {
            "entry_id": str(entry.id),
            "helpful": True,
            "helpful_count": 1,
            "not_helpful_count": 0,
        }
        again = await vote(client, url, True, headers=alice.headers)
        assert (again["helpful_count"], again["not_helpful_count"]) == (1, 0)
        changed = await vote(client, url, False, headers=alice.headers)
        assert (changed["helpful_count"], changed["not_helpful_count"]) == (0, 1)
        other = await vote(client, url, False, headers=bob.headers)
        assert (other["helpful_count"], other["not_helpful_count"]) == (0, 2)

        votes = await session.scalar(select(func.count()).where(KnowledgeVote.entry_id == entry.id))
        assert votes == 2

    async def test_vote_body_is_validated(
        self, client: httpx.AsyncClient, make_actor: MakeActor, make_entry: MakeEntry
    ) -> None:
        viewer = await make_actor(Role.viewer)
        entry = await make_entry(viewer.tenant)
        response = await client.post(f"/api/v1/knowledge/{entry.id}/vote", json={}, headers=viewer.headers)
        assert response.status_code == 422


class TestPublicVotes:
    async def test_one_vote_per_visitor(
        self, client: httpx.AsyncClient, make_actor: MakeActor, make_entry: MakeEntry, session: AsyncSession
    ) -> None:
        owner = await make_actor(Role.owner)
        entry = await make_entry(owner.tenant, is_public=True)
        url = f"/api/v1/public/{owner.tenant.slug}/knowledge/{entry.id}/vote"

        first = await vote(client, url, True, body={"visitor_id": "visitor-0001"})
        repeat = await vote(client, url, True, body={"visitor_id": "visitor-0001"})
        assert first["helpful_count"] == repeat["helpful_count"] == 1
        second_visitor = await vote(client, url, False, body={"visitor_id": "visitor-0002"})
        assert (second_visitor["helpful_count"], second_visitor["not_helpful_count"]) == (1, 1)
        # Without a visitor id the client address stands in, and counts once too.
        await vote(client, url, True)
        by_address = await vote(client, url, True)
        assert by_address["helpful_count"] == 2

        keys = (await session.execute(select(KnowledgeVote.voter_key))).scalars().all()
        assert all(key.startswith("anon:") and "visitor" not in key for key in keys)

    async def test_private_entries_cannot_be_voted_on_publicly(
        self, client: httpx.AsyncClient, make_actor: MakeActor, make_entry: MakeEntry
    ) -> None:
        owner = await make_actor(Role.owner)
        entry = await make_entry(owner.tenant, is_public=False)
        response = await client.post(
            f"/api/v1/public/{owner.tenant.slug}/knowledge/{entry.id}/vote", json={"helpful": True}
        )
        assert response.status_code == 404

    async def test_public_votes_are_rate_limited(
        self, client: httpx.AsyncClient, make_actor: MakeActor, make_entry: MakeEntry
    ) -> None:
        owner = await make_actor(Role.owner)
        entry = await make_entry(owner.tenant, is_public=True)
        url = f"/api/v1/public/{owner.tenant.slug}/knowledge/{entry.id}/vote"
        statuses = [
            (await client.post(url, json={"helpful": True, "visitor_id": f"visitor-{i:04}"})).status_code
            for i in range(21)
        ]
        assert statuses[:20] == [200] * 20 and statuses[20] == 429
