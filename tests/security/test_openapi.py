"""Finding 7: the OpenAPI document says what the API answers, so a generated client can trust it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest


@pytest.fixture
async def document(client: httpx.AsyncClient) -> dict[str, Any]:
    return (await client.get("/openapi.json")).json()  # type: ignore[no-any-return]


class TestMethodNotAllowed:
    @pytest.mark.parametrize(
        ("method", "path", "allowed"),
        [
            ("PUT", "/api/v1/knowledge", "GET, POST"),
            ("PUT", "/api/v1/users/00000000-0000-0000-0000-000000000000", "DELETE, GET, PATCH"),
            ("DELETE", "/health", "GET"),
            ("GET", "/api/v1/queue/failed/retry", "POST"),  # a concrete path, not /failed/{job_id}
        ],
    )
    async def test_allow_lists_every_method_of_the_path(
        self, client: httpx.AsyncClient, method: str, path: str, allowed: str
    ) -> None:
        response = await client.request(method, path)
        assert response.status_code == 405
        assert response.headers["Allow"] == allowed
        assert response.json()["error"]["code"] == "method_not_allowed"


class TestDocumentedAnswers:
    async def test_patch_bodies_take_null_only_where_it_clears(self, document: dict[str, Any]) -> None:
        update = document["components"]["schemas"]["UserUpdate"]["properties"]
        for name in ("name", "role", "is_active", "password"):
            assert {"type": "null"} not in update[name].get("anyOf", []), name
        entry = document["components"]["schemas"]["KnowledgeEntryUpdate"]["properties"]
        assert {"type": "null"} in entry["category"]["anyOf"]  # cleared with null
        assert {"type": "null"} not in entry["is_public"].get("anyOf", [])

    async def test_every_body_declares_the_kits_refusals(self, document: dict[str, Any]) -> None:
        for path, operations in document["paths"].items():
            for method, operation in operations.items():
                if "requestBody" in operation:
                    assert {"400", "413", "422"} <= set(operation["responses"]), f"{method.upper()} {path}"

    async def test_an_undecodable_body_is_the_documented_400(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            "/api/v1/auth/login", content=b"\x80 not utf-8", headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "bad_request"
