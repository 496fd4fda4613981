from __future__ import annotations

import httpx


class TestHealth:
    async def test_liveness_is_cheap_and_ok(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/health")
        assert response.status_code == 200
        assert response.json() == {"status": "ok"}
        assert response.headers["X-Request-ID"]
