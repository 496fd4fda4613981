"""Every failure answers the documented error envelope; none leaks a traceback."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from fibonacco.auth.models import Role
from tests.fixtures import MakeActor


def assert_error(response: httpx.Response, status: int, code: str) -> dict[str, object]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"message", "code", "details"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert "Traceback" not in response.text
    return body["error"]  # type: ignore[no-any-return]


class TestErrorEnvelope:
    async def test_401_without_token(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/api/v1/auth/me")
        assert_error(response, 401, "unauthenticated")
        assert response.headers["WWW-Authenticate"] == "Bearer"

    async def test_401_with_garbage_token(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/api/v1/auth/me", headers={"Authorization": "Bearer fib_nonsense"})
        assert_error(response, 401, "unauthenticated")

    async def test_403_for_insufficient_role(self, client: httpx.AsyncClient, make_actor: MakeActor) -> None:
        viewer = await make_actor(Role.viewer)
        assert_error(await client.get("/api/v1/users", headers=viewer.headers), 403, "forbidden")

    async def test_404_unknown_route(self, client: httpx.AsyncClient) -> None:
        assert_error(await client.get("/api/v1/nope"), 404, "not_found")

    async def test_405_wrong_method(self, client: httpx.AsyncClient) -> None:
        assert_error(await client.put("/health"), 405, "method_not_allowed")

    async def test_422_lists_fields_without_echoing_input(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/api/v1/auth/login", json={"email": "not-an-email", "password": ""})
        error = assert_error(response, 422, "validation_error")
        fields = {detail["field"] for detail in error["details"]}  # type: ignore[attr-defined]
        assert fields == {"body.tenant", "body.email", "body.password"}
        assert "not-an-email" not in response.text

    async def test_422_on_malformed_json(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            "/api/v1/auth/login", content=b"{not json", headers={"Content-Type": "application/json"}
        )
        assert_error(response, 422, "validation_error")

    async def test_500_is_generic_and_logged(
        self, app: FastAPI, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
    ) -> None:
        @app.get("/boom")
        async def boom() -> None:
            raise RuntimeError("secret internal detail")

        response = await client.get("/boom")
        error = assert_error(response, 500, "server_error")
        assert "secret internal detail" not in response.text
        assert error["message"] == "Server error."
        assert response.headers.get("X-Request-ID")
        # logged once, by the request middleware, with the exception's text (redacted where secret-shaped)
        (record,) = [r for r in caplog.records if "unhandled_error" in str(r.msg)]
        assert record.name == "fibonacco.http" and "secret internal detail" in str(record.msg)


class TestRequestId:
    async def test_incoming_request_id_is_kept(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/health", headers={"X-Request-ID": "abc-123"})
        assert response.headers["X-Request-ID"] == "abc-123"

    async def test_unsafe_request_id_is_replaced(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/health", headers={"X-Request-ID": "bad id\twith spaces"})
        assert response.headers["X-Request-ID"] != "bad id\twith spaces"
        assert len(response.headers["X-Request-ID"]) == 32


class TestPagination:
    async def test_meta_pagination_totals(self, client: httpx.AsyncClient, make_actor: MakeActor) -> None:
        admin = await make_actor(Role.admin)
        for _ in range(2):
            await make_actor(Role.viewer, tenant=admin.tenant)
        response = await client.get("/api/v1/users?page=2&per_page=2", headers=admin.headers)
        assert response.status_code == 200
        body = response.json()
        assert body["meta"]["pagination"] == {"page": 2, "per_page": 2, "total": 3, "total_pages": 2}
        assert len(body["data"]) == 1

    async def test_per_page_is_capped(self, client: httpx.AsyncClient, make_actor: MakeActor) -> None:
        admin = await make_actor(Role.admin)
        response = await client.get("/api/v1/users?per_page=1000", headers=admin.headers)
        assert_error(response, 422, "validation_error")


class TestHostileInput:
    """Inputs a fuzzer found answering 500: each must be a 422 in the envelope, with nothing written."""

    async def test_nul_characters_are_refused(self, client: httpx.AsyncClient, make_actor: MakeActor) -> None:
        admin = await make_actor(Role.admin)
        in_query = await client.get("/api/v1/messages?to=a%00b", headers=admin.headers)
        assert_error(in_query, 422, "validation_error")
        body = '{"channel": "sms", "to": "+15551230000", "body_text": "a\\u0000b"}'
        in_json = await client.post(
            "/api/v1/messages", content=body, headers={**admin.headers, "Content-Type": "application/json"}
        )
        assert_error(in_json, 422, "validation_error")
        assert in_json.headers["X-Request-ID"]
        listed = await client.get("/api/v1/messages", headers=admin.headers)
        assert listed.json()["meta"]["pagination"]["total"] == 0

    async def test_an_escaped_backslash_is_not_a_nul(self, client: httpx.AsyncClient, make_actor: MakeActor) -> None:
        admin = await make_actor(Role.admin)
        body = '{"channel": "sms", "to": "+15551230000", "body_text": "path C:\\\\u0000"}'
        response = await client.post(
            "/api/v1/messages", content=body, headers={**admin.headers, "Content-Type": "application/json"}
        )
        assert response.status_code == 202, response.text
        assert response.json()["data"]["body_text"] == "path C:\\u0000"

    async def test_huge_page_number_is_refused(self, client: httpx.AsyncClient, make_actor: MakeActor) -> None:
        admin = await make_actor(Role.admin)
        response = await client.get(f"/api/v1/users?page={10**27}", headers=admin.headers)
        assert_error(response, 422, "validation_error")

    async def test_null_for_a_required_field_is_refused(self, client: httpx.AsyncClient, make_actor: MakeActor) -> None:
        admin = await make_actor(Role.admin)
        staff = await make_actor(Role.staff, tenant=admin.tenant)
        response = await client.patch(
            f"/api/v1/users/{staff.user.id}", json={"role": None, "is_active": None}, headers=admin.headers
        )
        error = assert_error(response, 422, "validation_error")
        assert "role" in str(error["details"]) and "is_active" in str(error["details"])
        entry = await client.post(
            "/api/v1/knowledge", json={"title": "Hours", "content": "We open at nine."}, headers=admin.headers
        )
        entry_id = entry.json()["data"]["id"]
        for field in ("validation_status", "title", "is_public"):
            patched = await client.patch(f"/api/v1/knowledge/{entry_id}", json={field: None}, headers=admin.headers)
            assert_error(patched, 422, "validation_error")
        cleared = await client.patch(f"/api/v1/knowledge/{entry_id}", json={"category": None}, headers=admin.headers)
        assert cleared.status_code == 200
