from __future__ import annotations

import logging
from datetime import datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from fibonacco.auth.models import Role
from fibonacco.auth.passwords import hash_password
from fibonacco.auth.service import authenticate_token
from fibonacco.auth.tokens import hash_token
from fibonacco.config import Settings
from fibonacco.kit.clock import utcnow
from fibonacco.kit.db import has_written
from fibonacco.logging import _redact_secrets
from tests.fixtures import TEST_PASSWORD, Actor, MakeActor


def credentials(actor: Actor, password: str) -> dict[str, str]:
    return {"tenant": actor.tenant.slug, "email": actor.user.email, "password": password}


class TestLogin:
    async def test_login_me_logout(self, client: httpx.AsyncClient, make_actor: MakeActor) -> None:
        actor = await make_actor(Role.staff)
        response = await client.post("/api/v1/auth/login", json=credentials(actor, TEST_PASSWORD))
        assert response.status_code == 200, response.text
        data = response.json()["data"]
        token = data["token"]
        assert token.startswith("fib_") and data["token_type"] == "Bearer"
        assert data["details"]["expires_at"] is not None
        headers = {"Authorization": f"Bearer {token}"}

        me = await client.get("/api/v1/auth/me", headers=headers)
        assert me.status_code == 200
        assert me.json()["data"]["user"]["email"] == actor.user.email
        assert me.json()["data"]["tenant"]["id"] == str(actor.tenant.id)
        assert "password_hash" not in me.text

        assert (await client.post("/api/v1/auth/logout", headers=headers)).status_code == 200
        assert (await client.get("/api/v1/auth/me", headers=headers)).status_code == 401

    async def test_unknown_email_and_wrong_password_answer_alike(
        self, client: httpx.AsyncClient, make_actor: MakeActor
    ) -> None:
        actor = await make_actor()
        wrong = await client.post("/api/v1/auth/login", json=credentials(actor, "nope"))
        unknown = await client.post(
            "/api/v1/auth/login", json={"tenant": actor.tenant.slug, "email": "who@example.com", "password": "nope"}
        )
        assert wrong.status_code == unknown.status_code == 401
        assert wrong.json() == unknown.json()

    async def test_login_is_rate_limited(self, client: httpx.AsyncClient, make_actor: MakeActor) -> None:
        actor = await make_actor()
        statuses = [
            (await client.post("/api/v1/auth/login", json=credentials(actor, "x"))).status_code for _ in range(11)
        ]
        assert statuses[:10] == [401] * 10
        assert statuses[10] == 429
        blocked = await client.post("/api/v1/auth/login", json=credentials(actor, TEST_PASSWORD))
        assert blocked.status_code == 429
        assert blocked.json()["error"]["code"] == "rate_limited"
        assert int(blocked.headers["Retry-After"]) > 0

    async def test_disabled_user_cannot_log_in(
        self, client: httpx.AsyncClient, make_actor: MakeActor, session: AsyncSession
    ) -> None:
        actor = await make_actor()
        actor.user.is_active = False
        await session.commit()
        response = await client.post("/api/v1/auth/login", json=credentials(actor, TEST_PASSWORD))
        assert response.status_code == 401
        assert (await client.get("/api/v1/auth/me", headers=actor.headers)).status_code == 401


class TestTokens:
    async def test_only_a_bearer_header_with_a_token_authenticates(
        self, client: httpx.AsyncClient, make_actor: MakeActor
    ) -> None:
        """The scheme is case-insensitive and the token is trimmed, as FastAPI's `HTTPBearer` reads them."""
        token = (await make_actor()).headers["Authorization"].removeprefix("Bearer ")
        for accepted in (f"Bearer {token}", f"bearer {token}", f"Bearer   {token} "):
            assert (await client.get("/api/v1/auth/me", headers={"Authorization": accepted})).status_code == 200
        for refused in ("", "Bearer", "Bearer ", token, f"Basic {token}", f"Token {token}"):
            response = await client.get("/api/v1/auth/me", headers={"Authorization": refused})
            assert response.status_code == 401, refused
            assert response.json()["error"]["code"] == "unauthenticated"

    async def test_create_list_revoke(self, client: httpx.AsyncClient, make_actor: MakeActor) -> None:
        actor = await make_actor(Role.viewer)
        created = await client.post(
            "/api/v1/auth/tokens",
            json={"name": "ci", "abilities": ["users:read"], "expires_in_days": 7},
            headers=actor.headers,
        )
        assert created.status_code == 201, created.text
        new_token = created.json()["data"]["token"]
        token_id = created.json()["data"]["details"]["id"]

        listed = await client.get("/api/v1/auth/tokens", headers=actor.headers)
        names = {row["name"] for row in listed.json()["data"]}
        assert names == {"test", "ci"}
        assert new_token not in listed.text  # the token is shown once, at creation

        new_headers = {"Authorization": f"Bearer {new_token}"}
        assert (await client.get("/api/v1/auth/me", headers=new_headers)).status_code == 200
        revoked = await client.delete(f"/api/v1/auth/tokens/{token_id}", headers=actor.headers)
        assert revoked.status_code == 200 and revoked.json()["data"]["revoked_at"]
        assert (await client.get("/api/v1/auth/me", headers=new_headers)).status_code == 401

    async def test_only_a_hash_is_stored(self, make_actor: MakeActor) -> None:
        actor = await make_actor()
        assert actor.token_row.token_hash == hash_token(actor.token)
        assert actor.token not in actor.token_row.token_hash

    async def test_expired_token_is_refused(
        self, client: httpx.AsyncClient, make_actor: MakeActor, session: AsyncSession
    ) -> None:
        actor = await make_actor(expires_in_days=1)
        assert (await client.get("/api/v1/auth/me", headers=actor.headers)).status_code == 200
        actor.token_row.expires_at = utcnow() - timedelta(seconds=1)
        await session.commit()
        response = await client.get("/api/v1/auth/me", headers=actor.headers)
        assert response.status_code == 401

    async def test_last_used_is_recorded(
        self, client: httpx.AsyncClient, make_actor: MakeActor, session: AsyncSession
    ) -> None:
        actor = await make_actor()
        assert actor.token_row.last_used_at is None
        await client.get("/api/v1/auth/me", headers=actor.headers)
        await session.refresh(actor.token_row)
        assert actor.token_row.last_used_at is not None

    async def test_another_users_token_cannot_be_revoked(
        self, client: httpx.AsyncClient, make_actor: MakeActor
    ) -> None:
        owner = await make_actor(Role.owner)
        colleague = await make_actor(Role.staff, tenant=owner.tenant)
        response = await client.delete(f"/api/v1/auth/tokens/{colleague.token_row.id}", headers=owner.headers)
        assert response.status_code == 404

    async def test_token_abilities_limit_access(self, client: httpx.AsyncClient, make_actor: MakeActor) -> None:
        admin = await make_actor(Role.admin, abilities=["users:read"])
        assert (await client.get("/api/v1/users", headers=admin.headers)).status_code == 200
        response = await client.post(
            "/api/v1/users",
            json={"email": "new@example.com", "name": "New", "password": "long enough pw"},
            headers=admin.headers,
        )
        assert response.status_code == 403
        assert "users:write" in response.json()["error"]["message"]

    async def test_invalid_ability_is_rejected(self, client: httpx.AsyncClient, make_actor: MakeActor) -> None:
        actor = await make_actor()
        response = await client.post(
            "/api/v1/auth/tokens", json={"name": "x", "abilities": ["rm -rf"]}, headers=actor.headers
        )
        assert response.status_code == 422


class TestUsersAndTenancy:
    async def test_admin_manages_users_in_own_tenant(self, client: httpx.AsyncClient, make_actor: MakeActor) -> None:
        admin = await make_actor(Role.admin)
        created = await client.post(
            "/api/v1/users",
            json={
                "email": "Staff@Example.com",
                "name": "Staff",
                "password": "long enough pw",
                "role": "staff",
            },
            headers=admin.headers,
        )
        assert created.status_code == 201, created.text
        user = created.json()["data"]
        assert user["email"] == "staff@example.com" and user["tenant_id"] == str(admin.tenant.id)
        duplicate = await client.post(
            "/api/v1/users",
            json={"email": "staff@example.com", "name": "Again", "password": "long enough pw"},
            headers=admin.headers,
        )
        assert duplicate.status_code == 409
        updated = await client.patch(f"/api/v1/users/{user['id']}", json={"role": "viewer"}, headers=admin.headers)
        assert updated.json()["data"]["role"] == "viewer"
        assert (await client.delete(f"/api/v1/users/{user['id']}", headers=admin.headers)).status_code == 200
        assert (await client.get(f"/api/v1/users/{user['id']}", headers=admin.headers)).status_code == 404

    async def test_admin_cannot_promote_to_owner(self, client: httpx.AsyncClient, make_actor: MakeActor) -> None:
        admin = await make_actor(Role.admin)
        staff = await make_actor(Role.staff, tenant=admin.tenant)
        response = await client.patch(f"/api/v1/users/{staff.user.id}", json={"role": "owner"}, headers=admin.headers)
        assert response.status_code == 403

    async def test_other_tenants_rows_are_not_found(self, client: httpx.AsyncClient, make_actor: MakeActor) -> None:
        mine = await make_actor(Role.owner)
        theirs = await make_actor(Role.owner)
        target = f"/api/v1/users/{theirs.user.id}"
        assert (await client.get(target, headers=mine.headers)).status_code == 404
        assert (await client.patch(target, json={"name": "Hacked"}, headers=mine.headers)).status_code == 404
        assert (await client.delete(target, headers=mine.headers)).status_code == 404
        listed = await client.get("/api/v1/users", headers=mine.headers)
        assert str(theirs.user.id) not in listed.text
        # and the row is untouched
        still = await client.get(target, headers=theirs.headers)
        assert still.status_code == 200 and still.json()["data"]["name"] != "Hacked"


class TestLoginAcrossAccounts:
    async def test_one_address_trying_many_accounts_is_limited(
        self, app: FastAPI, client: httpx.AsyncClient, settings: Settings
    ) -> None:
        # A low limit (the address may try 10x it across accounts), so the attempts fit in the 60-second window
        # however slow the password hashing is on a busy machine.
        app.state.settings = settings.model_copy(update={"AUTH_LOGIN_RATE_LIMIT": 2})
        statuses = [
            (
                await client.post(
                    "/api/v1/auth/login", json={"tenant": "acme", "email": f"user{i}@example.com", "password": "guess"}
                )
            ).status_code
            for i in range(21)
        ]
        assert statuses[:20] == [401] * 20
        assert statuses[20] == 429


class TestSecretsStayOutOfLogs:
    async def test_passwords_and_tokens_are_never_logged(
        self, client: httpx.AsyncClient, make_actor: MakeActor, caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.set_level(logging.DEBUG)
        actor = await make_actor()
        login = await client.post("/api/v1/auth/login", json=credentials(actor, TEST_PASSWORD))
        token = login.json()["data"]["token"]
        await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
        await client.post("/api/v1/auth/login", json=credentials(actor, "wrong password 1"))
        logged = " ".join(str(record.msg) for record in caplog.records)
        assert "request" in logged  # the access lines were captured
        for secret in (TEST_PASSWORD, token, "wrong password 1", actor.token):
            assert secret not in logged
        # and a careless log call naming a secret is redacted by the pipeline itself
        event = _redact_secrets(None, "info", {"event": "x", "api_key": "sk-live", "db_password": "p"})
        assert event == {"event": "x", "api_key": "[redacted]", "db_password": "[redacted]"}


class TestNoEscalation:
    """Finding 1: a token never mints a token above itself, and no token acts above its user's role."""

    async def test_a_restricted_token_cannot_mint_a_full_token(
        self, client: httpx.AsyncClient, make_actor: MakeActor
    ) -> None:
        actor = await make_actor(Role.owner, abilities=["knowledge:read", "tokens:write"])
        for abilities in (["*"], ["users:write"], ["knowledge:read", "messages:read"]):
            response = await client.post(
                "/api/v1/auth/tokens", json={"name": "more", "abilities": abilities}, headers=actor.headers
            )
            assert response.status_code == 403, abilities
            assert response.json()["error"]["details"]["field"] == "abilities"
        narrower = await client.post(
            "/api/v1/auth/tokens", json={"name": "less", "abilities": ["knowledge:read"]}, headers=actor.headers
        )
        assert narrower.status_code == 201
        assert narrower.json()["data"]["details"]["abilities"] == ["knowledge:read"]

    async def test_creating_tokens_needs_its_own_ability(
        self, client: httpx.AsyncClient, make_actor: MakeActor
    ) -> None:
        actor = await make_actor(Role.owner, abilities=["knowledge:read"])
        response = await client.post(
            "/api/v1/auth/tokens", json={"name": "same", "abilities": ["knowledge:read"]}, headers=actor.headers
        )
        assert response.status_code == 403
        assert "tokens:write" in response.json()["error"]["message"]
        assert (await client.get("/api/v1/auth/tokens", headers=actor.headers)).status_code == 403

    async def test_a_minted_token_expires_no_later_than_its_parent(
        self, client: httpx.AsyncClient, make_actor: MakeActor
    ) -> None:
        actor = await make_actor(expires_in_days=1)
        response = await client.post("/api/v1/auth/tokens", json={"name": "forever"}, headers=actor.headers)
        assert response.status_code == 201
        expires_at = response.json()["data"]["details"]["expires_at"]
        assert expires_at is not None
        assert datetime.fromisoformat(expires_at) <= actor.token_row.expires_at

    async def test_a_full_token_never_acts_above_its_users_role(
        self, client: httpx.AsyncClient, make_actor: MakeActor
    ) -> None:
        viewer = await make_actor(Role.viewer)
        minted = await client.post("/api/v1/auth/tokens", json={"name": "all"}, headers=viewer.headers)
        headers = {"Authorization": f"Bearer {minted.json()['data']['token']}"}
        new_user = {"email": "x@example.com", "name": "X", "password": "long enough pw", "role": "owner"}
        assert (await client.post("/api/v1/users", json=new_user, headers=headers)).status_code == 403
        assert (await client.get("/api/v1/messages", headers=headers)).status_code == 403


class TestNoCrossTenantOracle:
    """Finding 2: emails are unique per tenant, so nothing about another tenant's users shows."""

    async def test_another_tenants_email_is_free_here(self, client: httpx.AsyncClient, make_actor: MakeActor) -> None:
        mine = await make_actor(Role.admin)
        theirs = await make_actor(Role.admin)
        body = {"email": theirs.user.email.upper(), "name": "Same Address", "password": "long enough pw"}
        created = await client.post("/api/v1/users", json=body, headers=mine.headers)
        assert created.status_code == 201, created.text
        again = await client.post("/api/v1/users", json=body, headers=mine.headers)
        assert again.status_code == 409 and again.json()["error"]["details"]["field"] == "email"

    async def test_login_names_the_tenant(
        self, client: httpx.AsyncClient, make_actor: MakeActor, session: AsyncSession
    ) -> None:
        first = await make_actor(Role.staff)
        second = await make_actor(Role.staff)
        # the same address in two tenants, with different passwords
        second.user.email = first.user.email
        second.user.password_hash = hash_password("another long password")
        await session.commit()
        as_first = await client.post("/api/v1/auth/login", json=credentials(first, TEST_PASSWORD))
        as_second = await client.post("/api/v1/auth/login", json={**credentials(second, "another long password")})
        assert as_first.json()["data"]["user"]["tenant_id"] == str(first.tenant.id)
        assert as_second.json()["data"]["user"]["tenant_id"] == str(second.tenant.id)
        crossed = await client.post("/api/v1/auth/login", json={**credentials(second, TEST_PASSWORD)})
        unknown_tenant = await client.post(
            "/api/v1/auth/login", json={**credentials(first, TEST_PASSWORD), "tenant": "nowhere"}
        )
        assert crossed.status_code == unknown_tenant.status_code == 401
        assert crossed.json() == unknown_tenant.json()

    async def test_a_disabled_tenant_cannot_log_in(
        self, client: httpx.AsyncClient, make_actor: MakeActor, session: AsyncSession
    ) -> None:
        actor = await make_actor()
        actor.tenant.is_active = False
        await session.commit()
        response = await client.post("/api/v1/auth/login", json=credentials(actor, TEST_PASSWORD))
        assert response.status_code == 401


class TestAuthenticationReadsFresh:
    """The token and its user are read anew, as one plain row, on every request: nothing about them is cached."""

    async def test_a_changed_role_applies_to_the_next_request(
        self, client: httpx.AsyncClient, make_actor: MakeActor, session: AsyncSession
    ) -> None:
        admin = await make_actor(Role.admin)
        assert (await client.get("/api/v1/users", headers=admin.headers)).status_code == 200
        admin.user.role = Role.viewer
        await session.commit()
        assert (await client.get("/api/v1/users", headers=admin.headers)).status_code == 403

    async def test_a_revoked_token_is_refused_on_the_next_request(
        self, client: httpx.AsyncClient, make_actor: MakeActor, session: AsyncSession
    ) -> None:
        actor = await make_actor()
        assert (await client.get("/api/v1/auth/me", headers=actor.headers)).status_code == 200
        actor.token_row.revoked_at = utcnow()
        await session.commit()
        assert (await client.get("/api/v1/auth/me", headers=actor.headers)).status_code == 401

    async def test_the_caller_is_a_plain_row_not_orm_entities(
        self, make_actor: MakeActor, session: AsyncSession
    ) -> None:
        actor = await make_actor(Role.staff)
        session.expunge_all()
        auth = await authenticate_token(session, actor.token)
        assert len(session.identity_map) == 0  # no User or PersonalAccessToken instance was built
        assert (auth.user.id, auth.user.role, auth.tenant_id) == (actor.user.id, Role.staff, actor.tenant.id)
        assert auth.token.id == actor.token_row.id and auth.token.last_used_at is not None  # first use: touched
        assert has_written(session)  # the touch is a write, so the request commits it
