"""All knowledge SQL. Tenant repositories scope every query; `EmbeddingQueue` is the pipeline's view across
tenants (its jobs carry only an entry id)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnClause,
    ColumnElement,
    Float,
    Integer,
    Select,
    Subquery,
    Text,
    UnaryExpression,
    Uuid,
    and_,
    any_,
    bindparam,
    case,
    cast,
    func,
    join,
    literal,
    literal_column,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, TSQUERY, insert
from sqlalchemy.orm import aliased

from fibonacco.kit.driver import Row, fetch
from fibonacco.kit.repository import (
    TENANT_PARAMETER,
    Repository,
    TenantScopedRepository,
    once_per_statement,
    response_columns,
)
from fibonacco.kit.responses import Page
from fibonacco.kit.vectors import HNSW_EF_SEARCH
from fibonacco.knowledge import schemas
from fibonacco.knowledge.models import (
    TEXT_SEARCH_CONFIG,
    EmbeddingStatus,
    FaqCategory,
    KnowledgeEntry,
    KnowledgeEntryEmbedding,
    KnowledgeEntryTerm,
    KnowledgeVote,
)
from fibonacco.knowledge.schemas import KnowledgeFilters, KnowledgeSort

# Snippet markers: control characters absent from real text, so the snippet can be HTML-escaped and the markers
# turned into <mark> afterwards.
HIGHLIGHT_START = "\x02"
HIGHLIGHT_STOP = "\x03"
_HEADLINE_OPTIONS = (
    f"StartSel={HIGHLIGHT_START}, StopSel={HIGHLIGHT_STOP}, MaxFragments=2, MaxWords=30, MinWords=12, "
    'FragmentDelimiter=" … "'
)
_REGCONFIG: ColumnClause[Any] = literal_column(f"'{TEXT_SEARCH_CONFIG}'::regconfig")
# BM25 (Robertson et al.): term-frequency saturation and length normalisation, the usual values; a title
# occurrence counts as this many body ones (chosen on bench/retrieval.py).
BM25_K1 = 1.2
BM25_B = 0.75
TITLE_WEIGHT = 3
# A double quote, or a word starting with "-": web search syntax (websearch_to_tsquery) for phrases and exclusions.
_WEB_SYNTAX = re.compile(r'"|(?:^|\s)-\w')


# An entry as a plain row of the columns a response shows, under the names its JSON has (`response_columns`): lists
# build no ORM objects (identity map, instance state, attribute instrumentation), which cost about half of a 50-row
# page's CPU; the statements selecting them run on the unit of work's connection (`Repository.rows`), so the rows
# come straight from the driver, and render as their model (`kit.responses.rows_page`). A Learning Center's pages
# read only what they show (no internal column).
ENTRY_COLUMNS = response_columns(KnowledgeEntry, schemas.KnowledgeEntry)
PUBLIC_ENTRY_COLUMNS = response_columns(KnowledgeEntry, schemas.PublicKnowledgeEntry)

_SORT_COLUMNS: dict[KnowledgeSort, UnaryExpression[Any]] = {
    KnowledgeSort.newest: KnowledgeEntry.created_at.desc(),
    KnowledgeSort.oldest: KnowledgeEntry.created_at.asc(),
    KnowledgeSort.recently_updated: KnowledgeEntry.updated_at.desc(),
    KnowledgeSort.alphabetical: KnowledgeEntry.title.asc(),
    KnowledgeSort.most_used: KnowledgeEntry.usage_count.desc(),
    KnowledgeSort.most_helpful: KnowledgeEntry.helpful_count.desc(),
}


@dataclass(frozen=True)
class VectorMatch:
    entry_id: uuid.UUID
    similarity: float


@dataclass(frozen=True)
class TextMatch:
    entry_id: uuid.UUID
    rank: float


@dataclass(frozen=True)
class PendingEntry:
    entry_id: uuid.UUID
    tenant_id: uuid.UUID


@dataclass(frozen=True)
class EmbeddingWork:
    """What the pipeline embeds: the entry's id and the exact text it saw."""

    entry_id: uuid.UUID
    text: str


# Each filter's condition on a bind parameter `filter_<name>`, so a statement is built once per set of filters
# given (`filter_shape`) and serves every value; array filters take their value as a one-item array.
_FILTERS: dict[str, Callable[[BindParameter[Any]], ColumnElement[bool]]] = {
    "category": lambda value: KnowledgeEntry.category == value,
    "subcategory": lambda value: KnowledgeEntry.subcategory == value,
    "industry_code": lambda value: KnowledgeEntry.industry_codes.contains(value),
    "tag": lambda value: KnowledgeEntry.tags.contains(value),
    "validation_status": lambda value: KnowledgeEntry.validation_status == value,
    "embedding_status": lambda value: KnowledgeEntry.embedding_status == value,
    "is_public": lambda value: KnowledgeEntry.is_public == value,
}
_ARRAY_FILTERS = frozenset({"industry_code", "tag"})

FilterShape = tuple[str, ...]


def filter_shape(filters: KnowledgeFilters) -> tuple[FilterShape, dict[str, object]]:
    """Which filters are given (the statement's shape), and their bind parameters' values."""
    given = {name: getattr(filters, name) for name in _FILTERS if getattr(filters, name) is not None}
    values = {f"filter_{name}": [value] if name in _ARRAY_FILTERS else value for name, value in given.items()}
    return tuple(given), values


def filter_conditions(shape: FilterShape) -> list[ColumnElement[bool]]:
    return [_FILTERS[name](bindparam(f"filter_{name}")) for name in shape]


def embedding_text(title: str, content: str) -> str:
    """The text an entry's embedding is made from."""
    return f"{title}\n\n{content}"


def any_word_query(query: ColumnElement[str]) -> ColumnElement[Any]:
    """A tsquery matching any of `query`'s words (stemmed, stop words dropped); empty if it has none.

    plainto_tsquery joins the lexemes with `&` (every word required); the same lexemes joined with `|`.
    """
    every_word = cast(func.plainto_tsquery(_REGCONFIG, query), Text)
    return cast(func.replace(every_word, " & ", " | "), TSQUERY)


def has_meaningful_word(query: ColumnElement[str]) -> ColumnElement[bool]:
    """True when full-text search would use a word of `query`: a condition that gates the other modes too, so a
    query of stop words or punctuation finds nothing in any mode (evaluated once per query, not per row)."""
    return func.numnode(func.plainto_tsquery(_REGCONFIG, query)) > 0


def _bm25(
    conditions: Sequence[ColumnElement[bool]], query: ColumnElement[str], narrowing: Sequence[ColumnElement[bool]]
) -> Subquery:
    """(id, rank) of every entry meeting `conditions` and `narrowing` that contains a word of `query`, scored by
    BM25 over the entries meeting `conditions`. The words' postings come from `knowledge_entry_terms` (by tenant
    and lexeme), not from unnesting each candidate's search vector (migration 0014)."""
    term = KnowledgeEntryTerm
    # The cast keeps `= ANY` comparing with the array, not with the rows of a sub-select.
    query_words = cast(once_per_statement(func.tsvector_to_array(func.to_tsvector(_REGCONFIG, query))), ARRAY(Text))
    # One row per (entry, query word it contains), with the word's frequency there; title positions count more.
    frequency = term.occurrences + (TITLE_WEIGHT - 1) * term.title_occurrences
    postings = select(
        term.entry_id.label("id"),
        term.entry_length.label("length"),
        term.lexeme,
        cast(frequency, Float).label("frequency"),
    ).where(term.lexeme == any_(query_words))
    tenant_scope = KnowledgeEntry.tenant_id == bindparam(TENANT_PARAMETER)
    beyond_tenant = [condition for condition in (*conditions, *narrowing) if not condition.compare(tenant_scope)]
    if beyond_tenant:  # the entries must be asked (a filter, public entries only, a phrase)
        # Equal tenants: the planner carries the scope's tenant over to the postings' primary key.
        entry = and_(KnowledgeEntry.id == term.entry_id, KnowledgeEntry.tenant_id == term.tenant_id)
        postings = postings.join(KnowledgeEntry, entry).where(*conditions, *narrowing)
    else:  # every posting of the tenant is an entry of the tenant (the triggers keep them so): no join
        postings = postings.where(term.tenant_id == bindparam(TENANT_PARAMETER))
    hits = postings.cte("hits").prefix_with("MATERIALIZED")
    matched = select(hits.c.id, hits.c.length).distinct().subquery("matched")
    entries_with = select(hits.c.lexeme, func.count().label("count")).group_by(hits.c.lexeme).cte("document_frequency")
    corpus = select(cast(func.count(), Float)).select_from(KnowledgeEntry).where(*conditions).scalar_subquery()
    mean_length = select(cast(func.avg(matched.c.length), Float)).scalar_subquery()
    idf = func.ln(1.0 + (corpus - entries_with.c.count + 0.5) / (entries_with.c.count + 0.5))
    saturation = (hits.c.frequency * (BM25_K1 + 1.0)) / (
        hits.c.frequency + BM25_K1 * (1.0 - BM25_B + BM25_B * hits.c.length / mean_length)
    )
    return (
        select(hits.c.id, func.sum(idf * saturation).label("rank"))
        .select_from(hits.join(entries_with, entries_with.c.lexeme == hits.c.lexeme))
        .group_by(hits.c.id)
        .subquery("bm25")
    )


# The query text, the caller's limit and the query's vector in the search statements, which are built once per
# repository class and filter shape (`_search_statement`), not per query: building and keying the BM25 statement
# was about half of a full-text or hybrid search's CPU.
_QUERY = "query"
_LIMIT = "limit"
_VECTOR = "vector"
_MODEL = "model"
_ENTRY_ID = "entry_id"
_ENTRY_IDS = "entry_ids"
# Up to this many entries, a tenant's nearest entries are found exactly (`_nearest_statement`): about 1 µs of
# database time an entry at 400 (bench/README.md, API, tenth pass), so a few milliseconds here, against 5 to 15
# for a filtered HNSW scan among 100,000 vectors (bench/search.py).
EXACT_SEARCH_MAX_ENTRIES = 2_000
# Transaction-local, read by the index when the scan starts (so cached plans honour it too). It touches nothing
# but HNSW scans, and every HNSW scan is preceded by `_deepen_scan`, so it needs no undoing.
_EF_SEARCH = select(func.set_config("hnsw.ef_search", bindparam("ef_search", type_=Text), True))


class KnowledgeEntryRepository(TenantScopedRepository[KnowledgeEntry]):
    model = KnowledgeEntry

    # The columns of the rows this repository reads (lists, by id, search hits): what its responses show.
    row_columns = ENTRY_COLUMNS

    async def list_page(self, filters: KnowledgeFilters, sort: KnowledgeSort, page: Page) -> tuple[list[Row], int]:
        """One page of `row_columns` rows (read-only, not entities) and the total."""
        shape, values = filter_shape(filters)
        statement = self._built(_list_statement, self.row_columns, shape, sort)
        return await self.paginate_rows(statement, page, {**self.scope_parameters(), **values})

    async def get_row(self, entry_id: uuid.UUID) -> Row | None:
        """One entry as a `row_columns` row (read-only), or None."""
        statement = self._built(_row_statement, self.row_columns)
        rows = await self.rows(statement, {**self.scope_parameters(), _ENTRY_ID: entry_id})
        return rows[0] if rows else None

    async def get_many(self, ids: Sequence[uuid.UUID], highlight: str | None = None) -> dict[uuid.UUID, Row]:
        """These entries as `row_columns` rows (read-only), by id; with `highlight` (a search's query), each also
        has a `headline`: its content's passages with the query's words between `HIGHLIGHT_START` and
        `HIGHLIGHT_STOP`, or None for an entry without any of its words. Snippets are made here, for the hits a
        search returns, not for every candidate it ranks (a hybrid search ranks three per result; each snippet
        re-parses its entry's text)."""
        if not ids:
            return {}
        values = {**self.scope_parameters(), _ENTRY_IDS: list(ids)}
        if highlight is None:
            rows = await self.rows(self._built(_rows_statement, self.row_columns, False), values)
        else:
            rows = await self.rows(self._built(_rows_statement, self.row_columns, True), {**values, _QUERY: highlight})
        return {row["id"]: row for row in rows}

    async def get_by_source_url(self, source_url: str) -> KnowledgeEntry | None:
        return await self.one_or_none(self.select().where(KnowledgeEntry.source_url == source_url))

    async def count_usage(self, entry_ids: Sequence[uuid.UUID]) -> None:
        await self.session.execute(
            update(KnowledgeEntry)
            .where(*self.scope(), KnowledgeEntry.id.in_(entry_ids))
            .values(usage_count=KnowledgeEntry.usage_count + 1, updated_at=KnowledgeEntry.updated_at)
            .execution_options(synchronize_session=False)
        )

    # --- search ---

    async def nearest(
        self, vector: list[float], model_name: str, filters: KnowledgeFilters, limit: int, *, text: str | None = None
    ) -> list[VectorMatch]:
        """The `limit` entries closest in cosine distance among those embedded by `model_name`.

        The first statement answers exactly for a tenant of at most `EXACT_SEARCH_MAX_ENTRIES` entries, and through
        the HNSW graph beyond. If the graph's answer comes back short (a very selective filter exhausted
        `max_scan_tuples`, or fewer rows match), the exact search answers, so a filtered query returns `limit`
        rows whenever that many match. With `text` (the query `vector` embeds), nothing matches unless the text
        has a word full-text search would use (`has_meaningful_word`).
        """
        matches, exact = await self.approximate_nearest(vector, model_name, filters, limit, text=text)
        if len(matches) < limit and not exact:
            matches = await self.exact_nearest(vector, model_name, filters, limit, text=text)
        return matches

    async def approximate_nearest(
        self, vector: list[float], model_name: str, filters: KnowledgeFilters, limit: int, *, text: str | None = None
    ) -> tuple[list[VectorMatch], bool]:
        """The nearest entries, and whether they are the exact answer: exact up to `EXACT_SEARCH_MAX_ENTRIES`
        entries a tenant, else (`_nearest_statement`) HNSW search with a pgvector 0.8 iterative scan (every
        connection's, `kit.vectors.HNSW_SCAN_SETTINGS`): the graph walk goes on until `limit` rows pass the filters
        (or `max_scan_tuples` is reached), instead of filtering a fixed `ef_search` candidates. `ef_search` is
        raised to `limit` when more rows are asked for (for the rest of the transaction: a later, smaller search of
        the same unit keeps it, a little slower). No row says nothing of which side answered (False)."""
        await self._deepen_scan(limit)
        rows = await self._vector_rows("approximate", vector, model_name, filters, limit, text)
        return [_vector_match(row["id"], row["distance"]) for row in rows], _answered_exactly(rows)

    async def _deepen_scan(self, limit: int) -> None:
        if limit > HNSW_EF_SEARCH:
            await fetch(self.session, _EF_SEARCH, {"ef_search": str(limit)})

    async def exact_nearest(
        self, vector: list[float], model_name: str, filters: KnowledgeFilters, limit: int, *, text: str | None = None
    ) -> list[VectorMatch]:
        """Exact search: every filtered row's distance, then the best `limit` (`_exact_nearest_statement`)."""
        rows = await self._vector_rows("exact", vector, model_name, filters, limit, text)
        return [_vector_match(row["id"], row["distance"]) for row in rows]

    async def _vector_rows(
        self,
        kind: str,
        vector: list[float],
        model_name: str,
        filters: KnowledgeFilters,
        limit: int,
        text: str | None,
    ) -> list[Row]:
        shape, values = filter_shape(filters)
        statement = self._built(_search_statement, kind, shape, text is not None)
        parameters = {**self.scope_parameters(), **values, _VECTOR: vector, _MODEL: model_name, _LIMIT: limit}
        if text is not None:
            parameters[_QUERY] = text
        return await self.rows(statement, parameters)

    async def matching_text(self, query: str, filters: KnowledgeFilters, limit: int) -> list[TextMatch]:
        """Entries sharing any meaningful word with `query`, ranked by BM25 (snippets: `get_many(highlight=...)`).

        The query's words are stemmed and stop words dropped (the generated search column's configuration);
        an entry matching any of them is a candidate. Each matched word scores its inverse document frequency
        (among the entries the filters leave) times a saturating term frequency, normalised by the entry's
        length; a word in the title counts `TITLE_WEIGHT` times. A query without a meaningful word finds nothing.
        "Quoted phrases" and -exclusions (web search syntax) narrow the candidates; they do not change the ranking.
        """
        shape, values = filter_shape(filters)
        statement = self._built(_search_statement, _text_kind(query), shape, False)
        parameters = {**self.scope_parameters(), **values, _QUERY: query, _LIMIT: limit}
        return [_text_match(row["id"], row["rank"]) for row in await self.rows(statement, parameters)]

    async def hybrid_candidates(
        self, vector: list[float], model_name: str, query: str, filters: KnowledgeFilters, limit: int
    ) -> tuple[list[VectorMatch], list[TextMatch]]:
        """`nearest(vector, ..., text=query)` and `matching_text(query, ...)`, both in one statement (one round
        trip); the exact search still answers, in a second, when the HNSW side comes back short (not when the
        exact side answered with fewer rows: that many match)."""
        await self._deepen_scan(limit)
        shape, values = filter_shape(filters)
        statement = self._built(_search_statement, f"hybrid {_text_kind(query)}", shape, True)
        parameters = {
            **self.scope_parameters(), **values, _VECTOR: vector, _MODEL: model_name, _QUERY: query, _LIMIT: limit,
        }  # fmt: skip
        rows = await self.rows(statement, parameters)
        nearest = [row for row in rows if row["side"] == _SEMANTIC_SIDE]
        semantic = [_vector_match(row["id"], row["score"]) for row in nearest]
        textual = [_text_match(row["id"], row["score"]) for row in rows if row["side"] == _TEXT_SIDE]
        if len(semantic) < limit and not _answered_exactly(nearest):
            semantic = await self.exact_nearest(vector, model_name, filters, limit, text=query)
        return semantic, textual

    def _built(self, build: Callable[..., Select[Any]], *key: Hashable) -> Select[Any]:
        """`build(scope, *key)` for this repository class, where `scope` is `scope_for` a bind parameter: built on
        first use, then reused for every tenant and value (run it with `scope_parameters()`)."""
        cache_key: tuple[object, ...] = (type(self), build, *key)
        statement = _BUILT.get(cache_key)
        if statement is None:
            statement = _BUILT[cache_key] = build(self.scope_for(bindparam(TENANT_PARAMETER)), *key)
        return statement


def _text_kind(query: str) -> str:
    return "web text" if _WEB_SYNTAX.search(query) else "text"


def _answered_exactly(rows: Sequence[Row]) -> bool:
    """Whether rows of `_nearest_statement` come from its exact side (then a short answer is the whole answer)."""
    return bool(rows) and rows[0]["exact"] is True


def _vector_match(entry_id: uuid.UUID, distance: float) -> VectorMatch:
    return VectorMatch(entry_id=entry_id, similarity=1.0 - float(distance))


def _text_match(entry_id: uuid.UUID, rank: float) -> TextMatch:
    return TextMatch(entry_id=entry_id, rank=float(rank))


class PublicKnowledgeEntryRepository(KnowledgeEntryRepository):
    """One tenant's public entries: no query of the Learning Center can reach a private entry."""

    row_columns = PUBLIC_ENTRY_COLUMNS

    @classmethod
    def scope_for(cls, tenant_id: uuid.UUID | BindParameter[uuid.UUID]) -> list[ColumnElement[bool]]:
        return [*super().scope_for(tenant_id), KnowledgeEntry.is_public.is_(True)]


# --- statements built once per repository class and filter shape (`KnowledgeEntryRepository._built`); bounded:
# two classes, 2^7 filter sets, a few kinds and sorts ---

_BUILT: dict[tuple[object, ...], Select[Any]] = {}
Scope = list[ColumnElement[bool]]
Columns = tuple[ColumnElement[Any], ...]


def _list_statement(scope: Scope, columns: Columns, shape: FilterShape, sort: KnowledgeSort) -> Select[Any]:
    statement = select(*columns).where(*scope, *filter_conditions(shape))
    return statement.order_by(_SORT_COLUMNS[sort], KnowledgeEntry.id)


def _row_statement(scope: Scope, columns: Columns) -> Select[Any]:
    return select(*columns).where(*scope, KnowledgeEntry.id == bindparam(_ENTRY_ID))


def _rows_statement(scope: Scope, row_columns: Columns, highlighted: bool) -> Select[Any]:
    columns = [*row_columns]
    if highlighted:
        query = once_per_statement(any_word_query(bindparam(_QUERY, type_=Text)))
        # Only an entry sharing a word with the query gets one (a hybrid hit the text side did not find gets none).
        headline = func.ts_headline(_REGCONFIG, KnowledgeEntry.content, query, _HEADLINE_OPTIONS)
        columns.append(case((KnowledgeEntry.search_vector.bool_op("@@")(query), headline)).label("headline"))
    return select(*columns).where(*scope, KnowledgeEntry.id == any_(bindparam(_ENTRY_IDS, type_=ARRAY(Uuid))))


def _search_statement(scope: Scope, kind: str, shape: FilterShape, gated: bool) -> Select[Any]:
    """The statement of one search `kind` ("approximate", "exact", "text", "web text", "hybrid text", "hybrid web
    text") for one filter shape; run it with the repository's `scope_parameters()`, the filters' values and the
    query's. `gated`: the vector kinds find nothing unless the query text has a meaningful word."""
    conditions = [*scope, *filter_conditions(shape)]
    query = bindparam(_QUERY, type_=Text)
    limit = bindparam(_LIMIT, type_=Integer)
    if kind.startswith("hybrid "):
        return _hybrid_statement(conditions, query, limit, web_syntax=kind == "hybrid web text")
    if kind == "approximate":
        return _nearest_statement(conditions, query if gated else None, limit)
    if kind == "exact":
        return _exact_nearest_statement(conditions, query if gated else None, limit)
    return _text_statement(conditions, query, limit, web_syntax=kind == "web text")


def _nearest_statement(
    conditions: list[ColumnElement[bool]], text: ColumnElement[str] | None, limit: BindParameter[int]
) -> Select[Any]:
    """(id, distance, exact) of the `limit` nearest entries meeting the conditions, in one statement: exactly for a
    tenant of at most
    `EXACT_SEARCH_MAX_ENTRIES` entries (a few milliseconds at most, and no approximation where it buys nothing),
    through the HNSW graph beyond that. The tenant's size is counted up to the bound (its tenant index, no more
    than that many keys); each side runs only when the count says so (a one-time filter), so one of them scans.
    Not left to the planner: with the tenant in both the scope and the row-level policy it expects about a
    hundredth of the tenant's rows, and at 100,000 entries over 10 tenants it sorted all of a tenant's distances
    on every search (bench/README.md, API, tenth pass)."""
    counted = select(literal(1)).where(KnowledgeEntry.tenant_id == bindparam(TENANT_PARAMETER))
    size = select(func.count()).select_from(counted.limit(EXACT_SEARCH_MAX_ENTRIES + 1).subquery()).cte("tenant_size")
    tenant_size = select(size.c[0]).scalar_subquery()
    exact = _exact_nearest_statement(conditions, text, limit, when=tenant_size <= EXACT_SEARCH_MAX_ENTRIES).subquery()
    approximate = _approximate_nearest_statement(
        conditions, text, limit, when=tenant_size > EXACT_SEARCH_MAX_ENTRIES
    ).subquery()
    sides = union_all(
        select(exact.c.id, exact.c.distance, literal(True).label("exact")),
        select(approximate.c.id, approximate.c.distance, literal(False).label("exact")),
    ).subquery("nearest_side")
    return select(sides.c.id, sides.c.distance, sides.c.exact).order_by(sides.c.distance, sides.c.id)


def _approximate_nearest_statement(
    conditions: list[ColumnElement[bool]],
    text: ColumnElement[str] | None,
    limit: BindParameter[int],
    when: ColumnElement[bool] | None = None,
) -> Select[Any]:
    """The HNSW scan of the tenant's vectors drives, and each vector it yields is kept if its entry meets the
    conditions, asked of the entry by its key in a sub-select that PostgreSQL may not turn into a join (`OFFSET 0`),
    so the iterative scan walks on until `limit` entries pass. As a join, the planner could start from the entries
    instead (their tenant index) and sort every distance. The vectors' table has no index but its key and the
    graph, so its order can come from nothing else. `when`: a condition on which it runs at all."""
    vector = KnowledgeEntryEmbedding
    distance = vector.embedding.cosine_distance(bindparam(_VECTOR))
    entry_qualifies = (
        select(literal(1))
        .where(KnowledgeEntry.id == vector.entry_id, KnowledgeEntry.tenant_id == vector.tenant_id, *conditions)
        .where(KnowledgeEntry.embedding_model == bindparam(_MODEL))
        .offset(0)
        .exists()
    )
    gate = [has_meaningful_word(text)] if text is not None else []
    # Materialised so relaxed-order candidates are re-sorted exactly, as pgvector's documentation advises.
    candidates = (
        select(vector.entry_id.label("id"), distance.label("distance"))
        .where(vector.tenant_id == bindparam(TENANT_PARAMETER), *gate, *_when(when), entry_qualifies)
        .order_by(distance)
        .limit(limit)
        .cte("candidates")
        .prefix_with("MATERIALIZED")
    )
    return select(candidates.c.id, candidates.c.distance)


def _exact_nearest_statement(
    conditions: list[ColumnElement[bool]],
    text: ColumnElement[str] | None,
    limit: BindParameter[int],
    when: ColumnElement[bool] | None = None,
) -> Select[Any]:
    """Exact by construction, not by planner settings (a cached generic plan would ignore those): the sort sits
    outside a materialised CTE, where no index can provide the order. Only ids and distances are kept. The
    vectors and the entries meeting the conditions are joined (on equal tenants too, so the planner carries the
    scope's tenant over to the vectors). `when`: a condition on which it runs at all."""
    distance = KnowledgeEntryEmbedding.embedding.cosine_distance(bindparam(_VECTOR))
    embedded = join(
        KnowledgeEntryEmbedding,
        KnowledgeEntry,
        and_(
            KnowledgeEntry.id == KnowledgeEntryEmbedding.entry_id,
            KnowledgeEntry.tenant_id == KnowledgeEntryEmbedding.tenant_id,
        ),
    )
    gate = [has_meaningful_word(text)] if text is not None else []
    scored = (
        select(KnowledgeEntry.id.label("id"), distance.label("distance"))
        .select_from(embedded)
        .where(*conditions, *gate, *_when(when), KnowledgeEntry.embedding_model == bindparam(_MODEL))
        .cte("scored")
        .prefix_with("MATERIALIZED")
    )
    return select(scored.c.id, scored.c.distance).order_by(scored.c.distance, scored.c.id).limit(limit)


def _when(condition: ColumnElement[bool] | None) -> list[ColumnElement[bool]]:
    return [] if condition is None else [condition]


def _text_statement(
    conditions: list[ColumnElement[bool]], query: ColumnElement[str], limit: BindParameter[int], *, web_syntax: bool
) -> Select[Any]:
    narrowing = [
        KnowledgeEntry.search_vector.bool_op("@@")(once_per_statement(func.websearch_to_tsquery(_REGCONFIG, query)))
    ]
    bm25 = _bm25(conditions, query, narrowing if web_syntax else [])
    # No snippets here: `get_many(highlight=...)` makes them for the hits returned.
    return select(bm25.c.id, bm25.c.rank).order_by(bm25.c.rank.desc(), bm25.c.id).limit(limit)


_SEMANTIC_SIDE = "semantic"
_TEXT_SIDE = "text"


def _hybrid_statement(
    conditions: list[ColumnElement[bool]], query: ColumnElement[str], limit: BindParameter[int], *, web_syntax: bool
) -> Select[Any]:
    """(side, id, score, exact) rows: the nearest entries (score: distance, nearest first; exact: whether the exact
    side of `_nearest_statement` answered), then the BM25 best (score: rank, best first), each side limited by
    itself."""
    nearest = _nearest_statement(conditions, query, limit).subquery("nearest")
    ranked = _text_statement(conditions, query, limit, web_syntax=web_syntax).subquery("ranked")
    sides = union_all(
        select(literal(_SEMANTIC_SIDE).label("side"), nearest.c.id, nearest.c.distance.label("score"), nearest.c.exact),
        select(
            literal(_TEXT_SIDE).label("side"), ranked.c.id, ranked.c.rank.label("score"), literal(None).label("exact")
        ),
    ).subquery("sides")
    in_side_order = case((sides.c.side == _SEMANTIC_SIDE, sides.c.score), else_=-sides.c.score)
    columns = (sides.c.side, sides.c.id, sides.c.score, sides.c.exact)
    return select(*columns).order_by(sides.c.side, in_side_order, sides.c.id)


class FaqCategoryRepository(TenantScopedRepository[FaqCategory]):
    model = FaqCategory

    async def list_all(self) -> Sequence[FaqCategory]:
        return await self.all(self.select().order_by(FaqCategory.display_order, FaqCategory.name, FaqCategory.id))

    async def get_by_slug(self, slug: str) -> FaqCategory | None:
        return await self.one_or_none(self.select().where(FaqCategory.slug == slug))

    async def ancestor_ids(self, category_id: uuid.UUID) -> set[uuid.UUID]:
        """`category_id` and every category above it (the walk stops at a repeat, so even bad data ends)."""
        tree = (
            select(FaqCategory.id, FaqCategory.parent_id)
            .where(FaqCategory.tenant_id == self.tenant_id, FaqCategory.id == category_id)
            .cte("ancestors", recursive=True)
        )
        parent = aliased(FaqCategory)
        step = select(parent.id, parent.parent_id).where(
            parent.tenant_id == self.tenant_id, parent.id == tree.c.parent_id
        )
        tree = tree.union(step)
        return set(await self.all(select(tree.c.id)))

    async def lock_tree(self) -> None:
        """Serialise moves within this tenant's tree until the transaction ends."""
        key = func.hashtextextended(f"faq_categories:{self.tenant_id}", 0)
        await self.session.execute(select(func.pg_advisory_xact_lock(key)))

    async def has_children(self, category_id: uuid.UUID) -> bool:
        statement = select(self.select().where(FaqCategory.parent_id == category_id).exists())
        return bool(await self.session.scalar(statement))


class KnowledgeVoteRepository(TenantScopedRepository[KnowledgeVote]):
    model = KnowledgeVote

    async def get_for_voter(self, entry_id: uuid.UUID, voter_key: str) -> KnowledgeVote | None:
        statement = self.select().where(KnowledgeVote.entry_id == entry_id, KnowledgeVote.voter_key == voter_key)
        return await self.one_or_none(statement)


class EmbeddingQueue(Repository[KnowledgeEntry]):
    """The embedding pipeline's view across tenants: jobs carry only an entry id (DESIGN.md §4)."""

    model = KnowledgeEntry

    async def claim(
        self, *, entry_ids: Sequence[uuid.UUID] | None = None, limit: int, stale_before: datetime
    ) -> list[EmbeddingWork]:
        """Mark entries `processing` and return their text; concurrent claimers skip each other's rows.

        Without `entry_ids`: pending entries, and `processing` ones abandoned before `stale_before` (a
        worker killed mid-job). With them: those entries unless already completed, so a redelivered job is a
        no-op once its work is done but does resume after a worker died mid-job.
        """
        if entry_ids is not None:
            wanted: ColumnElement[bool] = KnowledgeEntry.id.in_(entry_ids) & (
                KnowledgeEntry.embedding_status != EmbeddingStatus.completed
            )
        else:
            wanted = or_(
                KnowledgeEntry.embedding_status == EmbeddingStatus.pending,
                (KnowledgeEntry.embedding_status == EmbeddingStatus.processing)
                & (KnowledgeEntry.updated_at < stale_before),
            )
        locked = (
            select(KnowledgeEntry.id)
            .where(wanted)
            .order_by(KnowledgeEntry.updated_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        statement = (
            update(KnowledgeEntry)
            .where(KnowledgeEntry.id.in_(locked))
            .values(embedding_status=EmbeddingStatus.processing, embedding_error=None, updated_at=func.now())
            .returning(KnowledgeEntry.id, KnowledgeEntry.title, KnowledgeEntry.content)
            .execution_options(synchronize_session=False)
        )
        rows = (await self.session.execute(statement)).all()
        return [EmbeddingWork(entry_id=row.id, text=embedding_text(row.title, row.content)) for row in rows]

    async def store(self, work: EmbeddingWork, vector: list[float], model_name: str) -> bool:
        """Save an embedding unless the entry changed meanwhile (then a newer job owns it); True if saved."""
        statement = (
            update(KnowledgeEntry)
            .where(*self._unchanged(work))
            .values(
                embedding_model=model_name,
                embedding_status=EmbeddingStatus.completed,
                embedding_error=None,
                embedded_at=func.now(),
            )
            .returning(KnowledgeEntry.tenant_id)
            .execution_options(synchronize_session=False)
        )
        tenant_id = (await self.session.execute(statement)).scalar_one_or_none()
        if tenant_id is None:
            return False
        vector_row = insert(KnowledgeEntryEmbedding).values(
            entry_id=work.entry_id, tenant_id=tenant_id, embedding=vector
        )
        await self.session.execute(
            vector_row.on_conflict_do_update(
                index_elements=[KnowledgeEntryEmbedding.entry_id], set_={"embedding": vector_row.excluded.embedding}
            )
        )
        return True

    async def fail(self, work: EmbeddingWork, error: str) -> None:
        statement = (
            update(KnowledgeEntry)
            .where(*self._unchanged(work))
            .values(embedding_status=EmbeddingStatus.failed, embedding_error=error)
            .execution_options(synchronize_session=False)
        )
        await self.session.execute(statement)

    async def mark_missing_pending(self, model_name: str) -> int:
        """Mark pending every entry without a current embedding (none yet, failed, or another model's)."""
        statement = (
            update(KnowledgeEntry)
            .where(
                KnowledgeEntry.embedding_status != EmbeddingStatus.processing,
                or_(
                    KnowledgeEntry.embedding_status != EmbeddingStatus.completed,
                    KnowledgeEntry.embedding_model.is_distinct_from(model_name),
                ),
            )
            .values(embedding_status=EmbeddingStatus.pending)
            .execution_options(synchronize_session=False)
        )
        return await self.rowcount(statement)

    async def pending(self) -> list[PendingEntry]:
        statement = (
            select(KnowledgeEntry.id, KnowledgeEntry.tenant_id)
            .where(KnowledgeEntry.embedding_status == EmbeddingStatus.pending)
            .order_by(KnowledgeEntry.updated_at)
        )
        return [PendingEntry(entry_id=row.id, tenant_id=row.tenant_id) for row in await self.session.execute(statement)]

    async def count_pending(self) -> int:
        statement = select(func.count()).where(KnowledgeEntry.embedding_status == EmbeddingStatus.pending)
        return int(await self.session.scalar(statement) or 0)

    @staticmethod
    def _unchanged(work: EmbeddingWork) -> list[ColumnElement[bool]]:
        # Still ours: being processed, with the very text we embedded.
        return [
            KnowledgeEntry.id == work.entry_id,
            KnowledgeEntry.embedding_status == EmbeddingStatus.processing,
            func.concat(KnowledgeEntry.title, "\n\n", KnowledgeEntry.content) == work.text,
        ]
