"""Finding 6: a query without a single word or digit (`!!!`) finds nothing, in every mode, and never scores null."""

from __future__ import annotations

import httpx
import pytest

from fibonacco.auth.models import Role
from fibonacco.knowledge.schemas import SearchMode
from tests.fixtures import MakeActor
from tests.knowledge.conftest import EmbedPending, MakeEntry


@pytest.mark.parametrize("mode", list(SearchMode))
async def test_a_wordless_query_finds_nothing(
    client: httpx.AsyncClient, make_actor: MakeActor, make_entry: MakeEntry, embed_pending: EmbedPending, mode: str
) -> None:
    actor = await make_actor(Role.viewer)
    await make_entry(actor.tenant, title="Opening hours", content="Weekdays from nine to five.")
    await embed_pending()
    response = await client.get(f"/api/v1/search/{mode}", params={"q": "!!!"}, headers=actor.headers)
    assert response.status_code == 200, response.text
    assert response.json()["data"]["hits"] == []
