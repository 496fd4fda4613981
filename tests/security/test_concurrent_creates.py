"""Finding 3: concurrent identical creates answer one 201 and 409s naming the field, never a 500.

The services check uniqueness before inserting; the race between that check and the insert is made certain here
by skipping the check, so the database's unique constraint decides and the kit translates its violation.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from fibonacco.auth.repository import UserRepository
from fibonacco.knowledge.repository import FaqCategoryRepository, KnowledgeEntryRepository
from tests.fixtures import Actor

PARALLEL = 4


async def _nothing(*_: object) -> None:
    return None


CASES = [
    pytest.param(
        "/api/v1/users",
        {"email": "twin@example.com", "name": "Twin", "password": "long enough pw"},
        "email",
        (UserRepository, "get_by_email"),
        id="users",
    ),
    pytest.param(
        "/api/v1/faq-categories",
        {"name": "Billing", "slug": "billing"},
        "slug",
        (FaqCategoryRepository, "get_by_slug"),
        id="faq-categories",
    ),
    pytest.param(
        "/api/v1/knowledge",
        {"title": "Hours", "content": "Nine to five.", "source_url": "https://example.com/hours"},
        "source_url",
        (KnowledgeEntryRepository, "get_by_source_url"),
        id="knowledge",
    ),
]


class TestConcurrentDuplicates:
    @pytest.mark.parametrize(("path", "body", "field", "check"), CASES)
    async def test_parallel_identical_creates_conflict_on_the_field(
        self,
        live_client: httpx.AsyncClient,
        committed_admin: Actor,
        monkeypatch: pytest.MonkeyPatch,
        path: str,
        body: dict[str, Any],
        field: str,
        check: tuple[type, str],
    ) -> None:
        monkeypatch.setattr(*check, _nothing)
        responses = await asyncio.gather(
            *(live_client.post(path, json=body, headers=committed_admin.headers) for _ in range(PARALLEL))
        )
        statuses = sorted(response.status_code for response in responses)
        assert statuses == [201] + [409] * (PARALLEL - 1), [response.text for response in responses]
        for response in responses:
            if response.status_code == 409:
                assert response.json()["error"]["code"] == "conflict"
                assert response.json()["error"]["details"]["field"] == field

    async def test_without_the_race_the_services_own_check_answers(
        self, live_client: httpx.AsyncClient, committed_admin: Actor
    ) -> None:
        body = {"name": "Returns", "slug": "returns"}
        responses = await asyncio.gather(
            *(live_client.post("/api/v1/faq-categories", json=body, headers=committed_admin.headers) for _ in range(4))
        )
        assert sorted(response.status_code for response in responses) == [201, 409, 409, 409]
