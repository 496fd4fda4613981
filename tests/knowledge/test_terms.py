"""The postings full-text ranking reads (`knowledge_entry_terms`, migration 0014): kept by the entries' triggers
through every write the API makes, as the application role under its tenant binding."""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy import bindparam, delete, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from fibonacco.auth.models import Role
from fibonacco.kit.repository import TENANT_PARAMETER
from fibonacco.kit.tenancy import bind_tenant
from fibonacco.knowledge.models import KnowledgeEntry, KnowledgeEntryTerm
from fibonacco.knowledge.repository import KnowledgeEntryRepository, PublicKnowledgeEntryRepository, _search_statement
from fibonacco.tenant.models import Tenant
from tests.fixtures import MakeActor, MakeTenant
from tests.knowledge.conftest import MakeEntry

# What the postings must say, computed from the entry's search vector itself.
_EXPECTED = text(
    "SELECT t.lexeme, cardinality(t.positions), cardinality(array_positions(t.weights, 'A')), length(e.search_vector)"
    " FROM knowledge_entries e CROSS JOIN LATERAL unnest(e.search_vector) AS t(lexeme, positions, weights)"
    " WHERE e.id = :id"
)


async def postings(session: AsyncSession, entry_id: uuid.UUID) -> set[tuple[str, int, int, int]]:
    term = KnowledgeEntryTerm
    rows = await session.execute(
        select(term.lexeme, term.occurrences, term.title_occurrences, term.entry_length).where(
            term.entry_id == entry_id
        )
    )
    return {tuple(row) for row in rows}  # type: ignore[misc]


async def expected(session: AsyncSession, entry_id: uuid.UUID) -> set[tuple[str, int, int, int]]:
    return {tuple(row) for row in await session.execute(_EXPECTED, {"id": entry_id})}  # type: ignore[misc]


async def test_the_api_s_writes_keep_an_entry_s_postings(
    client: httpx.AsyncClient, make_actor: MakeActor, session: AsyncSession
) -> None:
    staff = await make_actor(Role.staff)
    body = {"title": "Refund a parcel", "content": "A parcel refund takes a week; refunds reach the card used."}
    created = await client.post("/api/v1/knowledge", json=body, headers=staff.headers)
    assert created.status_code == 201, created.text
    entry_id = uuid.UUID(created.json()["data"]["id"])

    written = await postings(session, entry_id)
    assert written == await expected(session, entry_id)
    # "refund" once in the title, twice in the body ("refund", "refunds"); "parcel" once in each; 7 lexemes.
    assert ("refund", 3, 1, 7) in written and ("parcel", 2, 1, 7) in written
    assert {row[0] for row in written} >= {"refund", "parcel", "week", "card"}

    url = f"/api/v1/knowledge/{entry_id}"
    patched = await client.patch(url, json={"content": "Returns are collected by courier."}, headers=staff.headers)
    assert patched.status_code == 200, patched.text
    rewritten = await postings(session, entry_id)
    assert rewritten == await expected(session, entry_id)
    assert "courier" in {row[0] for row in rewritten} and "week" not in {row[0] for row in rewritten}

    assert (await client.delete(url, headers=staff.headers)).status_code == 200
    assert await postings(session, entry_id) == set()


async def test_a_write_that_changes_no_text_rewrites_no_posting(
    session: AsyncSession, make_tenant: MakeTenant, make_entry: MakeEntry
) -> None:
    tenant = await make_tenant()
    entry = await make_entry(tenant, title="Opening hours", content="We open at nine.")
    versions = text("SELECT lexeme, ctid::text FROM knowledge_entry_terms WHERE entry_id = :id")
    before = set(await session.execute(versions, {"id": entry.id}))

    await KnowledgeEntryRepository(session, tenant.id).count_usage([entry.id])  # a read counted: an UPDATE
    # The same title set again: the trigger's event, which its WHEN condition stops.
    await session.execute(
        update(KnowledgeEntry).where(KnowledgeEntry.id == entry.id).values(title=KnowledgeEntry.title)
    )

    assert before and set(await session.execute(versions, {"id": entry.id})) == before


async def test_a_deleted_tenant_takes_its_postings_along(
    session: AsyncSession, make_tenant: MakeTenant, make_entry: MakeEntry
) -> None:
    tenant, other = await make_tenant(), await make_tenant()
    mine, theirs = await make_entry(tenant), await make_entry(other)

    await session.execute(delete(Tenant).where(Tenant.id == tenant.id))

    assert await postings(session, mine.id) == set()
    assert await postings(session, theirs.id) != set()


async def test_the_postings_of_another_tenant_are_invisible(
    session: AsyncSession,
    app_sessionmaker: async_sessionmaker[AsyncSession],
    make_tenant: MakeTenant,
    make_entry: MakeEntry,
) -> None:
    """As the application role, bound to one tenant: no other tenant's posting, even without a tenant filter."""
    tenant, other = await make_tenant(), await make_tenant()
    await make_entry(tenant, title="Opening hours", content="We open at nine.")
    await make_entry(other, title="Secret plans", content="Only the other tenant knows these words.")

    async with app_sessionmaker() as unit:
        await bind_tenant(unit, tenant.id)
        lexemes = set((await unit.execute(select(KnowledgeEntryTerm.lexeme))).scalars())

    assert "open" in lexemes and not lexemes & {"secret", "plan", "tenant"}


def test_full_text_ranking_reads_postings_not_search_vectors() -> None:
    """The shape that made it fast: BM25's statement finds its words' rows in the postings, and unnests no entry's
    search vector."""
    statement = _search_statement(KnowledgeEntryRepository.scope_for(uuid.uuid4()), "text", (), False)
    sql = str(statement.compile())
    assert "knowledge_entry_terms" in sql
    assert "unnest" not in sql.lower()


def _postings_read(repository: type[KnowledgeEntryRepository], shape: tuple[str, ...]) -> str:
    """The SQL of the `hits` CTE (the postings read) of a full-text statement, as the repository builds it."""
    statement = _search_statement(repository.scope_for(bindparam(TENANT_PARAMETER)), "text", shape, False)
    sql = str(statement.compile())
    return sql[sql.index("hits AS") : sql.index("document_frequency AS")]


def test_postings_join_the_entries_only_when_a_condition_needs_them() -> None:
    """Every posting of the bound tenant is one of its entries (the triggers keep them so), so an unfiltered
    search reads the postings alone; a filter, or the Learning Center's public entries, asks the entries."""
    assert "JOIN knowledge_entries" not in _postings_read(KnowledgeEntryRepository, ())
    assert "JOIN knowledge_entries" in _postings_read(KnowledgeEntryRepository, ("category",))
    assert "JOIN knowledge_entries" in _postings_read(PublicKnowledgeEntryRepository, ())


async def test_a_filtered_and_an_unfiltered_search_rank_alike(
    client: httpx.AsyncClient, make_actor: MakeActor, make_entry: MakeEntry
) -> None:
    """The two reads of the postings score the same entries the same way."""
    viewer = await make_actor(Role.viewer)
    for i in range(6):
        await make_entry(
            viewer.tenant, title=f"Invoice {i}", content="Invoices and refunds. " * (i + 1), category="billing"
        )
    path = "/api/v1/search/full-text?q=invoice+refund"
    unfiltered = (await client.get(path, headers=viewer.headers)).json()["data"]["hits"]
    filtered = (await client.get(path + "&category=billing", headers=viewer.headers)).json()["data"]["hits"]
    assert [(hit["entry"]["id"], hit["score"]) for hit in unfiltered] == [
        (hit["entry"]["id"], hit["score"]) for hit in filtered
    ]
    assert len(unfiltered) == 6
