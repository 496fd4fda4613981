from __future__ import annotations

import gc

import httpx

from fibonacco.app import create_app
from fibonacco.config import Settings


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


class TestStartup:
    async def test_what_startup_loaded_is_frozen_out_of_full_collections(self, settings: Settings) -> None:
        app = create_app(settings)
        gc.unfreeze()
        try:
            async with app.router.lifespan_context(app):
                assert gc.get_freeze_count() > 10_000  # the modules, routes and schemas, not collected again
        finally:
            gc.unfreeze()  # the rest of the test session collects as usual
