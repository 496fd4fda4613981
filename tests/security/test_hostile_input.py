"""Finding 6: hostile input answers 4xx in the envelope, never 500."""

from __future__ import annotations

import json

import httpx

from fibonacco.auth.models import Role
from fibonacco.kit.middleware import MAX_BODY_BYTES, MAX_JSON_DEPTH
from tests.fixtures import MakeActor


class TestFiles:
    async def test_an_impossibly_long_file_name_is_not_found(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/files/" + "a" * 300)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


class TestBodies:
    async def test_deeply_nested_json_is_refused_at_the_door(
        self, client: httpx.AsyncClient, make_actor: MakeActor
    ) -> None:
        actor = await make_actor(Role.staff)
        nested: object = "bottom"
        for _ in range(500):
            nested = {"deeper": nested}
        body = {"title": "Deep", "content": "Deep metadata.", "metadata": nested}
        response = await client.post("/api/v1/knowledge", json=body, headers=actor.headers)
        assert response.status_code == 422
        assert str(MAX_JSON_DEPTH) in response.json()["error"]["details"][0]["message"]

    async def test_brackets_inside_strings_do_not_count(self, client: httpx.AsyncClient, make_actor: MakeActor) -> None:
        actor = await make_actor(Role.staff)
        body = {"title": "Brackets", "content": "[" * 100 + "{" * 100, "metadata": {"note": "]]]}}}"}}
        response = await client.post("/api/v1/knowledge", json=body, headers=actor.headers)
        assert response.status_code == 201, response.text

    async def test_an_oversized_body_is_refused(self, client: httpx.AsyncClient, make_actor: MakeActor) -> None:
        actor = await make_actor(Role.staff)
        content = json.dumps({"title": "Big", "content": "x" * (MAX_BODY_BYTES + 1)})
        headers = {**actor.headers, "Content-Type": "application/json"}
        response = await client.post("/api/v1/knowledge", content=content, headers=headers)
        assert response.status_code == 413
        assert response.json()["error"]["code"] == "payload_too_large"
