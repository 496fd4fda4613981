"""Reads load only what they return, in few statements, and commit nothing: the shape, not the timing
(bench/api.py measures the timing)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from asyncpg.connection import LoggedQuery
from sqlalchemy import bindparam, event, select
from sqlalchemy.exc import StatementError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from fibonacco.auth.models import Role
from fibonacco.kit.db import create_sessionmaker, has_written, unit_of_work
from fibonacco.kit.repository import TENANT_PARAMETER, _paged
from fibonacco.knowledge import repository, schemas
from fibonacco.knowledge.models import KnowledgeEntry, KnowledgeEntryEmbedding
from fibonacco.knowledge.schemas import KnowledgeFilters
from fibonacco.tenant.models import Tenant
from tests.fixtures import _UNBIND as HARNESS_UNBIND
from tests.fixtures import Actor, MakeActor
from tests.knowledge.conftest import EmbedPending, MakeEntry


@dataclass
class Recorder:
    """Every statement the test's connection runs, in order: SQLAlchemy's (with the names of the columns each
    returned) and the driver reads of `kit.driver` (seen by asyncpg's query logger), and savepoint ends."""

    statements: list[str] = field(default_factory=list)
    columns: list[list[str]] = field(default_factory=list)
    driver_reads: list[str] = field(default_factory=list)
    released: int = 0

    def clear(self) -> None:
        self.statements.clear()
        self.columns.clear()
        self.driver_reads.clear()

    def queries(self) -> list[str]:
        """Every statement a request sends: not the savepoints standing in for the units of work's transactions,
        nor the test harness's switch to the application role and back (in production a connection starts as that
        role, bound to no tenant)."""
        skipped = ("set local role", "savepoint", "release savepoint", "rollback to savepoint")
        return [
            sql for sql in self.statements if not sql.lstrip().lower().startswith(skipped) and sql != HARNESS_UNBIND
        ]

    async def returned_columns(self, connection: AsyncConnection) -> set[str]:
        """The names of every column the recorded statements returned (a driver read's, from its prepared form)."""
        driver = (await connection.get_raw_connection()).driver_connection
        assert driver is not None
        names = {name for names in self.columns for name in names}
        for sql in self.driver_reads:
            names.update(attribute.name for attribute in (await driver.prepare(sql)).get_attributes())
        return names


@pytest.fixture
async def recorder(connection: AsyncConnection) -> AsyncIterator[Recorder]:
    recorded = Recorder()
    sync = connection.sync_connection
    assert sync is not None
    driver = (await connection.get_raw_connection()).driver_connection
    assert driver is not None

    def after_execute(_conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        recorded.statements.append(statement)
        recorded.columns.append([column[0] for column in cursor.description or []])

    def driver_read(query: LoggedQuery) -> None:
        # asyncpg reports a query with a call_soon after it returns: before the next statement's answer arrives,
        # so the order holds. SQLAlchemy's statements run prepared, which this logger does not see.
        recorded.statements.append(query.query)
        recorded.driver_reads.append(query.query)

    def released(*_: Any) -> None:
        recorded.released += 1

    event.listen(sync, "after_cursor_execute", after_execute)
    event.listen(sync, "release_savepoint", released)  # a unit of work's commit, inside the test's transaction
    driver.add_query_logger(driver_read)
    yield recorded
    driver.remove_query_logger(driver_read)
    event.remove(sync, "after_cursor_execute", after_execute)
    event.remove(sync, "release_savepoint", released)


@pytest.fixture
async def tenant_with_entries(make_actor: MakeActor, make_entry: MakeEntry, embed_pending: EmbedPending) -> Actor:
    viewer = await make_actor(Role.viewer)
    for i in range(60):
        await make_entry(
            viewer.tenant,
            title=f"Invoice question {i}",
            content="How to download an invoice.",
            category="billing",
            is_public=True,
        )
    await embed_pending()
    return viewer


async def get(client: httpx.AsyncClient, path: str, actor: Actor | None = None) -> Any:
    response = await client.get(path, headers=actor.headers if actor else {})
    assert response.status_code == 200, response.text
    return response.json()


async def no_vector_returned(recorded: Recorder, connection: AsyncConnection) -> None:
    returned = await recorded.returned_columns(connection)
    assert not {name for name in returned if name == "embedding" or name.endswith("_embedding")}, returned


class TestNoVectorTravels:
    @pytest.mark.parametrize(
        "path",
        [
            "/api/v1/knowledge?per_page=50&category=billing",
            "/api/v1/search/semantic?q=invoice",
            "/api/v1/search/full-text?q=invoice",
            "/api/v1/search/hybrid?q=invoice",
        ],
    )
    async def test_authenticated_reads(
        self,
        client: httpx.AsyncClient,
        tenant_with_entries: Actor,
        recorder: Recorder,
        connection: AsyncConnection,
        path: str,
    ) -> None:
        body = await get(client, path, tenant_with_entries)
        assert body["data"]  # something was read
        assert any("knowledge_entries" in sql for sql in recorder.statements)
        await no_vector_returned(recorder, connection)

    async def test_detail_and_public_pages(
        self, client: httpx.AsyncClient, tenant_with_entries: Actor, recorder: Recorder, connection: AsyncConnection
    ) -> None:
        listed = await get(client, "/api/v1/knowledge?per_page=1", tenant_with_entries)
        entry_id = listed["data"][0]["id"]
        await get(client, f"/api/v1/knowledge/{entry_id}", tenant_with_entries)
        slug = tenant_with_entries.tenant.slug
        await get(client, f"/api/v1/public/{slug}/knowledge?per_page=20")
        await get(client, f"/api/v1/public/{slug}/knowledge/{entry_id}")
        await get(client, f"/api/v1/public/{slug}/search?q=invoice")
        await no_vector_returned(recorder, connection)

    async def test_the_vector_lives_apart_and_travels_in_binary(
        self, session: AsyncSession, tenant_with_entries: Actor
    ) -> None:
        """An entry's row has no vector to drag along (migration 0015); a caller that needs one reads it from its
        own table."""
        assert "embedding" not in KnowledgeEntry.__table__.columns
        statement = select(KnowledgeEntryEmbedding.embedding).where(
            KnowledgeEntryEmbedding.tenant_id == tenant_with_entries.tenant.id
        )
        vector = await session.scalar(statement.limit(1))
        assert vector is not None and len(vector) == 1536
        assert isinstance(vector[0], float)  # decoded from pgvector's binary format (`kit.vectors.Vector`)


class TestLeanRequests:
    async def test_a_list_page_and_its_total_are_one_query(
        self, client: httpx.AsyncClient, tenant_with_entries: Actor, recorder: Recorder
    ) -> None:
        await get(client, "/api/v1/knowledge?per_page=1", tenant_with_entries)  # the token's first use is a write
        recorder.clear()
        body = await get(client, "/api/v1/knowledge?per_page=50&category=billing", tenant_with_entries)
        assert len(body["data"]) == 50 and body["meta"]["pagination"]["total"] == 60
        # The token with its user, binding their tenant as it is found (row-level security); the page with its
        # total.
        assert len(recorder.queries()) == 2, recorder.queries()

    async def test_a_public_page_finds_and_binds_its_tenant_in_one_query(
        self, client: httpx.AsyncClient, tenant_with_entries: Actor, recorder: Recorder
    ) -> None:
        body = await get(client, f"/api/v1/public/{tenant_with_entries.tenant.slug}/knowledge?per_page=20")
        assert len(body["data"]) == 20
        tenant, page = recorder.queries()  # the tenant with its binding (row-level security); the page
        assert "tenants" in tenant and "set_config" in tenant, tenant
        assert "knowledge_entries" in page

    async def test_a_page_past_the_end_still_knows_the_total(
        self, client: httpx.AsyncClient, tenant_with_entries: Actor
    ) -> None:
        body = await get(client, "/api/v1/knowledge?per_page=50&page=3", tenant_with_entries)
        assert body["data"] == [] and body["meta"]["pagination"]["total"] == 60

    async def test_a_read_by_id_is_two_queries_and_commits_nothing(
        self, client: httpx.AsyncClient, tenant_with_entries: Actor, recorder: Recorder
    ) -> None:
        listed = await get(client, "/api/v1/knowledge?per_page=1", tenant_with_entries)
        assert recorder.released >= 1  # the token's first use wrote last_used_at, and committed
        before = recorder.released
        recorder.clear()
        await get(client, f"/api/v1/knowledge/{listed['data'][0]['id']}", tenant_with_entries)
        assert len(recorder.queries()) == 2, recorder.queries()  # token + user binding their tenant, then the row
        assert recorder.released == before  # read-only: not committed

    async def test_the_token_tenant_is_bound_by_the_statement_that_finds_it(
        self, client: httpx.AsyncClient, tenant_with_entries: Actor, recorder: Recorder
    ) -> None:
        await get(client, "/api/v1/knowledge?per_page=1", tenant_with_entries)
        recorder.clear()
        await get(client, "/api/v1/knowledge?per_page=1", tenant_with_entries)
        binding, *_ = recorder.queries()
        assert "fibonacco_token_with_user" in binding and "set_config" in binding, binding
        assert sum("fibonacco_token_with_user" in sql or "set_config" in sql for sql in recorder.queries()) == 1

    async def test_a_hybrid_search_is_one_statement_and_its_rows(
        self, client: httpx.AsyncClient, tenant_with_entries: Actor, recorder: Recorder
    ) -> None:
        """After the token's statement, a hybrid search sends one statement for both its sides, then the hits'
        rows. The HNSW scan settings come with the connection (`kit.vectors.HNSW_SCAN_SETTINGS`); only a deeper
        search raises ef_search."""
        hybrid = "/api/v1/search/hybrid?q=download+an+invoice&limit="
        await get(client, hybrid + "10", tenant_with_entries)  # the token's first use; asyncpg learns the types
        # 3 candidates a hit: 42 > ef_search's 40. Fewer than the 60 entries, so that the HNSW side needs no exact
        # fallback (asked for every entry, an approximate scan may come back short).
        for limit, settings in ((10, 0), (14, 1)):
            recorder.clear()
            await get(client, hybrid + str(limit), tenant_with_entries)
            _token, *search = recorder.queries()
            assert len(search) == 2 + settings and sum("set_config" in sql for sql in search) == settings, search
            assert "knowledge_entry_terms" in search[-2] and "<=>" in search[-2]  # both sides, one statement

    async def test_a_small_tenants_short_answer_is_not_searched_again(
        self, client: httpx.AsyncClient, tenant_with_entries: Actor, recorder: Recorder
    ) -> None:
        """75 candidates asked of 60 entries: the exact side answers with all 60, which is the whole answer, so no
        exact search follows (only `ef_search`'s setting, for 75 > 40, comes before)."""
        hybrid = "/api/v1/search/hybrid?q=download+an+invoice&limit=25"
        await get(client, hybrid, tenant_with_entries)  # the token's first use; asyncpg learns the types
        recorder.clear()
        await get(client, hybrid, tenant_with_entries)
        _token, *search = recorder.queries()
        assert len(search) == 3 and "set_config" in search[0] and "<=>" in search[1], search

    async def test_a_write_still_commits(
        self, client: httpx.AsyncClient, tenant_with_entries: Actor, make_actor: MakeActor, recorder: Recorder
    ) -> None:
        staff = await make_actor(Role.staff, tenant=tenant_with_entries.tenant)
        await get(client, "/api/v1/knowledge?per_page=1", staff)
        before = recorder.released
        response = await client.post(
            "/api/v1/knowledge", json={"title": "New", "content": "Text."}, headers=staff.headers
        )
        assert response.status_code == 201
        assert recorder.released > before  # the unit of work, then the job outbox's relay


async def test_a_read_only_unit_of_work_leaves_its_rows_readable(engine: AsyncEngine, committed_tenant: Tenant) -> None:
    """Nothing written, nothing committed; the session closes, and what it read keeps its loaded values."""
    sessionmaker = create_sessionmaker(engine)
    async with unit_of_work(sessionmaker) as session:
        session.add(KnowledgeEntry(tenant_id=committed_tenant.id, title="Committed", content="Text."))
    async with unit_of_work(sessionmaker) as session:
        entry = await session.scalar(select(KnowledgeEntry).where(KnowledgeEntry.tenant_id == committed_tenant.id))
        assert not has_written(session)
    assert entry is not None and entry.title == "Committed" and entry.content == "Text."


class TestStatementsBuiltOnce:
    """A list or search statement is built once per repository class and filter shape, its values bound at execution:
    a second request with other values builds nothing, and sends the same SQL."""

    @pytest.mark.parametrize("mode", ["semantic", "full-text", "hybrid"])
    async def test_a_second_search_builds_no_statement(
        self,
        client: httpx.AsyncClient,
        tenant_with_entries: Actor,
        recorder: Recorder,
        monkeypatch: pytest.MonkeyPatch,
        mode: str,
    ) -> None:
        bm25_builds: list[object] = []
        original_bm25 = repository._bm25
        monkeypatch.setattr(repository, "_bm25", lambda *args: bm25_builds.append(args) or original_bm25(*args))
        path = f"/api/v1/search/{mode}?category=billing&is_public=true"
        await get(client, f"{path}&q=invoice&limit=10", tenant_with_entries)  # built here, or by an earlier test
        recorder.clear()
        built, bm25_builds[:] = len(repository._BUILT), []
        await get(client, f"{path}&q=invoice&limit=10", tenant_with_entries)
        first = recorder.queries()
        recorder.clear()
        body = await get(client, f"{path}&q=download+invoices&limit=5", tenant_with_entries)
        assert len(body["data"]["hits"]) == 5
        assert len(repository._BUILT) == built and bm25_builds == []
        assert recorder.queries() == first  # the same SQL: the query, the limit and the tenant are parameters
        assert not any("invoice" in sql or "billing" in sql for sql in first)  # values travel as parameters

    async def test_a_list_page_builds_no_statement_for_other_values(
        self, client: httpx.AsyncClient, tenant_with_entries: Actor, recorder: Recorder
    ) -> None:
        await get(client, "/api/v1/knowledge?per_page=50&category=billing&sort=title", tenant_with_entries)
        built, paged = len(repository._BUILT), _paged.cache_info().misses
        recorder.clear()
        body = await get(client, "/api/v1/knowledge?per_page=5&page=2&category=other&sort=title", tenant_with_entries)
        assert body["data"] == [] and body["meta"]["pagination"]["total"] == 0
        assert (len(repository._BUILT), _paged.cache_info().misses) == (built, paged)

    async def test_a_built_statement_refuses_to_run_without_its_tenant(
        self, session: AsyncSession, tenant_with_entries: Actor
    ) -> None:
        entries = repository.KnowledgeEntryRepository(session, tenant_with_entries.tenant.id)
        assert await entries.get_row(uuid.uuid4()) is None
        statement = entries._built(repository._row_statement, entries.row_columns)
        with pytest.raises(StatementError, match="scope_tenant_id"):
            await session.execute(statement, {"entry_id": uuid.uuid4()})
        with pytest.raises(TypeError, match="scope_tenant_id"):  # the same on the driver (`kit.driver`)
            await entries.rows(statement, {"entry_id": uuid.uuid4()})


class TestGenericPlans:
    """The search statements run prepared, and PostgreSQL may plan one generically after five runs, with the query
    text a parameter. Each expression of the query text must then still be computed once per statement (in an
    InitPlan), not again for every row it filters. (The vector kinds read the query text only in their gate, a
    condition on no row, which PostgreSQL evaluates once anyway.)"""

    PARSERS = ("to_tsvector(", "plainto_tsquery(", "websearch_to_tsquery(")

    @pytest.mark.parametrize("kind", ["text", "web text"])
    async def test_the_query_text_is_parsed_once_per_statement(
        self, connection: AsyncConnection, tenant_with_entries: Actor, kind: str
    ) -> None:
        shape, values = repository.filter_shape(KnowledgeFilters(category="billing"))
        scope = repository.KnowledgeEntryRepository.scope_for(bindparam(TENANT_PARAMETER))
        compiled = repository._search_statement(scope, kind, shape, False).compile(dialect=connection.dialect)
        given = {**compiled.params, **values, TENANT_PARAMETER: tenant_with_entries.tenant.id}
        given |= {"query": 'download "an invoice"', "limit": 5}
        literals = ", ".join("'" + str(given[name]).replace("'", "''") + "'" for name in compiled.positiontup or [])
        driver = (await connection.get_raw_connection()).driver_connection
        await driver.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        await driver.execute(f"PREPARE generic_probe AS {compiled}")
        try:  # the plan as JSON, decoded by the connection's codec
            plan = await driver.fetchval(f"EXPLAIN (VERBOSE, FORMAT JSON) EXECUTE generic_probe({literals})")
        finally:
            await driver.execute("DEALLOCATE generic_probe")
        expressions = list(per_row_expressions(plan[0]["Plan"]))
        assert [text for text in expressions if any(parser in text for parser in self.PARSERS)] == []
        assert any("(InitPlan" in text for text in expressions)  # where the parsed query is read instead


def per_row_expressions(node: dict[str, Any]) -> Iterator[str]:
    """The conditions and outputs of a plan's nodes, except those of InitPlans (evaluated once per statement)."""
    if node.get("Parent Relationship") == "InitPlan":
        return
    for key in ("Filter", "Index Cond", "Join Filter", "Hash Cond", "Recheck Cond"):
        if key in node:
            yield node[key]
    yield from node.get("Output", [])
    for child in node.get("Plans", []):
        yield from per_row_expressions(child)


class TestRenderedAsTheModels:
    """The list, the detail and the public list render their rows straight to JSON (`kit.responses.rows_page`):
    what each sends is what its response model makes of the same entry."""

    async def test_each_read_sends_what_its_model_makes_of_the_entry(
        self, client: httpx.AsyncClient, make_actor: MakeActor, make_entry: MakeEntry, session: AsyncSession
    ) -> None:
        viewer = await make_actor(Role.viewer)
        entity = await make_entry(
            viewer.tenant,
            title='Refunds "within" 30 days',
            content="Ask support for a refund \u2014 any time.",
            category="billing",
            tags=["refund", "money"],
            industry_codes=["7372"],
            is_public=True,
            extra={"source_row": 3, "nested": {"ok": True}},
        )
        await session.refresh(entity)
        private = schemas.KnowledgeEntry.model_validate(entity).model_dump(mode="json", by_alias=True)
        public = schemas.PublicKnowledgeEntry.model_validate(entity).model_dump(mode="json", by_alias=True)

        detail = await get(client, f"/api/v1/knowledge/{entity.id}", viewer)
        listed = await get(client, "/api/v1/knowledge?category=billing", viewer)
        listed_publicly = await get(client, f"/api/v1/public/{viewer.tenant.slug}/knowledge")

        assert detail == {"data": private, "message": None, "meta": None}
        assert listed["data"] == [private] and listed["meta"]["pagination"]["total"] == 1
        assert listed_publicly["data"] == [public]
        assert private["metadata"] == {"source_row": 3, "nested": {"ok": True}}
        assert "tenant_id" not in public and "metadata" not in public

    async def test_search_hits_send_what_their_models_make_of_the_entry(
        self, client: httpx.AsyncClient, make_actor: MakeActor, make_entry: MakeEntry, session: AsyncSession
    ) -> None:
        """Search results render their hits' rows straight to JSON too (`endpoints._results`): each hit has its
        model's fields, its entry what the entry's model makes of it (the public one: nothing internal)."""
        viewer = await make_actor(Role.viewer)
        entity = await make_entry(
            viewer.tenant, title="Refunds within 30 days", content="Ask support for a refund.", is_public=True,
            extra={"source_row": 3},
        )  # fmt: skip
        await session.refresh(entity)
        private = schemas.KnowledgeEntry.model_validate(entity).model_dump(mode="json", by_alias=True)
        public = schemas.PublicKnowledgeEntry.model_validate(entity).model_dump(mode="json", by_alias=True)

        found = (await get(client, "/api/v1/search/full-text?q=refund", viewer))["data"]
        found_publicly = (await get(client, f"/api/v1/public/{viewer.tenant.slug}/search?q=refund&mode=full-text"))[
            "data"
        ]

        assert found["mode"] == "full-text" and found["query"] == "refund" and found["embedding_model"] is None
        (hit,) = found["hits"]
        assert set(hit) == set(schemas.SearchHit.model_fields) and hit["entry"] == private
        assert "<mark>" in hit["highlight"] and hit["text_score"] == hit["score"] and hit["semantic_score"] is None
        assert set(found_publicly) == set(schemas.PublicSearchResults.model_fields)
        (public_hit,) = found_publicly["hits"]
        assert set(public_hit) == set(schemas.PublicSearchHit.model_fields) and public_hit["entry"] == public

    async def test_the_routes_still_document_their_models(self, client: httpx.AsyncClient) -> None:
        document = (await client.get("/openapi.json")).json()

        def schema_of(path: str) -> str:
            response = document["paths"][path]["get"]["responses"]["200"]
            return str(response["content"]["application/json"]["schema"]["$ref"])

        assert schema_of("/api/v1/knowledge").endswith("PaginatedEnvelope_KnowledgeEntry_")
        assert schema_of("/api/v1/knowledge/{entry_id}").endswith("Envelope_KnowledgeEntry_")
        assert schema_of("/api/v1/public/{tenant}/knowledge").endswith("PaginatedEnvelope_PublicKnowledgeEntry_")
