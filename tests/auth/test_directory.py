"""The user directory: names and emails of the tenant's active users, for every CRM role's owner pickers."""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from fibonacco.auth.models import Role
from tests.fixtures import MakeActor

DIRECTORY = "/api/v1/users/directory"


class TestDirectory:
    async def test_every_crm_role_lists_active_users_without_their_roles(
        self, client: httpx.AsyncClient, session: AsyncSession, make_actor: MakeActor
    ) -> None:
        admin = await make_actor(Role.admin)
        viewer = await make_actor(Role.viewer, tenant=admin.tenant)
        staff = await make_actor(Role.staff, tenant=admin.tenant)
        gone = await make_actor(Role.staff, tenant=admin.tenant)
        gone.user.is_active = False
        await session.commit()

        for actor in (viewer, staff):
            response = await client.get(DIRECTORY, params={"per_page": 100}, headers=actor.headers)
            assert response.status_code == 200, response.text
            users = response.json()["data"]
            assert {user["id"] for user in users} == {str(admin.user.id), str(viewer.user.id), str(staff.user.id)}
            assert all(set(user) == {"id", "name", "email"} for user in users)
            assert response.json()["meta"]["pagination"]["total"] == 3

    async def test_search_by_name_or_email(
        self, client: httpx.AsyncClient, session: AsyncSession, make_actor: MakeActor
    ) -> None:
        viewer = await make_actor(Role.viewer)
        other = await make_actor(Role.staff, tenant=viewer.tenant)
        other.user.name = "Zelda 100% Fitzgerald"
        await session.commit()

        by_name = await client.get(DIRECTORY, params={"q": "zeLDa"}, headers=viewer.headers)
        assert [user["id"] for user in by_name.json()["data"]] == [str(other.user.id)]
        by_email = await client.get(DIRECTORY, params={"q": viewer.user.email.upper()}, headers=viewer.headers)
        assert [user["id"] for user in by_email.json()["data"]] == [str(viewer.user.id)]
        # LIKE's wildcards are plain characters here.
        literal = await client.get(DIRECTORY, params={"q": "100%"}, headers=viewer.headers)
        assert [user["id"] for user in literal.json()["data"]] == [str(other.user.id)]
        assert (await client.get(DIRECTORY, params={"q": "_"}, headers=viewer.headers)).json()["data"] == []

    async def test_only_the_ids_asked_for(
        self, client: httpx.AsyncClient, session: AsyncSession, make_actor: MakeActor
    ) -> None:
        """How a page names the owners it shows: this tenant's active users among the ids, and no one else."""
        viewer = await make_actor(Role.viewer)
        owner = await make_actor(Role.staff, tenant=viewer.tenant)
        gone = await make_actor(Role.staff, tenant=viewer.tenant)
        gone.user.is_active = False
        theirs = await make_actor(Role.owner)
        await session.commit()
        asked = [owner.user.id, gone.user.id, theirs.user.id, uuid.uuid4()]
        response = await client.get(DIRECTORY, params={"id": [str(i) for i in asked]}, headers=viewer.headers)
        assert response.status_code == 200, response.text
        assert [user["id"] for user in response.json()["data"]] == [str(owner.user.id)]
        too_many = await client.get(
            DIRECTORY, params={"id": [str(uuid.uuid4()) for _ in range(101)]}, headers=viewer.headers
        )
        assert too_many.status_code == 422 and too_many.json()["error"]["details"][0]["field"] == "query.id"
        not_an_id = await client.get(DIRECTORY, params={"id": "nope"}, headers=viewer.headers)
        assert not_an_id.status_code == 422

    async def test_another_tenants_users_never_appear(self, client: httpx.AsyncClient, make_actor: MakeActor) -> None:
        mine = await make_actor(Role.viewer)
        theirs = await make_actor(Role.owner)
        response = await client.get(DIRECTORY, params={"q": theirs.user.email}, headers=mine.headers)
        assert response.status_code == 200 and response.json()["data"] == []
        everyone = await client.get(DIRECTORY, params={"per_page": 100}, headers=mine.headers)
        assert [user["id"] for user in everyone.json()["data"]] == [str(mine.user.id)]

    async def test_a_token_without_crm_read_is_refused(self, client: httpx.AsyncClient, make_actor: MakeActor) -> None:
        actor = await make_actor(Role.owner, abilities=["knowledge:read"])
        response = await client.get(DIRECTORY, headers=actor.headers)
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "forbidden"
        assert (await client.get(DIRECTORY)).status_code == 401

    async def test_another_method_on_it_is_a_405_not_a_users_route(
        self, client: httpx.AsyncClient, make_actor: MakeActor
    ) -> None:
        """`/users/{user_id:uuid}`: `directory` is no user id, so PATCH and DELETE here name the allowed method."""
        admin = await make_actor(Role.admin)
        for method in ("PATCH", "DELETE"):
            response = await client.request(method, "/api/v1/users/directory", headers=admin.headers, json={})
            assert response.status_code == 405, response.text
            assert response.headers["Allow"] == "GET"
