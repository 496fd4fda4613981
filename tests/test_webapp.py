"""The built browser app served below the API: cache headers, app routes, and the API left alone."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from fibonacco.webapp import ASSETS_CACHE, INDEX_CACHE, WebApp, mount_webapp

INDEX = "<!doctype html><title>Fibonacco</title><div id=root></div>"


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text(INDEX)
    (tmp_path / "assets" / "index-abc123.js").write_text("console.log('app')")
    (tmp_path / "favicon.svg").write_text("<svg/>")
    (tmp_path.parent / "secret.txt").write_text("outside the build")
    return tmp_path


@pytest.fixture
async def web(app: FastAPI, dist: Path) -> AsyncIterator[httpx.AsyncClient]:
    # The app under test, serving the fake build instead of whatever is in frontend/dist.
    assert mount_webapp(app, dist)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


class TestServing:
    async def test_hashed_assets_are_cached_for_a_year(self, web: httpx.AsyncClient) -> None:
        response = await web.get("/assets/index-abc123.js")
        assert response.status_code == 200 and response.text == "console.log('app')"
        assert response.headers["cache-control"] == ASSETS_CACHE
        assert response.headers["content-type"].startswith("text/javascript")

    @pytest.mark.parametrize("path", ["/", "/learn/demo", "/command-center/knowledge/123", "/login?next=/x"])
    async def test_app_routes_get_the_uncached_index(self, web: httpx.AsyncClient, path: str) -> None:
        response = await web.get(path)
        assert response.status_code == 200 and response.text == INDEX
        assert response.headers["cache-control"] == INDEX_CACHE
        assert response.headers["content-type"].startswith("text/html")

    async def test_other_build_files_are_served(self, web: httpx.AsyncClient) -> None:
        response = await web.get("/favicon.svg")
        assert response.status_code == 200 and response.text == "<svg/>"

    @pytest.mark.parametrize(
        "path", ["/assets/missing.js", "/missing.png", "/../secret.txt", "/assets/../../secret.txt"]
    )
    async def test_missing_files_are_404_not_the_index(self, web: httpx.AsyncClient, path: str) -> None:
        response = await web.get(path)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"

    async def test_the_api_is_untouched(self, web: httpx.AsyncClient) -> None:
        assert (await web.get("/health")).json() == {"status": "ok"}
        assert (await web.get("/openapi.json")).json()["info"]["title"]
        assert "swagger" in (await web.get("/docs")).text.lower()
        for path in ("/api/v1/nope", "/api/v1", "/files/nope.txt", "/health/nope"):
            response = await web.get(path)
            assert response.status_code == 404, path
            assert response.json()["error"]["code"] == "not_found"
        unauthenticated = await web.get("/api/v1/auth/me")
        assert unauthenticated.status_code == 401 and "error" in unauthenticated.json()

    async def test_only_reads_reach_the_app(self, web: httpx.AsyncClient) -> None:
        response = await web.post("/learn/demo")
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"

    async def test_a_known_path_with_the_wrong_method_stays_405(self, web: httpx.AsyncClient) -> None:
        response = await web.put("/health")
        assert response.status_code == 405 and response.json()["error"]["code"] == "method_not_allowed"

    async def test_routes_added_later_still_come_first(self, app: FastAPI, web: httpx.AsyncClient) -> None:
        @app.get("/late")
        async def late() -> dict[str, str]:
            return {"route": "late"}

        assert (await web.get("/late")).json() == {"route": "late"}


class TestMounting:
    def test_nothing_is_mounted_without_a_build(self, tmp_path: Path) -> None:
        app = FastAPI()
        assert not mount_webapp(app, tmp_path)
        assert not isinstance(app.router.default, WebApp)
