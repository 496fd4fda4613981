"""Finding 4: no statement parameters, hashes, emails or tokens in any log line; an error is logged once."""

from __future__ import annotations

import json

import httpx
import pytest
import redis.asyncio as aioredis
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from fibonacco.app import create_app
from fibonacco.auth.passwords import hash_password
from fibonacco.config import Settings
from fibonacco.kit.db import create_engine

SECRET_EMAIL = "victim@example.com"
SECRET_TOKEN = "fib_" + "x" * 40


def _app_that_fails(settings: Settings, engine: AsyncEngine, redis: aioredis.Redis, failure: str) -> FastAPI:
    app = create_app(settings.model_copy(update={"LOG_FORMAT": "json", "LOG_LEVEL": "INFO"}))
    app.state.engine, app.state.redis = engine, redis

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError(failure)

    return app


def _lines(captured: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in captured.splitlines() if line.startswith("{")]


class TestStatementParameters:
    async def test_a_failed_statement_never_shows_its_parameters(self, settings: Settings) -> None:
        engine = create_engine(settings, pool_size=1, role=None)
        try:
            async with engine.connect() as connection:
                with pytest.raises(IntegrityError) as caught:
                    await connection.execute(
                        text("INSERT INTO users (id, tenant_id, email, name, password_hash, role) "
                             "VALUES (gen_random_uuid(), gen_random_uuid(), :email, 'x', :hash, 'viewer')"),
                        {"email": SECRET_EMAIL, "hash": "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA"},
                    )  # fmt: skip
        finally:
            await engine.dispose()
        assert SECRET_EMAIL not in str(caught.value) and "argon2" not in str(caught.value)


class TestUnhandledErrors:
    async def test_logged_once_with_the_request_id_and_redacted(
        self, settings: Settings, engine: AsyncEngine, redis: aioredis.Redis, capsys: pytest.CaptureFixture[str]
    ) -> None:
        password_hash = hash_password("a password nobody may see")
        failure = f"duplicate key (email)=({SECRET_EMAIL}) hash {password_hash} Bearer {SECRET_TOKEN}"
        app = _app_that_fails(settings, engine, redis, failure)
        # raise_app_exceptions: an error escaping the application is what the server would log a second time.
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=True)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            response = await client.get("/boom", headers={"X-Request-ID": "probe-1"})
        assert response.status_code == 500
        assert response.json()["error"] == {"message": "Server error.", "code": "server_error", "details": None}
        assert response.headers["X-Request-ID"] == "probe-1"
        captured = capsys.readouterr().out
        errors = [line for line in _lines(captured) if line["event"] == "unhandled_error"]
        assert len(errors) == 1
        assert errors[0]["request_id"] == "probe-1" and "RuntimeError" in str(errors[0]["exception"])
        for secret in (SECRET_EMAIL, password_hash, SECRET_TOKEN, "$argon2"):
            assert secret not in captured
