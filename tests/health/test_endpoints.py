from __future__ import annotations

from pathlib import Path

import httpx
from fastapi import FastAPI

from fibonacco.config import Settings
from fibonacco.devstack.embedded import EmbeddedRedis, free_port
from fibonacco.kit.redis import create_redis


class TestHealth:
    async def test_liveness_is_cheap_and_ok(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/health")
        assert response.status_code == 200
        assert response.json() == {"status": "ok"}
        assert response.headers["X-Request-ID"]


class TestReadiness:
    async def test_ready_when_database_and_redis_answer(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/health/ready")
        assert response.status_code == 200
        assert response.json()["checks"] == {"database": "ok", "redis": "ok"}

    async def test_stopped_redis_answers_503_naming_it(
        self, app: FastAPI, client: httpx.AsyncClient, settings: Settings, tmp_dir: Path
    ) -> None:
        port = free_port()
        server = EmbeddedRedis(tmp_dir, port, persistent=False)
        server.start()
        app.state.redis = create_redis(settings.model_copy(update={"REDIS_PORT": port}))
        try:
            assert (await client.get("/health/ready")).status_code == 200
            server.stop()
            response = await client.get("/health/ready")
        finally:
            server.stop()
            await app.state.redis.aclose()
        assert response.status_code == 503
        error = response.json()["error"]
        assert error["code"] == "service_unavailable"
        assert "redis" in error["message"]
        assert error["details"]["checks"]["database"] == "ok"
        assert error["details"]["checks"]["redis"].startswith("unavailable")

    async def test_unreachable_database_answers_503_naming_it(
        self, app: FastAPI, client: httpx.AsyncClient, settings: Settings
    ) -> None:
        from fibonacco.kit.db import create_engine

        dead = create_engine(settings.model_copy(update={"DB_PORT": free_port()}), pool_size=1)
        app.state.engine = dead
        try:
            response = await client.get("/health/ready")
        finally:
            await dead.dispose()
        assert response.status_code == 503
        assert "database" in response.json()["error"]["message"]
        assert response.json()["error"]["details"]["checks"]["redis"] == "ok"


class TestCors:
    async def test_allowed_origin_gets_cors_headers(self, settings: Settings) -> None:
        from fibonacco.app import create_app

        app = create_app(settings.model_copy(update={"CORS_ORIGINS": ["https://app.example.com"]}))
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            allowed = await client.get("/health", headers={"Origin": "https://app.example.com"})
            other = await client.get("/health", headers={"Origin": "https://evil.example.com"})
        assert allowed.headers["access-control-allow-origin"] == "https://app.example.com"
        assert "access-control-allow-origin" not in other.headers
