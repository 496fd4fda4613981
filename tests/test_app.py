from __future__ import annotations

import httpx


class TestOpenApi:
    async def test_document_lists_routes_and_their_errors(self, client: httpx.AsyncClient) -> None:
        document = (await client.get("/openapi.json")).json()
        login = document["paths"]["/api/v1/auth/login"]["post"]
        assert {"200", "401", "422", "429"} <= set(login["responses"])
        error_schema = login["responses"]["401"]["content"]["application/json"]["schema"]["$ref"]
        assert error_schema.endswith("/ErrorEnvelope")
        for path in ("/api/v1/messages", "/api/v1/knowledge", "/api/v1/search/{mode}", "/api/v1/queue/stats"):
            assert path in document["paths"], path
        assert document["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"

    async def test_docs_page_is_served(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/docs")
        assert response.status_code == 200 and "swagger" in response.text.lower()
