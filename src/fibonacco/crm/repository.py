"""All CRM SQL. Every repository is one tenant's view; nothing here crosses tenants."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Select,
    Table,
    Text,
    UnaryExpression,
    and_,
    any_,
    bindparam,
    delete,
    exists,
    func,
    not_,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.orm import aliased, defer, with_expression
from sqlalchemy.sql.selectable import TableValuedAlias

from fibonacco.crm.models import (
    CUSTOM_TEXT_INDEXED_BYTES,
    Consent,
    ConsentChannel,
    ConsentStatus,
    Contact,
    Conversation,
    ConversationMessage,
    ConversationStatus,
    Customer,
    CustomerEvent,
    CustomerFaq,
    CustomerImport,
    CustomerImportChunk,
    CustomFieldDefinition,
    CustomFieldType,
    PendingQuestion,
    PrivacyAudit,
    QuestionStatus,
    Segment,
    customer_field_values,
)
from fibonacco.crm.schemas import ConversationFilters, CustomerSort, PendingQuestionFilters, TimelineFilters
from fibonacco.kit.ids import new_id
from fibonacco.kit.repository import TenantScopedRepository
from fibonacco.kit.responses import Page

# Two open questions whose normalised texts are at least this similar (pg_trgm similarity) are one question.
QUESTION_SIMILARITY = 0.8
# Columns an import may write (the rest are the platform's own).
IMPORT_COLUMNS = (
    "name",
    "slug",
    "email",
    "phone",
    "website",
    "address",
    "industry",
    "timezone",
    "stage",
    "stage_changed_at",
    "owner_id",
    "tags",
    "metadata",
    "custom_fields",
    "do_not_contact",
)


# Core table: import rows are keyed by column name ("metadata"), not attribute name ("extra").
_CUSTOMERS = cast(Table, Customer.__table__)
# Import columns sent as they are, and those sent as JSON text (the tags too: unnest would flatten an array of
# arrays), with their element types for the arrays `unnest` reads.
_UPSERT_PLAIN = {
    "name": "text",
    "slug": "text",
    "email": "text",
    "phone": "text",
    "website": "text",
    "industry": "text",
    "timezone": "text",
    "stage": "text",
    "stage_changed_at": "timestamptz",
    "owner_id": "uuid",
    "do_not_contact": "boolean",
}
_UPSERT_JSON = ("address", "tags", "metadata", "custom_fields")
# Built from the constants above; every value is a bound parameter.
_UPSERT_CUSTOMERS = text(
    "INSERT INTO customers (id, tenant_id, {columns}, created_at, updated_at)"  # noqa: S608
    " SELECT u.id, :tenant_id, {plain}, u.address::jsonb,"
    " ARRAY(SELECT jsonb_array_elements_text(u.tags::jsonb))::varchar(100)[], u.metadata::jsonb,"
    " u.custom_fields::jsonb, now(), now()"
    " FROM unnest(CAST(:id AS uuid[]), {arrays}) AS u(id, {names})"
    " ON CONFLICT (id) DO UPDATE SET {updates}, updated_at = now() WHERE customers.tenant_id = :tenant_id".format(
        columns=", ".join((*_UPSERT_PLAIN, *_UPSERT_JSON)),
        plain=", ".join(f"u.{name}" for name in _UPSERT_PLAIN),
        arrays=", ".join(
            [f"CAST(:{name} AS {kind}[])" for name, kind in _UPSERT_PLAIN.items()]
            + [f"CAST(:{name} AS text[])" for name in _UPSERT_JSON]
        ),
        names=", ".join((*_UPSERT_PLAIN, *_UPSERT_JSON)),
        updates=", ".join(f"{name} = excluded.{name}" for name in (*_UPSERT_PLAIN, *_UPSERT_JSON)),
    )
)
_APPEND_EVENTS = text(
    "INSERT INTO customer_events (id, tenant_id, customer_id, type, occurred_at, source, source_id, data)"
    " SELECT u.id, :tenant_id, u.customer_id, u.type, u.occurred_at, u.source, u.source_id, u.data::jsonb"
    " FROM unnest(CAST(:id AS uuid[]), CAST(:customer_id AS uuid[]), CAST(:type AS text[]),"
    " CAST(:occurred_at AS timestamptz[]), CAST(:source AS text[]), CAST(:source_id AS text[]), CAST(:data AS text[]))"
    " AS u(id, customer_id, type, occurred_at, source, source_id, data)"
)


def _any_text(values: Sequence[str]) -> ColumnElement[Any]:
    """`= ANY(array)`: one parameter, however many values (an expanded IN list is slow to compile and plan)."""
    return any_(bindparam(None, list(values), type_=ARRAY(Text)))


def _json_or_none(value: Any) -> str | None:
    return None if value is None else json.dumps(value)


@dataclass(frozen=True)
class CustomCondition:
    """One validated custom field condition: `op` is "=", ">=" or "<="."""

    key: str
    kind: CustomFieldType
    op: str
    value: Any


@dataclass(frozen=True)
class CustomerQuery:
    """Customer filters resolved against the tenant's custom fields (see `service.resolve_filters`)."""

    q: str | None = None
    stages: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    industry: str | None = None
    owner_id: uuid.UUID | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    active_from: datetime | None = None
    active_to: datetime | None = None
    consent: tuple[tuple[ConsentChannel, ConsentStatus], ...] = ()
    do_not_contact: bool | None = None
    custom: tuple[CustomCondition, ...] = ()


def _matches(q: str) -> TableValuedAlias:
    """The customers every word of `q` matches (a word of their name, email, phone or slug contains it or is
    like it, allowing a typo), with a relevance score: `crm_customers_matching` (migration 0010), which reads the
    trigram index beside the row-level policies, for the tenant the transaction is bound to."""
    return func.crm_customers_matching(q).table_valued("customer_id", "score").render_derived()


def _consent_condition(channel: ConsentChannel, status: ConsentStatus) -> ColumnElement[bool]:
    if status == ConsentStatus.unknown:
        recorded = select(Consent.id).where(
            Consent.customer_id == Customer.id,
            Consent.channel == channel,
            Consent.status != ConsentStatus.unknown,
        )
        return not_(exists(recorded))
    matching = select(Consent.id).where(
        Consent.customer_id == Customer.id, Consent.channel == channel, Consent.status == status
    )
    return exists(matching)


def _customers_with_value(tenant_id: uuid.UUID, condition: CustomCondition) -> Select[uuid.UUID] | None:
    """The ids of the customers whose value meets `condition`, from `customer_field_values` (migration 0011),
    whose LEAKPROOF comparisons an index answers under the row-level policy; None for a text value too long to
    be copied there."""
    values = customer_field_values.c
    column: ColumnElement[Any]
    value: float | str
    if condition.kind == CustomFieldType.number:
        column, value = values.number_value, float(condition.value)
    elif condition.kind == CustomFieldType.boolean:
        column, value = values.text_value, "true" if condition.value else "false"
    else:  # text, select, multi-select (any option) and dates (ISO text, which sorts like the dates)
        column, value = values.text_value, condition.value
        if len(str(value).encode()) > CUSTOM_TEXT_INDEXED_BYTES:
            return None
    compared = {"=": column == value, ">=": column >= value, "<=": column <= value}[condition.op]
    return select(values.customer_id).where(values.tenant_id == tenant_id, values.key == condition.key, compared)


def _custom_condition(tenant_id: uuid.UUID, condition: CustomCondition) -> ColumnElement[bool]:
    having = _customers_with_value(tenant_id, condition)
    if having is None:  # a text too long for the values table: looked for in `custom_fields` itself
        contained = [condition.value] if condition.kind == CustomFieldType.multi_select else condition.value
        return Customer.custom_fields.contains({condition.key: contained})
    return Customer.id.in_(having)


def _count_from_values(tenant_id: uuid.UUID, query: CustomerQuery) -> Select[int] | None:
    """The count of a query whose only conditions are custom values, from `customer_field_values` alone: one
    index-only scan per condition, their customers intersected, instead of a join with every customer of the
    tenant (a value held by 25,000 of 100,000 customers: ~20 ms against ~95). Exact, because the statement that
    writes, renames or erases a customer rewrites its values (0011's triggers). None for any other query."""
    if not query.custom or replace(query, custom=()) != CustomerQuery():
        return None
    matching = [_customers_with_value(tenant_id, condition) for condition in query.custom]
    if any(customers is None for customers in matching):
        return None
    first, *others = cast(list[Select[uuid.UUID]], matching)
    customers = first.intersect(*others) if others else first.distinct()
    return select(func.count()).select_from(customers.subquery())


def customer_conditions(tenant_id: uuid.UUID, query: CustomerQuery) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if query.q:
        conditions.append(Customer.id.in_(select(_matches(query.q).c.customer_id)))
    if query.stages:
        conditions.append(Customer.stage.in_(query.stages))
    if query.tags:
        conditions.append(Customer.tags.contains(list(query.tags)))
    if query.industry is not None:
        conditions.append(Customer.industry == query.industry)
    if query.owner_id is not None:
        conditions.append(Customer.owner_id == query.owner_id)
    if query.created_from is not None:
        conditions.append(Customer.created_at >= query.created_from)
    if query.created_to is not None:
        conditions.append(Customer.created_at < query.created_to)
    if query.active_from is not None:
        conditions.append(Customer.last_activity_at >= query.active_from)
    if query.active_to is not None:
        conditions.append(Customer.last_activity_at < query.active_to)
    conditions.extend(_consent_condition(channel, status) for channel, status in query.consent)
    if query.do_not_contact is not None:
        conditions.append(Customer.do_not_contact.is_(query.do_not_contact))
    conditions.extend(_custom_condition(tenant_id, condition) for condition in query.custom)
    return conditions


_SORT_COLUMNS: dict[CustomerSort, UnaryExpression[Any]] = {
    CustomerSort.newest: Customer.created_at.desc(),
    CustomerSort.oldest: Customer.created_at.asc(),
    CustomerSort.name: Customer.name.asc(),
    CustomerSort.name_desc: Customer.name.desc(),
    CustomerSort.recently_active: Customer.last_activity_at.desc().nulls_last(),
}


class CustomerRepository(TenantScopedRepository[Customer]):
    model = Customer

    def matching(self, query: CustomerQuery, sort: CustomerSort = CustomerSort.newest) -> Select[Customer]:
        if sort == CustomerSort.relevance and query.q:
            matches = _matches(query.q)
            others = customer_conditions(self.tenant_id, replace(query, q=None))
            statement = self.select().join(matches, matches.c.customer_id == Customer.id).where(*others)
            return statement.order_by(matches.c.score.desc(), Customer.id)
        order = _SORT_COLUMNS.get(sort, _SORT_COLUMNS[CustomerSort.newest])
        return self.select().where(*customer_conditions(self.tenant_id, query)).order_by(order, Customer.id)

    async def list_page(self, query: CustomerQuery, sort: CustomerSort, page: Page) -> tuple[Sequence[Customer], int]:
        """One page, and the total from its own count (which needs only the conditions, often from an index
        alone)."""
        await self.plan_for_values()
        if (
            query.q
            and sort == CustomerSort.relevance
            and not customer_conditions(self.tenant_id, replace(query, q=None))
        ):
            return await self._best_matches(query.q, page)
        return await self.page_then_count(self.matching(query, sort), page, _count_from_values(self.tenant_id, query))

    async def _best_matches(self, q: str, page: Page) -> tuple[Sequence[Customer], int]:
        """A search with no other filter, best match first, in one statement that calls the matching function once.
        Its rows are exactly the tenant's customers that match (their words are kept by the statement that writes
        the customer), so the page is cut from them before a customer is read (20 look-ups, not one per match) and
        the total is their count."""
        matches = select(_matches(q)).cte("matches").prefix_with("MATERIALIZED")
        best = (
            select(matches)
            .order_by(matches.c.score.desc(), matches.c.customer_id)
            .limit(page.per_page)
            .offset(page.offset)
            .subquery("best")
        )
        total = select(func.count()).select_from(matches).scalar_subquery()
        statement = (
            self.select()
            .add_columns(total)
            .join(best, best.c.customer_id == Customer.id)
            .order_by(best.c.score.desc(), best.c.customer_id)
        )
        rows = (await self.session.execute(statement)).tuples().all()
        if rows:
            return [customer for customer, _ in rows], int(rows[0][1])
        # Past the last page (or nothing matches): no row carries the total.
        return [], int(await self.session.scalar(select(func.count()).select_from(_matches(q))) or 0)

    async def count(self, query: CustomerQuery) -> int:
        await self.plan_for_values()
        statement = _count_from_values(self.tenant_id, query)
        if statement is None:
            conditions = customer_conditions(self.tenant_id, query)
            statement = select(func.count()).select_from(Customer).where(*self.scope(), *conditions)
        return int(await self.session.scalar(statement) or 0)

    async def all_matching(self, query: CustomerQuery) -> Sequence[Customer]:
        await self.plan_for_values()
        statement = self.matching(query, CustomerSort.oldest)
        return (await self.session.execute(statement)).scalars().all()

    async def tag_counts(self, limit: int) -> list[tuple[str, int]]:
        """The tenant's tags with how many customers have each, most used first."""
        tags = select(func.unnest(Customer.tags).label("value")).where(*self.scope()).subquery()
        count = func.count().label("count")
        statement = select(tags.c.value, count).group_by(tags.c.value).order_by(count.desc(), tags.c.value).limit(limit)
        return [(value, int(n)) for value, n in (await self.session.execute(statement)).tuples()]

    async def industry_counts(self, limit: int) -> list[tuple[str, int]]:
        """The tenant's industries with how many customers are in each, most used first."""
        count = func.count().label("count")
        statement = (
            select(Customer.industry, count)
            .where(*self.scope(), Customer.industry.is_not(None))
            .group_by(Customer.industry)
            .order_by(count.desc(), Customer.industry)
            .limit(limit)
        )
        return [(value, int(n)) for value, n in (await self.session.execute(statement)).tuples() if value is not None]

    async def get_by_slug(self, slug: str) -> Customer | None:
        return (await self.session.execute(self.select().where(Customer.slug == slug))).scalar_one_or_none()

    async def get_by_email(self, email: str) -> Customer | None:
        return (await self.session.execute(self.select().where(Customer.email == email))).scalar_one_or_none()

    async def taken_slugs(self, candidates: Sequence[str]) -> dict[str, uuid.UUID]:
        """Which of `candidates` are in use, and by whom."""
        if not candidates:
            return {}
        statement = select(Customer.slug, Customer.id).where(*self.scope(), Customer.slug == _any_text(candidates))
        return {slug: id for slug, id in (await self.session.execute(statement)).tuples()}

    async def taken_emails(self, emails: Sequence[str]) -> dict[str, uuid.UUID]:
        if not emails:
            return {}
        statement = select(Customer.email, Customer.id).where(*self.scope(), Customer.email == _any_text(emails))
        return {email: id for email, id in (await self.session.execute(statement)).tuples() if email is not None}

    async def import_state(self, column: str, values: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The import columns (and id) of the customers whose `column` is one of `values`, keyed by it: plain
        rows, not ORM objects (an import chunk compares a thousand of them)."""
        if not values:
            return {}
        key = _CUSTOMERS.c[column]
        statement = select(_CUSTOMERS.c.id, *(_CUSTOMERS.c[name] for name in IMPORT_COLUMNS)).where(
            *self.scope(), key == _any_text(values)
        )
        return {row[column]: dict(row) for row in (await self.session.execute(statement)).mappings()}

    async def upsert_many(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Insert new rows and overwrite the import columns of existing ones (matched by id): one set-based
        statement for the whole chunk, its values sent as one array per column (`unnest`)."""
        if not rows:
            return
        await self.session.execute(
            _UPSERT_CUSTOMERS,
            {
                "tenant_id": self.tenant_id,
                **{name: [row[name] for row in rows] for name in ("id", *_UPSERT_PLAIN)},
                **{name: [_json_or_none(row[name]) for row in rows] for name in _UPSERT_JSON},
            },
        )

    async def touch_activity(self, customer_id: uuid.UUID, occurred_at: datetime) -> None:
        await self.session.execute(
            update(Customer)
            .where(*self.scope(), Customer.id == customer_id)
            .values(
                last_activity_at=func.greatest(func.coalesce(Customer.last_activity_at, occurred_at), occurred_at),
                updated_at=Customer.updated_at,
            )
            .execution_options(synchronize_session=False)
        )

    async def erase(self, customer_id: uuid.UUID) -> None:
        """Delete the customer; contacts, consents, conversations, messages, FAQs and events cascade with it."""
        await self.session.execute(
            delete(Customer)
            .where(*self.scope(), Customer.id == customer_id)
            .execution_options(synchronize_session=False)
        )

    async def remove_custom_field(self, key: str) -> None:
        await self.session.execute(
            update(Customer)
            .where(*self.scope(), Customer.custom_fields.has_key(key))
            .values(custom_fields=Customer.custom_fields - key)
            .execution_options(synchronize_session=False)
        )


class CustomFieldRepository(TenantScopedRepository[CustomFieldDefinition]):
    model = CustomFieldDefinition

    async def list_all(self) -> Sequence[CustomFieldDefinition]:
        statement = self.select().order_by(CustomFieldDefinition.key)
        return (await self.session.execute(statement)).scalars().all()

    async def get_by_key(self, key: str) -> CustomFieldDefinition | None:
        statement = self.select().where(CustomFieldDefinition.key == key)
        return (await self.session.execute(statement)).scalar_one_or_none()


class ContactRepository(TenantScopedRepository[Contact]):
    model = Contact

    async def for_customer(self, customer_id: uuid.UUID) -> Sequence[Contact]:
        statement = (
            self.select()
            .where(Contact.customer_id == customer_id)
            .order_by(Contact.is_primary.desc(), Contact.name, Contact.id)
        )
        return (await self.session.execute(statement)).scalars().all()

    async def get_for_customer(self, customer_id: uuid.UUID, contact_id: uuid.UUID) -> Contact | None:
        statement = self.select().where(Contact.customer_id == customer_id, Contact.id == contact_id)
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def clear_primary(self, customer_id: uuid.UUID, keep: uuid.UUID | None) -> None:
        conditions = [*self.scope(), Contact.customer_id == customer_id]
        if keep is not None:
            conditions.append(Contact.id != keep)
        await self.session.execute(
            update(Contact).where(*conditions).values(is_primary=False).execution_options(synchronize_session="fetch")
        )


class ConsentRepository(TenantScopedRepository[Consent]):
    model = Consent

    async def for_customer(self, customer_id: uuid.UUID) -> Sequence[Consent]:
        statement = self.select().where(Consent.customer_id == customer_id)
        return (await self.session.execute(statement)).scalars().all()

    async def lock_for_channel(self, customer_id: uuid.UUID, channel: ConsentChannel) -> Consent | None:
        statement = (
            self.select().where(Consent.customer_id == customer_id, Consent.channel == channel).with_for_update()
        )
        return (await self.session.execute(statement)).scalar_one_or_none()


class CustomerEventRepository(TenantScopedRepository[CustomerEvent]):
    model = CustomerEvent

    async def append(self, values: dict[str, Any]) -> bool:
        """Insert one event; False if an event with the same `(source, source_id)` exists already."""
        statement = (
            insert(CustomerEvent)
            .values(id=new_id(), tenant_id=self.tenant_id, **values)
            .on_conflict_do_nothing(
                index_elements=[CustomerEvent.tenant_id, CustomerEvent.source, CustomerEvent.source_id],
                index_where=CustomerEvent.source_id.is_not(None),
            )
            .returning(CustomerEvent.id)
        )
        return (await self.session.execute(statement)).scalar_one_or_none() is not None

    async def append_many(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Append many events in one set-based statement."""
        if rows:
            columns = ("customer_id", "type", "occurred_at", "source", "source_id")
            values: dict[str, Any] = {name: [row[name] for row in rows] for name in columns}
            values["id"] = [new_id() for _ in rows]
            values["data"] = [json.dumps(row["data"]) for row in rows]
            await self.session.execute(_APPEND_EVENTS, {"tenant_id": self.tenant_id, **values})

    async def timeline(
        self, customer_id: uuid.UUID, filters: TimelineFilters, page: Page
    ) -> tuple[Sequence[CustomerEvent], int]:
        statement = self.select().where(CustomerEvent.customer_id == customer_id)
        if filters.type:
            statement = statement.where(CustomerEvent.type.in_(filters.type))
        if filters.before is not None:
            statement = statement.where(CustomerEvent.occurred_at < filters.before)
        if filters.after is not None:
            statement = statement.where(CustomerEvent.occurred_at >= filters.after)
        statement = statement.order_by(CustomerEvent.occurred_at.desc(), CustomerEvent.id.desc())
        # A busy customer has tens of thousands of events: counted from the (tenant, customer, …) index alone.
        return await self.page_then_count(statement, page)

    async def for_customer(self, customer_id: uuid.UUID) -> Sequence[CustomerEvent]:
        statement = self.select().where(CustomerEvent.customer_id == customer_id).order_by(CustomerEvent.occurred_at)
        return (await self.session.execute(statement)).scalars().all()


class SegmentRepository(TenantScopedRepository[Segment]):
    model = Segment

    async def list_page(self, page: Page) -> tuple[Sequence[Segment], int]:
        return await self.paginate(self.select().order_by(Segment.name, Segment.id), page)

    async def get_by_name(self, name: str) -> Segment | None:
        return (await self.session.execute(self.select().where(Segment.name == name))).scalar_one_or_none()


class ConversationRepository(TenantScopedRepository[Conversation]):
    model = Conversation

    async def list_page(
        self, filters: ConversationFilters, now: datetime, page: Page
    ) -> tuple[Sequence[Conversation], int]:
        """A page of conversations with their customers' names (a join, in the same statement). Follow-ups due
        come most overdue first; otherwise newest first."""
        statement = (
            self.select()
            .join(Customer, and_(Customer.id == Conversation.customer_id, Customer.tenant_id == self.tenant_id))
            .options(with_expression(Conversation.customer_name, Customer.name))
        )
        if filters.customer_id is not None:
            statement = statement.where(Conversation.customer_id == filters.customer_id)
        if filters.status is not None:
            statement = statement.where(Conversation.status == filters.status)
        if filters.channel is not None:
            statement = statement.where(Conversation.channel == filters.channel)
        if filters.follow_up_due is not None:
            due = and_(Conversation.status == ConversationStatus.open, Conversation.follow_up_at <= now)
            statement = statement.where(due if filters.follow_up_due else not_(due))
        if filters.follow_up_due:
            statement = statement.order_by(Conversation.follow_up_at, Conversation.id)
        else:
            statement = statement.order_by(Conversation.started_at.desc(), Conversation.id)
        return await self.paginate(statement, page)

    async def recent_for_customer(self, customer_id: uuid.UUID, limit: int) -> Sequence[Conversation]:
        statement = (
            self.select()
            .where(Conversation.customer_id == customer_id)
            .order_by(Conversation.started_at.desc(), Conversation.id)
            .limit(limit)
        )
        return (await self.session.execute(statement)).scalars().all()

    async def for_customer(self, customer_id: uuid.UUID) -> Sequence[Conversation]:
        statement = self.select().where(Conversation.customer_id == customer_id).order_by(Conversation.started_at)
        return (await self.session.execute(statement)).scalars().all()


class ConversationMessageRepository(TenantScopedRepository[ConversationMessage]):
    model = ConversationMessage

    async def list_page(self, conversation_id: uuid.UUID, page: Page) -> tuple[Sequence[ConversationMessage], int]:
        statement = (
            self.select()
            .where(ConversationMessage.conversation_id == conversation_id)
            .order_by(ConversationMessage.sent_at, ConversationMessage.id)
        )
        return await self.paginate(statement, page)

    async def for_customer(self, customer_id: uuid.UUID) -> Sequence[ConversationMessage]:
        statement = (
            self.select()
            .join(Conversation, Conversation.id == ConversationMessage.conversation_id)
            .where(Conversation.customer_id == customer_id)
            .order_by(ConversationMessage.sent_at, ConversationMessage.id)
        )
        return (await self.session.execute(statement)).scalars().all()


# The customer who asked a question, and the customer whose FAQ its answer became.
_ASKER = aliased(Customer)
_FAQ_OWNER = aliased(Customer)


class PendingQuestionRepository(TenantScopedRepository[PendingQuestion]):
    model = PendingQuestion

    def viewing(self) -> Select[PendingQuestion]:
        """`select()` with the asker's name and the FAQ's customer filled in, by outer joins in the same
        statement (an inbox page is one query, not one per customer)."""
        faq = and_(CustomerFaq.id == PendingQuestion.faq_id, CustomerFaq.tenant_id == PendingQuestion.tenant_id)
        return (
            self.select()
            .outerjoin(_ASKER, and_(_ASKER.id == PendingQuestion.customer_id, _ASKER.tenant_id == self.tenant_id))
            .outerjoin(CustomerFaq, faq)
            .outerjoin(
                _FAQ_OWNER, and_(_FAQ_OWNER.id == CustomerFaq.customer_id, _FAQ_OWNER.tenant_id == self.tenant_id)
            )
            .options(
                defer(PendingQuestion.embedding),  # 1536 floats no view shows
                with_expression(PendingQuestion.customer_name, _ASKER.name),
                with_expression(PendingQuestion.faq_customer_id, CustomerFaq.customer_id),
                with_expression(PendingQuestion.faq_customer_name, _FAQ_OWNER.name),
            )
            .execution_options(populate_existing=True)
        )

    async def get_view(self, question_id: uuid.UUID) -> PendingQuestion | None:
        """The question as `viewing()` shows it (refreshing the session's copy, e.g. after a change)."""
        return await self.one_or_none(self.viewing().where(PendingQuestion.id == question_id))

    async def list_page(self, filters: PendingQuestionFilters, page: Page) -> tuple[Sequence[PendingQuestion], int]:
        statement = self.viewing()
        if filters.status is not None:
            statement = statement.where(PendingQuestion.status == filters.status)
        if filters.customer_id is not None:
            statement = statement.where(PendingQuestion.customer_id == filters.customer_id)
        statement = statement.order_by(
            PendingQuestion.times_asked.desc(), PendingQuestion.last_asked_at.desc(), PendingQuestion.id
        )
        return await self.paginate(statement, page)

    async def lock_tenant_questions(self) -> None:
        """Serialise the tenant's question intake until the transaction ends (so near-duplicates merge)."""
        key = func.hashtextextended(f"pending_questions:{self.tenant_id}", 0)
        await self.session.execute(select(func.pg_advisory_xact_lock(key)))

    async def lock_open_like(self, normalized: str) -> PendingQuestion | None:
        """The open question with the same normalised text, else the most similar one above the threshold."""
        similarity = func.similarity(PendingQuestion.normalized, normalized)
        statement = (
            self.select()
            .where(
                PendingQuestion.status == QuestionStatus.open,
                or_(PendingQuestion.normalized == normalized, similarity >= QUESTION_SIMILARITY),
            )
            .order_by((PendingQuestion.normalized == normalized).desc(), similarity.desc(), PendingQuestion.id)
            .limit(1)
            .with_for_update()
        )
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def open_for_customer(self, customer_id: uuid.UUID, limit: int) -> Sequence[PendingQuestion]:
        statement = (
            self.select()
            .where(PendingQuestion.customer_id == customer_id, PendingQuestion.status == QuestionStatus.open)
            .order_by(PendingQuestion.last_asked_at.desc())
            .limit(limit)
        )
        return (await self.session.execute(statement)).scalars().all()

    async def for_customer(self, customer_id: uuid.UUID) -> Sequence[PendingQuestion]:
        statement = self.select().where(PendingQuestion.customer_id == customer_id).order_by(PendingQuestion.created_at)
        return (await self.session.execute(statement)).scalars().all()

    async def unlink_customer(self, customer_id: uuid.UUID) -> int:
        """Keep the customer's questions (they count), without the link to the customer or its conversations."""
        result = await self.session.execute(
            update(PendingQuestion)
            .where(*self.scope(), PendingQuestion.customer_id == customer_id)
            .values(customer_id=None, conversation_id=None, asked_by=None)
            .returning(PendingQuestion.id)
            .execution_options(synchronize_session=False)
        )
        return len(result.all())

    async def lock_open_near(
        self, question_id: uuid.UUID, embedding: Sequence[float], model: str, max_distance: float, limit: int
    ) -> Sequence[PendingQuestion]:
        """Other open questions embedded by `model` within `max_distance` (cosine) of `embedding`, nearest first."""
        distance = PendingQuestion.embedding.cosine_distance(embedding)
        statement = (
            self.select()
            .where(
                PendingQuestion.status == QuestionStatus.open,
                PendingQuestion.id != question_id,
                PendingQuestion.embedding_model == model,
                distance <= max_distance,
            )
            .order_by(distance, PendingQuestion.id)
            .limit(limit)
            .with_for_update()
        )
        return (await self.session.execute(statement)).scalars().all()


class CustomerFaqRepository(TenantScopedRepository[CustomerFaq]):
    model = CustomerFaq

    async def for_customer(self, customer_id: uuid.UUID, limit: int | None = None) -> Sequence[CustomerFaq]:
        statement = (
            self.select()
            .where(CustomerFaq.customer_id == customer_id)
            .order_by(CustomerFaq.helpful_count.desc(), CustomerFaq.created_at, CustomerFaq.id)
            .limit(limit)
        )
        return (await self.session.execute(statement)).scalars().all()

    async def get_for_customer(self, customer_id: uuid.UUID, faq_id: uuid.UUID) -> CustomerFaq | None:
        statement = self.select().where(CustomerFaq.customer_id == customer_id, CustomerFaq.id == faq_id)
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def count_vote(self, faq_id: uuid.UUID, helpful: bool) -> CustomerFaq | None:
        column = CustomerFaq.helpful_count if helpful else CustomerFaq.not_helpful_count
        statement = (
            update(CustomerFaq)
            .where(*self.scope(), CustomerFaq.id == faq_id)
            .values({column: column + 1})
            .returning(CustomerFaq)
            .execution_options(synchronize_session=False)
        )
        faq = (await self.session.execute(statement)).scalar_one_or_none()
        if faq is not None:
            await self.session.refresh(faq)
        return faq


class CustomerImportRepository(TenantScopedRepository[CustomerImport]):
    model = CustomerImport


class CustomerImportChunkRepository(TenantScopedRepository[CustomerImportChunk]):
    model = CustomerImportChunk

    async def add_many(self, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            chunks = [{"id": new_id(), "tenant_id": self.tenant_id, **row} for row in rows]
            await self.session.execute(insert(CustomerImportChunk), chunks)

    async def lock_position(self, import_id: uuid.UUID, position: int) -> CustomerImportChunk | None:
        statement = (
            self.select()
            .where(CustomerImportChunk.import_id == import_id, CustomerImportChunk.position == position)
            .with_for_update()
        )
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def for_import(self, import_id: uuid.UUID) -> Sequence[CustomerImportChunk]:
        statement = (
            self.select().where(CustomerImportChunk.import_id == import_id).order_by(CustomerImportChunk.position)
        )
        return (await self.session.execute(statement)).scalars().all()


class PrivacyAuditRepository(TenantScopedRepository[PrivacyAudit]):
    model = PrivacyAudit
