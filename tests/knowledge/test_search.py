"""Search: semantic (offline hashing embedder), full-text and hybrid ranking, filters, and k results under a
selective filter."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from fibonacco.auth.models import Role
from fibonacco.integrations.embeddings import HashingEmbedder, pad_to
from fibonacco.knowledge.models import KnowledgeEntry, KnowledgeEntryEmbedding
from fibonacco.knowledge.repository import EXACT_SEARCH_MAX_ENTRIES, KnowledgeEntryRepository, embedding_text
from fibonacco.knowledge.schemas import KnowledgeFilters
from fibonacco.knowledge.service import fuse_scores
from fibonacco.tenant.models import Tenant
from tests.fixtures import Actor, MakeActor
from tests.knowledge.conftest import EmbedPending, MakeEntry

# A small labelled corpus: each query below has one relevant entry.
CORPUS = {
    "password": (
        "Resetting a forgotten password",
        "Open the sign-in page, choose 'Forgot password' and follow the reset link we email you.",
    ),
    "invoices": (
        "Downloading invoices",
        "Monthly invoices are in Billing. Download each invoice as a PDF for your accountant.",
    ),
    "cancel": (
        "Cancelling a subscription",
        "Cancel your subscription plan from Settings; the plan stays active until the period ends.",
    ),
    "campaign": (
        "Scheduling an email campaign",
        "Pick recipients, write the email, then schedule the campaign send time or send it now.",
    ),
    "export": (
        "Exporting customer data",
        "Export customers and their conversations as a CSV file from the CRM export menu.",
    ),
    "phone": (
        "Setting up phone calls",
        "Connect a Twilio number to place outbound phone calls and receive call status updates.",
    ),
    "ads": ("Creating an ad", "Generate an ad from a campaign, set the daily budget, targeting and schedule window."),
    "hours": ("Opening hours", "Our support team answers chats and calls weekdays from nine to five."),
}
QUERIES = {
    "I forgot my password, how do I reset it?": "password",
    "where can I download a PDF invoice": "invoices",
    "how to cancel my subscription plan": "cancel",
    "schedule when an email campaign is sent": "campaign",
    "export customers to CSV": "export",
    "outbound phone calls with Twilio": "phone",
    "ad budget and targeting": "ads",
}


async def seed_corpus(make_entry: MakeEntry, tenant: Tenant, **values: object) -> dict[str, uuid.UUID]:
    ids = {}
    for label, (title, content) in CORPUS.items():
        ids[label] = (await make_entry(tenant, title=title, content=content, **values)).id
    return ids


async def search(client: httpx.AsyncClient, actor: Actor, mode: str, q: str, **params: object) -> list[dict]:  # type: ignore[type-arg]
    response = await client.get(f"/api/v1/search/{mode}", params={"q": q, **params}, headers=actor.headers)
    assert response.status_code == 200, response.text
    hits: list[dict] = response.json()["data"]["hits"]  # type: ignore[type-arg]
    return hits


class TestRanking:
    @pytest.mark.parametrize("mode", ["semantic", "hybrid"])
    async def test_the_relevant_entry_ranks_first(
        self,
        client: httpx.AsyncClient,
        make_actor: MakeActor,
        make_entry: MakeEntry,
        embed_pending: EmbedPending,
        mode: str,
    ) -> None:
        viewer = await make_actor(Role.viewer)
        ids = await seed_corpus(make_entry, viewer.tenant)
        tally = await embed_pending()
        assert tally.stored == len(CORPUS)
        for query, label in QUERIES.items():
            hits = await search(client, viewer, mode, query, limit=3)
            assert hits[0]["entry"]["id"] == str(ids[label]), query
            scores = [hit["score"] for hit in hits]
            assert scores == sorted(scores, reverse=True)

    async def test_semantic_scores_are_cosine_similarities(
        self, client: httpx.AsyncClient, make_actor: MakeActor, make_entry: MakeEntry, embed_pending: EmbedPending
    ) -> None:
        viewer = await make_actor(Role.viewer)
        title, content = CORPUS["password"]
        await make_entry(viewer.tenant, title=title, content=content)
        await embed_pending()
        (hit,) = await search(client, viewer, "semantic", embedding_text(title, content))
        assert hit["score"] == pytest.approx(1.0, abs=1e-5)
        assert hit["semantic_score"] == hit["score"] and hit["text_score"] is None

    async def test_full_text_ranks_and_highlights_safely(
        self, client: httpx.AsyncClient, make_actor: MakeActor, make_entry: MakeEntry
    ) -> None:
        viewer = await make_actor(Role.viewer)
        strong = await make_entry(
            viewer.tenant,
            title="Invoice downloads",
            content="Every invoice is a PDF for R&D. <script>alert(1)</script> Invoices are monthly.",
        )
        weak = await make_entry(viewer.tenant, title="Billing", content="Your invoice arrives by email.")
        await make_entry(viewer.tenant, title="Unrelated", content="Opening hours of the support team.")
        hits = await search(client, viewer, "full-text", "invoices")
        assert [hit["entry"]["id"] for hit in hits] == [str(strong.id), str(weak.id)]
        assert hits[0]["score"] > hits[1]["score"] > 0
        assert hits[0]["text_score"] == hits[0]["score"] and hits[0]["semantic_score"] is None
        highlight = hits[0]["highlight"]
        assert "<mark>invoice</mark>" in highlight.lower()
        # The entry's own text is escaped (PostgreSQL's parser already drops tags): only our <mark> is markup.
        assert "<script" not in highlight and "R&amp;D" in highlight
        assert highlight.replace("<mark>", "").replace("</mark>", "").count("<") == 0

    async def test_full_text_understands_web_search_syntax(
        self, client: httpx.AsyncClient, make_actor: MakeActor, make_entry: MakeEntry
    ) -> None:
        viewer = await make_actor(Role.viewer)
        both = await make_entry(viewer.tenant, title="Refund policy", content="Refunds for annual plans.")
        await make_entry(viewer.tenant, title="Refund timing", content="Refunds for monthly plans.")
        hits = await search(client, viewer, "full-text", "refund -monthly")
        assert [hit["entry"]["id"] for hit in hits] == [str(both.id)]
        phrase = await search(client, viewer, "full-text", '"monthly plans"')
        assert len(phrase) == 1 and phrase[0]["entry"]["title"] == "Refund timing"

    async def test_hybrid_fuses_both_rankings(
        self, client: httpx.AsyncClient, make_actor: MakeActor, make_entry: MakeEntry, embed_pending: EmbedPending
    ) -> None:
        viewer = await make_actor(Role.viewer)
        ids = await seed_corpus(make_entry, viewer.tenant)
        await embed_pending()
        hits = await search(client, viewer, "hybrid", "download invoice PDF", limit=len(CORPUS))
        top = hits[0]
        assert top["entry"]["id"] == str(ids["invoices"])
        # Found by both searches: both scores reported; first on both sides, so the fused score is 1.
        assert top["semantic_score"] is not None and top["text_score"] is not None
        assert top["score"] == pytest.approx(1.0)
        assert "<mark>" in top["highlight"]
        # Entries only the semantic side found are still there, with a lower fused score, and no snippet.
        assert any(hit["text_score"] is None for hit in hits[1:])
        assert all((hit["highlight"] is None) == (hit["text_score"] is None) for hit in hits)
        best_semantic = max(hit["semantic_score"] or 0 for hit in hits)
        best_text = max(hit["text_score"] or 0 for hit in hits)
        weight = HashingEmbedder.hybrid_text_weight
        for hit in hits:
            expected = (1 - weight) * (hit["semantic_score"] or 0) / best_semantic + weight * (
                hit["text_score"] or 0
            ) / best_text
            assert hit["score"] == pytest.approx(expected)

    def test_fuse_scores(self) -> None:
        a, b, c = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        fused = fuse_scores({a: 0.8, b: 0.4}, {b: 6.0, c: 2.0}, text_weight=0.25)
        assert fused == pytest.approx({a: 0.75, b: 0.75 * 0.5 + 0.25, c: 0.25 / 3})
        assert list(fused) == [a, b, c]
        assert fuse_scores({}, {}, text_weight=0.5) == {}


class TestHowPeopleAsk:
    """Full text ranks by any meaningful word of the question, as BM25 does; a question without one finds nothing."""

    async def test_full_text_finds_an_entry_sharing_only_some_words(
        self, client: httpx.AsyncClient, make_actor: MakeActor, make_entry: MakeEntry
    ) -> None:
        viewer = await make_actor(Role.viewer)
        strike = await make_entry(
            viewer.tenant,
            title="Strikethrough with GitHub Markdown",
            content="Wrap the words in two tildes to draw a line through the text.",
        )
        await make_entry(viewer.tenant, title="Opening hours", content="Our support team answers on weekdays.")
        # Only "text" and "GitHub" occur in the entry; "way" and "cross" nowhere, the rest are stop words.
        hits = await search(client, viewer, "full-text", "Is there a way to cross out text on GitHub?")
        assert [hit["entry"]["id"] for hit in hits] == [str(strike.id)]
        assert hits[0]["score"] > 0 and "<mark>text</mark>" in hits[0]["highlight"]

    async def test_title_words_weigh_more_and_rare_words_more_than_common_ones(
        self, client: httpx.AsyncClient, make_actor: MakeActor, make_entry: MakeEntry
    ) -> None:
        viewer = await make_actor(Role.viewer)
        in_title = await make_entry(viewer.tenant, title="Refunds", content="Annual plans within 14 days.")
        in_body = await make_entry(viewer.tenant, title="Plans", content="Refunds for annual plans within 14 days.")
        for i in range(5):  # "account" is everywhere, so it says little
            await make_entry(viewer.tenant, title=f"Account {i}", content="Your account settings.")
        hits = await search(client, viewer, "full-text", "account refunds")
        assert [hit["entry"]["id"] for hit in hits[:2]] == [str(in_title.id), str(in_body.id)]

    @pytest.mark.parametrize("query", ["the", "what is it?", "!!!", "?? -- ..."])
    async def test_a_query_without_a_meaningful_word_finds_nothing_in_every_mode(
        self,
        client: httpx.AsyncClient,
        make_actor: MakeActor,
        make_entry: MakeEntry,
        embed_pending: EmbedPending,
        query: str,
    ) -> None:
        viewer = await make_actor(Role.viewer)
        await seed_corpus(make_entry, viewer.tenant, is_public=True)
        await embed_pending()
        for mode in ("semantic", "full-text", "hybrid"):
            assert await search(client, viewer, mode, query) == [], mode
        public = await client.get(f"/api/v1/public/{viewer.tenant.slug}/search", params={"q": query})
        assert public.status_code == 200 and public.json()["data"]["hits"] == []


class TestFilters:
    async def test_filters_apply_to_every_mode(
        self, client: httpx.AsyncClient, make_actor: MakeActor, make_entry: MakeEntry, embed_pending: EmbedPending
    ) -> None:
        viewer = await make_actor(Role.viewer)
        billing = await make_entry(
            viewer.tenant,
            title="Invoice help",
            content="Download an invoice.",
            category="billing",
            tags=["pdf"],
            industry_codes=["44"],
        )
        await make_entry(viewer.tenant, title="Invoice help", content="Download an invoice.", category="sales")
        await embed_pending()
        for mode in ("semantic", "full-text", "hybrid"):
            for params in ({"category": "billing"}, {"tag": "pdf"}, {"industry_code": "44"}):
                hits = await search(client, viewer, mode, "invoice", **params)
                assert [hit["entry"]["id"] for hit in hits] == [str(billing.id)], (mode, params)

    async def test_only_embeddings_of_the_current_model_are_compared(
        self, client: httpx.AsyncClient, make_actor: MakeActor, make_entry: MakeEntry, embed_pending: EmbedPending
    ) -> None:
        viewer = await make_actor(Role.viewer)
        await make_entry(viewer.tenant, title="Invoices", content="Download invoices.")
        await embed_pending(HashingEmbedder(dimension=256))  # another embedding space
        assert await search(client, viewer, "semantic", "invoices") == []

    async def test_tenants_never_see_each_other(
        self, client: httpx.AsyncClient, make_actor: MakeActor, make_entry: MakeEntry, embed_pending: EmbedPending
    ) -> None:
        mine = await make_actor(Role.viewer)
        theirs = await make_actor(Role.viewer)
        await seed_corpus(make_entry, theirs.tenant, is_public=True)
        await embed_pending()
        for mode in ("semantic", "full-text", "hybrid"):
            assert await search(client, mine, mode, "invoice PDF download", limit=50) == []

    async def test_query_and_limit_are_validated(self, client: httpx.AsyncClient, make_actor: MakeActor) -> None:
        viewer = await make_actor(Role.viewer)
        for params in ({"q": ""}, {"q": "x", "limit": 0}, {"q": "x", "limit": 51}):
            response = await client.get("/api/v1/search/semantic", params=params, headers=viewer.headers)
            assert response.status_code == 422, params
        assert (await client.get("/api/v1/search/fuzzy?q=x", headers=viewer.headers)).status_code == 422
        assert (await client.get("/api/v1/search/semantic?q=x")).status_code == 401


async def set_local(session: AsyncSession, **settings: str) -> None:
    for name, value in settings.items():
        await session.execute(text(f"SET LOCAL {name.replace('__', '.')} = {value}"))


async def add_embedded_entries(session: AsyncSession, tenant: Tenant, count: int, category: str) -> None:
    """`count` entries with vectors from the offline embedder, written in bulk (faster than the pipeline)."""
    embedder = HashingEmbedder()
    model = embedder.model_name
    rows, vectors = [], []
    for i in range(count):
        title, content = f"{category} note {i}", f"Notes about {category} topic {i % 37} and item {i}."
        vector = pad_to(embedder.embed_one(embedding_text(title, content)))
        rows.append(
            KnowledgeEntry(
                tenant_id=tenant.id,
                title=title,
                content=content,
                category=category,
                embedding_model=model,
                embedding_status="completed",
            )
        )
        vectors.append(vector)
    session.add_all(rows)
    await session.flush()
    session.add_all(
        KnowledgeEntryEmbedding(entry_id=row.id, tenant_id=tenant.id, embedding=vector)
        for row, vector in zip(rows, vectors, strict=True)
    )
    await session.flush()


# Planner settings under which only the HNSW index can produce the order, so these tests exercise it (on so few
# rows the planner would rather filter through the btree and sort, which is exact anyway).
HNSW_ONLY = {"enable_seqscan": "off", "enable_bitmapscan": "off", "enable_sort": "off"}
# The tenant's rare entries, nearest the query first (the raw SQL the tests compare the repository with).
_RARE_BY_DISTANCE = (
    "SELECT e.id FROM knowledge_entries e JOIN knowledge_entry_embeddings v ON v.entry_id = e.id"
    " WHERE e.tenant_id = :tenant AND e.category = 'rare' ORDER BY v.embedding <=> CAST(:query AS vector)"
)


class TestSelectiveFilters:
    """A filter matching 1 % of the rows: plain HNSW (ef_search 40) comes back short, our search does not."""

    LIMIT = 20
    # Near the common rows, far from the rare ones: the index's first candidates are all filtered out.
    QUERY = "general notes about general topic 5"

    @pytest.fixture
    async def tenant(self, make_actor: MakeActor, session: AsyncSession) -> Actor:
        viewer = await make_actor(Role.viewer)
        # Beyond the bound up to which a tenant is searched exactly, so the HNSW side answers.
        await add_embedded_entries(session, viewer.tenant, EXACT_SEARCH_MAX_ENTRIES - 20, "general")
        await add_embedded_entries(session, viewer.tenant, 25, "rare")
        await session.execute(text("ANALYZE knowledge_entries"))
        await session.execute(text("ANALYZE knowledge_entry_embeddings"))
        return viewer

    async def test_plain_hnsw_scan_would_come_back_short(self, session: AsyncSession, tenant: Actor) -> None:
        # The control: without iterative scans the index hands over ef_search candidates, then the filter
        # leaves a few. Had this returned LIMIT rows, the test below would prove nothing.
        query = pad_to(HashingEmbedder().embed_one(self.QUERY))
        await set_local(session, **HNSW_ONLY, hnsw__iterative_scan="off", hnsw__ef_search="40")
        statement = text(f"{_RARE_BY_DISTANCE} LIMIT :limit")
        params = {"tenant": tenant.tenant.id, "query": query, "limit": self.LIMIT}
        plan = "\n".join((await session.execute(text(f"EXPLAIN {statement.text}"), params)).scalars())
        assert "ix_knowledge_entry_embeddings_hnsw" in plan
        rows = (await session.execute(statement, params)).all()
        assert len(rows) < self.LIMIT

    async def test_approximate_scan_alone_returns_limit_rows(self, session: AsyncSession, tenant: Actor) -> None:
        await set_local(session, **HNSW_ONLY)  # the plan the control test checks
        repository = KnowledgeEntryRepository(session, tenant.tenant.id)
        query = pad_to(HashingEmbedder().embed_one(self.QUERY))
        matches, exact = await repository.approximate_nearest(
            query, HashingEmbedder().model_name, KnowledgeFilters(category="rare"), self.LIMIT
        )
        assert len(matches) == self.LIMIT
        assert exact is False  # beyond the bound: the graph answered

    async def test_hybrid_candidates_fall_back_to_the_exact_search(self, session: AsyncSession, tenant: Actor) -> None:
        """Both sides come in one statement; when its HNSW side comes back short (plain HNSW here, as in the
        control above), the exact search answers for that side."""
        await set_local(session, **HNSW_ONLY, hnsw__iterative_scan="off", hnsw__ef_search="40")
        repository = KnowledgeEntryRepository(session, tenant.tenant.id)
        query = pad_to(HashingEmbedder().embed_one(self.QUERY))
        model, filters = HashingEmbedder().model_name, KnowledgeFilters(category="rare")
        semantic, textual = await repository.hybrid_candidates(query, model, self.QUERY, filters, self.LIMIT)
        assert semantic == await repository.exact_nearest(query, model, filters, self.LIMIT, text=self.QUERY)
        assert textual == await repository.matching_text(self.QUERY, filters, self.LIMIT)

    async def test_search_returns_limit_rows_of_the_filter_nearly_the_exact_ones(
        self, client: httpx.AsyncClient, session: AsyncSession, tenant: Actor
    ) -> None:
        """Beyond `EXACT_SEARCH_MAX_ENTRIES` the graph answers: `limit` rows, all meeting the filter, and most of
        them the exact top k (an approximate search promises recall, not equality)."""
        hits = await search(client, tenant, "semantic", self.QUERY, category="rare", limit=self.LIMIT)
        assert len(hits) == self.LIMIT
        assert {hit["entry"]["category"] for hit in hits} == {"rare"}
        query = pad_to(HashingEmbedder().embed_one(self.QUERY))
        exact = await session.scalars(
            text(f"{_RARE_BY_DISTANCE}, e.id LIMIT :limit"),
            {"tenant": tenant.tenant.id, "query": query, "limit": self.LIMIT},
        )
        # At least 4 in 5 of the exact ones (dead rows of other tests stay in the graph until a vacuum).
        assert len({hit["entry"]["id"] for hit in hits} & {str(row) for row in exact}) >= self.LIMIT * 4 // 5

    async def test_exact_search_is_exact_and_answers_when_fewer_rows_match(
        self, client: httpx.AsyncClient, session: AsyncSession, tenant: Actor
    ) -> None:
        query = pad_to(HashingEmbedder().embed_one(self.QUERY))
        brute_force = (
            (
                await session.execute(
                    text(f"{_RARE_BY_DISTANCE}, e.id"),
                    {"tenant": tenant.tenant.id, "query": query},
                )
            )
            .scalars()
            .all()
        )
        repository = KnowledgeEntryRepository(session, tenant.tenant.id)
        exact = await repository.exact_nearest(
            query, HashingEmbedder().model_name, KnowledgeFilters(category="rare"), self.LIMIT
        )
        assert [match.entry_id for match in exact] == list(brute_force[: self.LIMIT])
        # All 25 rare rows, when 30 are asked for: the short approximate answer is replaced by the exact one.
        hits = await search(client, tenant, "semantic", self.QUERY, category="rare", limit=30)
        assert [hit["entry"]["id"] for hit in hits] == [str(row) for row in brute_force]


class TestSmallTenants:
    async def test_a_tenant_within_the_bound_is_searched_exactly(
        self, client: httpx.AsyncClient, session: AsyncSession, make_actor: MakeActor
    ) -> None:
        """Up to `EXACT_SEARCH_MAX_ENTRIES` entries, the nearest are the exact ones, in order."""
        viewer = await make_actor(Role.viewer)
        await add_embedded_entries(session, viewer.tenant, 300, "general")
        await add_embedded_entries(session, viewer.tenant, 25, "rare")
        hits = await search(client, viewer, "semantic", TestSelectiveFilters.QUERY, category="rare", limit=20)
        query = pad_to(HashingEmbedder().embed_one(TestSelectiveFilters.QUERY))
        exact = await session.scalars(
            text(f"{_RARE_BY_DISTANCE}, e.id LIMIT 20"), {"tenant": viewer.tenant.id, "query": query}
        )
        assert [hit["entry"]["id"] for hit in hits] == [str(row) for row in exact]
