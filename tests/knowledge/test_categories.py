"""FAQ categories: a tree per tenant, listed nested and in display order, that can never hold a cycle."""

from __future__ import annotations

import httpx

from fibonacco.auth.models import Role
from tests.fixtures import Actor, MakeActor

URL = "/api/v1/faq-categories"


async def create(client: httpx.AsyncClient, actor: Actor, slug: str, **fields: object) -> dict[str, object]:
    response = await client.post(URL, json={"name": slug.title(), "slug": slug, **fields}, headers=actor.headers)
    assert response.status_code == 201, response.text
    data: dict[str, object] = response.json()["data"]
    return data


def shape(nodes: list[dict[str, object]]) -> list[object]:
    return [(node["slug"], shape(node["children"])) for node in nodes]  # type: ignore[arg-type]


class TestTree:
    async def test_listed_as_a_tree_in_display_order(self, client: httpx.AsyncClient, make_actor: MakeActor) -> None:
        staff = await make_actor(Role.staff)
        billing = await create(client, staff, "billing", display_order=2)
        account = await create(client, staff, "account", display_order=1)
        await create(client, staff, "refunds", parent_id=billing["id"], display_order=5)
        await create(client, staff, "invoices", parent_id=billing["id"], display_order=1)
        await create(client, staff, "login", parent_id=account["id"])
        response = await client.get(URL, headers=staff.headers)
        assert response.status_code == 200
        assert shape(response.json()["data"]) == [
            ("account", [("login", [])]),
            ("billing", [("invoices", []), ("refunds", [])]),
        ]

    async def test_no_cycles(self, client: httpx.AsyncClient, make_actor: MakeActor) -> None:
        staff = await make_actor(Role.staff)
        top = await create(client, staff, "top")
        middle = await create(client, staff, "middle", parent_id=top["id"])
        bottom = await create(client, staff, "bottom", parent_id=middle["id"])
        for target, parent in ((top, bottom), (top, middle), (middle, middle)):
            response = await client.patch(
                f"{URL}/{target['id']}", json={"parent_id": parent["id"]}, headers=staff.headers
            )
            assert response.status_code == 422, response.text
            assert response.json()["error"]["details"][0]["field"] == "body.parent_id"
        # A legal move still works, and moving back to the root too.
        moved = await client.patch(f"{URL}/{bottom['id']}", json={"parent_id": top["id"]}, headers=staff.headers)
        assert moved.status_code == 200 and moved.json()["data"]["parent_id"] == top["id"]
        rooted = await client.patch(f"{URL}/{bottom['id']}", json={"parent_id": None}, headers=staff.headers)
        assert rooted.json()["data"]["parent_id"] is None
        tree = await client.get(URL, headers=staff.headers)
        assert shape(tree.json()["data"]) == [("bottom", []), ("top", [("middle", [])])]

    async def test_parent_must_exist_in_the_same_tenant(self, client: httpx.AsyncClient, make_actor: MakeActor) -> None:
        mine = await make_actor(Role.staff)
        theirs = await make_actor(Role.staff)
        foreign = await create(client, theirs, "foreign")
        response = await client.post(
            URL, json={"name": "X", "slug": "x", "parent_id": foreign["id"]}, headers=mine.headers
        )
        assert response.status_code == 422
        assert (await client.get(URL, headers=mine.headers)).json()["data"] == []

    async def test_slugs_unique_per_tenant(self, client: httpx.AsyncClient, make_actor: MakeActor) -> None:
        first = await make_actor(Role.staff)
        second = await make_actor(Role.staff)
        await create(client, first, "faq")
        await create(client, second, "faq")
        again = await client.post(URL, json={"name": "Again", "slug": "faq"}, headers=first.headers)
        assert again.status_code == 409
        other = await create(client, first, "other")
        renamed = await client.patch(f"{URL}/{other['id']}", json={"slug": "faq"}, headers=first.headers)
        assert renamed.status_code == 409

    async def test_invalid_slug(self, client: httpx.AsyncClient, make_actor: MakeActor) -> None:
        staff = await make_actor(Role.staff)
        response = await client.post(URL, json={"name": "X", "slug": "Not a slug"}, headers=staff.headers)
        assert response.status_code == 422
        assert response.json()["error"]["details"][0]["field"] == "body.slug"

    async def test_delete_refuses_a_category_with_children(
        self, client: httpx.AsyncClient, make_actor: MakeActor
    ) -> None:
        staff = await make_actor(Role.staff)
        parent = await create(client, staff, "parent")
        child = await create(client, staff, "child", parent_id=parent["id"])
        assert (await client.delete(f"{URL}/{parent['id']}", headers=staff.headers)).status_code == 409
        assert (await client.delete(f"{URL}/{child['id']}", headers=staff.headers)).status_code == 200
        assert (await client.delete(f"{URL}/{parent['id']}", headers=staff.headers)).status_code == 200
        assert (await client.get(URL, headers=staff.headers)).json()["data"] == []

    async def test_viewer_cannot_write_and_other_tenant_is_not_found(
        self, client: httpx.AsyncClient, make_actor: MakeActor
    ) -> None:
        staff = await make_actor(Role.staff)
        viewer = await make_actor(Role.viewer, tenant=staff.tenant)
        stranger = await make_actor(Role.owner)
        category = await create(client, staff, "faq")
        assert (await client.post(URL, json={"name": "X", "slug": "x"}, headers=viewer.headers)).status_code == 403
        url = f"{URL}/{category['id']}"
        assert (await client.patch(url, json={"name": "Y"}, headers=stranger.headers)).status_code == 404
        assert (await client.delete(url, headers=stranger.headers)).status_code == 404
        assert (await client.get(URL, headers=stranger.headers)).json()["data"] == []
