"""CRM logic. Services never commit: the caller's unit of work does, and jobs they queue go out after it.

Every change to a customer that belongs on its timeline appends its event here, in the same unit of work.
Other domains append through `append_event` and ask `may_contact` before messaging a customer.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeVar

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from fibonacco.auth.service import get_user
from fibonacco.crm import custom_fields, importer, schemas, tasks, timeline
from fibonacco.crm.models import (
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
    CustomFieldDefinition,
    CustomFieldType,
    ImportKey,
    PendingQuestion,
    PrivacyAudit,
    QuestionStatus,
    Segment,
)
from fibonacco.crm.repository import (
    ConsentRepository,
    ContactRepository,
    ConversationMessageRepository,
    ConversationRepository,
    CustomerEventRepository,
    CustomerFaqRepository,
    CustomerImportChunkRepository,
    CustomerImportRepository,
    CustomerQuery,
    CustomerRepository,
    CustomFieldRepository,
    PendingQuestionRepository,
    PrivacyAuditRepository,
    SegmentRepository,
)
from fibonacco.crm.schemas import (
    AiContext,
    BusinessContext,
    ConsentChange,
    ConsentState,
    ContactCreate,
    ContactUpdate,
    ConversationCreate,
    ConversationEnd,
    ConversationFilters,
    ConversationMessageCreate,
    ConversationUpdate,
    CustomerCreate,
    CustomerFacets,
    CustomerFaqCreate,
    CustomerFaqUpdate,
    CustomerFilters,
    CustomerSort,
    CustomerUpdate,
    CustomFieldDefinitionCreate,
    CustomFieldDefinitionUpdate,
    ErasureReport,
    Facet,
    ImportRowError,
    NoteCreate,
    PendingQuestionCreate,
    PendingQuestionFilters,
    Publish,
    PublishTarget,
    SegmentCreate,
    SegmentUpdate,
    TimelineFilters,
)
from fibonacco.crm.schemas import CustomerImport as CustomerImportView
from fibonacco.kit.clock import utcnow
from fibonacco.kit.errors import Conflict, FibonaccoError, NotFound, ValidationFailed
from fibonacco.kit.ids import new_id
from fibonacco.kit.responses import Page
from fibonacco.knowledge.models import KnowledgeEntry, ValidationStatus
from fibonacco.knowledge.schemas import KnowledgeEntryCreate
from fibonacco.knowledge.service import create_entry
from fibonacco.messages.privacy import erase_customer_messages, messages_for_customer
from fibonacco.messages.schemas import Message as SentMessage
from fibonacco.worker.buffer import enqueue
from fibonacco.worker.service import BatchJob, dispatch_batch, get_batch

log = structlog.get_logger("fibonacco.crm")

# Generated slugs tried for a new customer ("name", "name-2", … "name-20"); past them a random suffix.
SLUG_CANDIDATES = 20
AI_CONTEXT_CONVERSATIONS = 5
AI_CONTEXT_FAQS = 10
AI_CONTEXT_QUESTIONS = 10
# Tags and industries offered by the list's filter pickers (the most used; others can still be typed).
FACET_LIMIT = 200


class PayloadTooLarge(FibonaccoError):
    """The upload is larger than allowed."""

    status_code = 413
    code = "payload_too_large"


RowT = TypeVar("RowT", covariant=True)


class _CustomerRows(Protocol[RowT]):
    async def get_for_customer(self, customer_id: uuid.UUID, row_id: uuid.UUID, /) -> RowT | None: ...


async def _of_customer(rows: _CustomerRows[RowT], customer_id: uuid.UUID, row_id: uuid.UUID, what: str) -> RowT:
    """One of the customer's rows (a contact, a FAQ), or a 404 naming `what`."""
    row = await rows.get_for_customer(customer_id, row_id)
    if row is None:
        raise NotFound(f"{what} not found.")
    return row


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, details=[{"field": field, "message": message, "type": "value_error"}])


# --- custom field definitions ---


async def definitions(session: AsyncSession, tenant_id: uuid.UUID) -> dict[str, CustomFieldDefinition]:
    return {d.key: d for d in await CustomFieldRepository(session, tenant_id).list_all()}


def _check_options(kind: CustomFieldType, options: Sequence[str]) -> None:
    selectable = kind in (CustomFieldType.select, CustomFieldType.multi_select)
    if selectable and not options:
        raise _invalid("body.options", "select and multi-select fields need options")
    if not selectable and options:
        raise _invalid("body.options", "only select and multi-select fields have options")
    if len(set(options)) != len(options):
        raise _invalid("body.options", "options must be unique")


async def list_custom_fields(session: AsyncSession, tenant_id: uuid.UUID) -> Sequence[CustomFieldDefinition]:
    return await CustomFieldRepository(session, tenant_id).list_all()


async def create_custom_field(
    session: AsyncSession, tenant_id: uuid.UUID, data: CustomFieldDefinitionCreate
) -> CustomFieldDefinition:
    repository = CustomFieldRepository(session, tenant_id)
    _check_options(data.type, data.options)
    if await repository.get_by_key(data.key) is not None:
        raise Conflict("Another custom field already has this key.", details={"field": "key"})
    return await repository.add(CustomFieldDefinition(**data.model_dump()))


async def update_custom_field(
    session: AsyncSession, tenant_id: uuid.UUID, field_id: uuid.UUID, data: CustomFieldDefinitionUpdate
) -> CustomFieldDefinition:
    repository = CustomFieldRepository(session, tenant_id)
    definition = await repository.get_or_404(field_id)
    values = data.model_dump(exclude_unset=True)
    if "options" in values:
        _check_options(definition.type, values["options"])
    return await repository.update(definition, values)


async def delete_custom_field(session: AsyncSession, tenant_id: uuid.UUID, field_id: uuid.UUID) -> None:
    """Remove the definition and every customer's value for it."""
    repository = CustomFieldRepository(session, tenant_id)
    definition = await repository.get_or_404(field_id)
    await CustomerRepository(session, tenant_id).remove_custom_field(definition.key)
    await repository.delete(definition)


# --- customers ---


async def resolve_filters(session: AsyncSession, tenant_id: uuid.UUID, filters: CustomerFilters) -> CustomerQuery:
    """The filters checked against the tenant's custom fields, ready for the repository."""
    custom = custom_fields.conditions(await definitions(session, tenant_id), filters.custom) if filters.custom else ()
    consent = []
    for spec in filters.consent:
        channel, _, status = spec.partition(":")
        consent.append((ConsentChannel(channel), ConsentStatus(status)))
    return CustomerQuery(
        q=filters.q,
        stages=tuple(filters.stage),
        tags=tuple(filters.tag),
        industry=filters.industry,
        owner_id=filters.owner_id,
        created_from=filters.created_from,
        created_to=filters.created_to,
        active_from=filters.active_from,
        active_to=filters.active_to,
        consent=tuple(consent),
        do_not_contact=filters.do_not_contact,
        custom=custom,
    )


async def list_customers(
    session: AsyncSession, tenant_id: uuid.UUID, filters: CustomerFilters, sort: CustomerSort, page: Page
) -> tuple[Sequence[Customer], int]:
    query = await resolve_filters(session, tenant_id, filters)
    return await CustomerRepository(session, tenant_id).list_page(query, sort, page)


async def facets(session: AsyncSession, tenant_id: uuid.UUID) -> CustomerFacets:
    """The tenant's tags and industries with their customer counts, for the list's filter pickers."""
    repository = CustomerRepository(session, tenant_id)
    return CustomerFacets(
        tags=[Facet(value=value, count=count) for value, count in await repository.tag_counts(FACET_LIMIT)],
        industries=[Facet(value=value, count=count) for value, count in await repository.industry_counts(FACET_LIMIT)],
    )


async def get_customer(session: AsyncSession, tenant_id: uuid.UUID, customer_id: uuid.UUID) -> Customer:
    return await CustomerRepository(session, tenant_id).get_or_404(customer_id)


async def get_customer_by_slug(session: AsyncSession, tenant_id: uuid.UUID, slug: str) -> Customer:
    customer = await CustomerRepository(session, tenant_id).get_by_slug(slug)
    if customer is None:
        raise NotFound("Customer not found.")
    return customer


async def _check_owner(session: AsyncSession, tenant_id: uuid.UUID, owner_id: uuid.UUID | None) -> None:
    if owner_id is None:
        return
    try:
        await get_user(session, tenant_id, owner_id)
    except NotFound:
        raise _invalid("body.owner_id", "no such user in this tenant") from None


async def _check_unique(
    repository: CustomerRepository, *, slug: str | None, email: str | None, customer_id: uuid.UUID | None
) -> None:
    if slug is not None:
        existing = await repository.get_by_slug(slug)
        if existing is not None and existing.id != customer_id:
            raise Conflict("Another customer already has this slug.", details={"field": "slug"})
    if email is not None:
        existing = await repository.get_by_email(email)
        if existing is not None and existing.id != customer_id:
            raise Conflict("Another customer already has this email.", details={"field": "email"})


async def _free_slug(repository: CustomerRepository, name: str) -> str:
    base = importer.slugify(name)
    taken = await repository.taken_slugs(importer.slug_candidates(base, SLUG_CANDIDATES))
    return importer.free_slug(base, taken, SLUG_CANDIDATES)


async def create_customer(
    session: AsyncSession, tenant_id: uuid.UUID, data: CustomerCreate, *, user_id: uuid.UUID | None = None
) -> Customer:
    repository = CustomerRepository(session, tenant_id)
    custom = custom_fields.checked_or_422(
        await definitions(session, tenant_id), data.custom_fields, "body.custom_fields"
    )
    await _check_owner(session, tenant_id, data.owner_id)
    await _check_unique(repository, slug=data.slug, email=data.email, customer_id=None)
    slug = data.slug or await _free_slug(repository, data.name)
    fields = data.model_dump(exclude={"slug", "metadata", "custom_fields", "address", "business_context"})
    customer = Customer(
        **fields,
        slug=slug,
        address=data.address.model_dump(exclude_none=True) if data.address else None,
        business_context=data.business_context.model_dump(exclude_none=True),
        extra=data.metadata,
        custom_fields={key: value for key, value in custom.items() if value is not None},
        stage_changed_at=utcnow(),
    )
    await repository.add(customer)
    await timeline.record(
        session,
        tenant_id,
        customer.id,
        timeline.STAGE_CHANGED,
        data={"from": None, "to": customer.stage, "by": _by(user_id)},
    )
    await session.refresh(customer, ["last_activity_at"])
    return customer


def _by(user_id: uuid.UUID | None) -> str | None:
    return str(user_id) if user_id else None


async def update_customer(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    customer_id: uuid.UUID,
    data: CustomerUpdate,
    *,
    user_id: uuid.UUID | None = None,
) -> Customer:
    repository = CustomerRepository(session, tenant_id)
    customer = await repository.get_or_404(customer_id)
    values = data.model_dump(exclude_unset=True)
    if "custom_fields" in values:
        checked = custom_fields.checked_or_422(
            await definitions(session, tenant_id), values["custom_fields"], "body.custom_fields"
        )
        merged = {**customer.custom_fields, **checked}
        values["custom_fields"] = {key: value for key, value in merged.items() if value is not None}
    if "metadata" in values:
        values["extra"] = values.pop("metadata")
    if values.get("address") is not None:
        values["address"] = {key: value for key, value in values["address"].items() if value is not None}
    if "owner_id" in values:
        await _check_owner(session, tenant_id, values["owner_id"])
    await _check_unique(repository, slug=values.get("slug"), email=values.get("email"), customer_id=customer.id)
    before_stage, before_dnc = customer.stage, customer.do_not_contact
    stage_changed = "stage" in values and values["stage"] != before_stage
    if stage_changed:
        values["stage_changed_at"] = utcnow()
    await repository.update(customer, values)
    if stage_changed:
        await timeline.record(
            session,
            tenant_id,
            customer.id,
            timeline.STAGE_CHANGED,
            data={"from": before_stage, "to": customer.stage, "by": _by(user_id)},
        )
    if customer.do_not_contact != before_dnc:
        await timeline.record(
            session,
            tenant_id,
            customer.id,
            timeline.DO_NOT_CONTACT_CHANGED,
            data={"do_not_contact": customer.do_not_contact, "by": _by(user_id)},
        )
    await session.refresh(customer, ["last_activity_at"])
    return customer


async def replace_business_context(
    session: AsyncSession, tenant_id: uuid.UUID, customer_id: uuid.UUID, data: BusinessContext
) -> Customer:
    repository = CustomerRepository(session, tenant_id)
    customer = await repository.get_or_404(customer_id)
    return await repository.update(customer, {"business_context": data.model_dump(exclude_none=True)})


async def ai_context(session: AsyncSession, tenant_id: uuid.UUID, customer_id: uuid.UUID) -> AiContext:
    """What an AI agent should know before talking to this customer, compact enough for a prompt."""
    customer = await CustomerRepository(session, tenant_id).get_or_404(customer_id)
    conversations = await ConversationRepository(session, tenant_id).recent_for_customer(
        customer.id, AI_CONTEXT_CONVERSATIONS
    )
    faqs = await CustomerFaqRepository(session, tenant_id).for_customer(customer.id, AI_CONTEXT_FAQS)
    questions = await PendingQuestionRepository(session, tenant_id).open_for_customer(customer.id, AI_CONTEXT_QUESTIONS)
    business = {key: value for key, value in customer.business_context.items() if value}
    recent: list[dict[str, Any]] = [
        {
            "channel": c.channel.value,
            "started_at": c.started_at.isoformat(),
            "status": c.status.value,
            "outcome": c.outcome,
            "summary": c.summary,
        }
        for c in conversations
    ]
    faq_pairs = [{"question": faq.question, "answer": faq.answer} for faq in faqs]
    open_questions = [question.question for question in questions]
    lines = [f"Customer: {customer.name} (stage: {customer.stage.value})"]
    lines += [
        f"{label}: {value}"
        for label, value in (
            ("Industry", customer.industry),
            ("Time zone", customer.timezone),
            ("Website", customer.website),
        )
        if value
    ]
    lines += [f"{key.replace('_', ' ').capitalize()}: {value}" for key, value in business.items()]
    if recent:
        lines.append("Recent conversations:")
        lines += [
            f"- {c['started_at'][:10]} {c['channel']}: {c['summary'] or c['outcome'] or c['status']}" for c in recent
        ]
    if faq_pairs:
        lines.append("FAQs:")
        lines += [f"- Q: {pair['question']} A: {pair['answer']}" for pair in faq_pairs]
    if open_questions:
        lines.append("Open questions (no answer yet):")
        lines += [f"- {question}" for question in open_questions]
    return AiContext(
        customer_id=customer.id,
        name=customer.name,
        stage=customer.stage,
        industry=customer.industry,
        timezone=customer.timezone,
        website=customer.website,
        business_context=business,
        recent_conversations=recent,
        faqs=faq_pairs,
        open_questions=open_questions,
        prompt="\n".join(lines),
    )


# --- the event stream ---


async def append_event(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    customer_id: uuid.UUID,
    type: str,
    *,
    source: str,
    source_id: str | None = None,
    occurred_at: datetime | None = None,
    data: dict[str, Any] | None = None,
) -> bool:
    """Append an event to a customer's timeline, in the caller's unit of work (DESIGN §13).

    `type` is namespaced (`message.delivered`, `campaign.opened`); `data` carries ids and small values, never
    large bodies. With a `source_id`, appending the same `(source, source_id)` again is a no-op (a redelivered
    job appends once): returns False then. Raises NotFound for a customer the tenant does not have.
    """
    await CustomerRepository(session, tenant_id).get_or_404(customer_id)
    return await timeline.record(
        session, tenant_id, customer_id, type, data=data, source=source, source_id=source_id, occurred_at=occurred_at
    )


async def list_timeline(
    session: AsyncSession, tenant_id: uuid.UUID, customer_id: uuid.UUID, filters: TimelineFilters, page: Page
) -> tuple[Sequence[CustomerEvent], int]:
    await CustomerRepository(session, tenant_id).get_or_404(customer_id)
    return await CustomerEventRepository(session, tenant_id).timeline(customer_id, filters, page)


async def add_note(
    session: AsyncSession, tenant_id: uuid.UUID, customer_id: uuid.UUID, data: NoteCreate, *, user_id: uuid.UUID
) -> uuid.UUID:
    await CustomerRepository(session, tenant_id).get_or_404(customer_id)
    note_id = new_id()
    await timeline.record(
        session,
        tenant_id,
        customer_id,
        timeline.NOTE,
        data={"body": data.body, "by": str(user_id)},
        source_id=f"note:{note_id}",
    )
    return note_id


# --- contacts and consent ---


async def list_contacts(session: AsyncSession, tenant_id: uuid.UUID, customer_id: uuid.UUID) -> Sequence[Contact]:
    await CustomerRepository(session, tenant_id).get_or_404(customer_id)
    return await ContactRepository(session, tenant_id).for_customer(customer_id)


async def create_contact(
    session: AsyncSession, tenant_id: uuid.UUID, customer_id: uuid.UUID, data: ContactCreate
) -> Contact:
    await CustomerRepository(session, tenant_id).get_or_404(customer_id)
    repository = ContactRepository(session, tenant_id)
    contact = await repository.add(Contact(customer_id=customer_id, **data.model_dump()))
    if contact.is_primary:
        await repository.clear_primary(customer_id, keep=contact.id)
    return contact


async def update_contact(
    session: AsyncSession, tenant_id: uuid.UUID, customer_id: uuid.UUID, contact_id: uuid.UUID, data: ContactUpdate
) -> Contact:
    repository = ContactRepository(session, tenant_id)
    contact = await _of_customer(repository, customer_id, contact_id, "Contact")
    await repository.update(contact, data.model_dump(exclude_unset=True))
    if data.is_primary:
        await repository.clear_primary(customer_id, keep=contact.id)
    return contact


async def delete_contact(
    session: AsyncSession, tenant_id: uuid.UUID, customer_id: uuid.UUID, contact_id: uuid.UUID
) -> None:
    repository = ContactRepository(session, tenant_id)
    await repository.delete(await _of_customer(repository, customer_id, contact_id, "Contact"))


def _consent_states(rows: Sequence[Consent]) -> list[ConsentState]:
    by_channel = {row.channel: row for row in rows}
    states = []
    for channel in ConsentChannel:
        row = by_channel.get(channel)
        states.append(
            ConsentState(
                channel=channel,
                status=row.status if row else ConsentStatus.unknown,
                source=row.source if row else None,
                changed_at=row.changed_at if row else None,
            )
        )
    return states


async def list_consents(session: AsyncSession, tenant_id: uuid.UUID, customer_id: uuid.UUID) -> list[ConsentState]:
    await CustomerRepository(session, tenant_id).get_or_404(customer_id)
    return _consent_states(await ConsentRepository(session, tenant_id).for_customer(customer_id))


async def set_consent(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    customer_id: uuid.UUID,
    channel: ConsentChannel,
    data: ConsentChange,
    *,
    user_id: uuid.UUID | None = None,
) -> ConsentState:
    """Record a consent change (and its event); setting the status it already has records nothing."""
    await CustomerRepository(session, tenant_id).get_or_404(customer_id)
    repository = ConsentRepository(session, tenant_id)
    current = await repository.lock_for_channel(customer_id, channel)
    before = current.status if current else ConsentStatus.unknown
    if before == data.status and current is not None:
        return _consent_states([current])[list(ConsentChannel).index(channel)]
    now = utcnow()
    if current is None:
        current = await repository.add(
            Consent(customer_id=customer_id, channel=channel, status=data.status, source=data.source, changed_at=now)
        )
    else:
        await repository.update(current, {"status": data.status, "source": data.source, "changed_at": now})
    await timeline.record(
        session,
        tenant_id,
        customer_id,
        timeline.CONSENT_CHANGED,
        data={"channel": channel, "from": before, "to": data.status, "source": data.source, "by": _by(user_id)},
        occurred_at=now,
    )
    return ConsentState(channel=channel, status=current.status, source=current.source, changed_at=current.changed_at)


async def may_contact(
    session: AsyncSession, tenant_id: uuid.UUID, customer_id: uuid.UUID, channel: ConsentChannel
) -> bool:
    """Whether campaigns may message this customer on `channel`: subscribed there, and not do-not-contact."""
    customer = await CustomerRepository(session, tenant_id).get_or_404(customer_id)
    if customer.do_not_contact:
        return False
    consent = next(
        (c for c in await ConsentRepository(session, tenant_id).for_customer(customer_id) if c.channel == channel), None
    )
    return consent is not None and consent.status == ConsentStatus.subscribed


# --- segments ---


async def list_segments(session: AsyncSession, tenant_id: uuid.UUID, page: Page) -> tuple[Sequence[Segment], int]:
    return await SegmentRepository(session, tenant_id).list_page(page)


async def _check_segment_name(repository: SegmentRepository, name: str, segment_id: uuid.UUID | None) -> None:
    existing = await repository.get_by_name(name)
    if existing is not None and existing.id != segment_id:
        raise Conflict("Another segment already has this name.", details={"field": "name"})


async def create_segment(session: AsyncSession, tenant_id: uuid.UUID, data: SegmentCreate) -> Segment:
    repository = SegmentRepository(session, tenant_id)
    await resolve_filters(session, tenant_id, data.filters)  # refuse filters on unknown custom fields now
    await _check_segment_name(repository, data.name, None)
    filters = data.filters.model_dump(mode="json", exclude_defaults=True)
    return await repository.add(Segment(name=data.name, description=data.description, filters=filters))


async def get_segment(session: AsyncSession, tenant_id: uuid.UUID, segment_id: uuid.UUID) -> Segment:
    return await SegmentRepository(session, tenant_id).get_or_404(segment_id)


async def get_segment_with_count(
    session: AsyncSession, tenant_id: uuid.UUID, segment_id: uuid.UUID
) -> schemas.SegmentWithCount:
    segment = await SegmentRepository(session, tenant_id).get_or_404(segment_id)
    count = await count_segment(session, tenant_id, segment.id)
    return schemas.SegmentWithCount.model_validate(
        {**schemas.Segment.model_validate(segment).model_dump(), "count": count}
    )


async def update_segment(
    session: AsyncSession, tenant_id: uuid.UUID, segment_id: uuid.UUID, data: SegmentUpdate
) -> Segment:
    repository = SegmentRepository(session, tenant_id)
    segment = await repository.get_or_404(segment_id)
    values = data.model_dump(exclude_unset=True, exclude={"filters"})
    if "name" in values:
        await _check_segment_name(repository, values["name"], segment.id)
    if data.filters is not None:
        await resolve_filters(session, tenant_id, data.filters)
        values["filters"] = data.filters.model_dump(mode="json", exclude_defaults=True)
    return await repository.update(segment, values)


async def delete_segment(session: AsyncSession, tenant_id: uuid.UUID, segment_id: uuid.UUID) -> None:
    repository = SegmentRepository(session, tenant_id)
    await repository.delete(await repository.get_or_404(segment_id))


async def _segment_query(session: AsyncSession, tenant_id: uuid.UUID, segment_id: uuid.UUID) -> CustomerQuery:
    segment = await SegmentRepository(session, tenant_id).get_or_404(segment_id)
    return await resolve_filters(session, tenant_id, CustomerFilters.model_validate(segment.filters))


async def count_segment(session: AsyncSession, tenant_id: uuid.UUID, segment_id: uuid.UUID) -> int:
    query = await _segment_query(session, tenant_id, segment_id)
    return await CustomerRepository(session, tenant_id).count(query)


async def segment_members(
    session: AsyncSession, tenant_id: uuid.UUID, segment_id: uuid.UUID, sort: CustomerSort, page: Page
) -> tuple[Sequence[Customer], int]:
    """The customers the segment matches now (campaigns use this as their audience)."""
    query = await _segment_query(session, tenant_id, segment_id)
    return await CustomerRepository(session, tenant_id).list_page(query, sort, page)


# --- export ---

EXPORT_COLUMNS = (
    "id",
    "name",
    "slug",
    "email",
    "phone",
    "website",
    "industry",
    "timezone",
    "stage",
    "owner_id",
    "tags",
    "do_not_contact",
    "last_activity_at",
    "created_at",
)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(str(item) for item in value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value.value if hasattr(value, "value") else value)


async def export_csv(
    session: AsyncSession, tenant_id: uuid.UUID, filters: CustomerFilters, segment_id: uuid.UUID | None = None
) -> str:
    """The customers `filters` match (the list's conditions), or a segment's, as CSV, oldest first, with one
    `custom.<key>` column per custom field; importable. A segment and filters together are refused (422)."""
    if segment_id is None:
        query = await resolve_filters(session, tenant_id, filters)
    elif filters != CustomerFilters():
        raise _invalid("query.segment_id", "export a segment or filtered customers, not both")
    else:
        query = await _segment_query(session, tenant_id, segment_id)
    keys = sorted(await definitions(session, tenant_id))
    rows = await CustomerRepository(session, tenant_id).all_matching(query)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([*EXPORT_COLUMNS, *(f"custom.{key}" for key in keys)])
    for row in rows:
        writer.writerow(
            [_cell(getattr(row, name)) for name in EXPORT_COLUMNS] + [_cell(row.custom_fields.get(key)) for key in keys]
        )
    return buffer.getvalue()


# --- import ---


def _file_error(exc: importer.ImportFileError) -> FibonaccoError:
    if isinstance(exc, importer.ImportFileTooLarge):
        return PayloadTooLarge(f"Cannot import: {exc.message}.", details={"field": exc.field})
    return _invalid(exc.field, f"Cannot import: {exc.message}.")


async def read_import(
    session: AsyncSession, tenant_id: uuid.UUID, content: bytes, filename: str, mapping: Sequence[str], key: ImportKey
) -> importer.ParsedFile:
    """Read and check the whole file (422/413 naming `file` or `map` if it cannot be imported)."""
    try:
        columns = importer.parse_mapping(mapping)
        importer.check_targets(columns, await definitions(session, tenant_id))
        return importer.read_file(content, filename, columns, key)
    except importer.ImportFileError as exc:
        raise _file_error(exc) from None


async def import_chunk(
    session: AsyncSession, tenant_id: uuid.UUID, rows: Sequence[importer.Row], key: ImportKey, *, dry_run: bool
) -> importer.Outcome:
    return await importer.import_rows(session, tenant_id, rows, key, dry_run=dry_run)


async def start_import(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    *,
    content: bytes,
    filename: str,
    mapping: Sequence[str],
    key: ImportKey,
    dry_run: bool,
    user_id: uuid.UUID | None,
) -> CustomerImportView:
    """Check the file, store its rows in chunks and queue one job per chunk (as a batch with progress)."""
    parsed = await read_import(session, tenant_id, content, filename, mapping, key)
    record = await CustomerImportRepository(session, tenant_id).add(
        CustomerImport(
            filename=filename[:255],
            key=key,
            dry_run=dry_run,
            total_rows=len(parsed.rows) + len(parsed.errors),
            created_by=user_id,
        )
    )
    parts = importer.chunks(parsed.rows) or [[]]
    await CustomerImportChunkRepository(session, tenant_id).add_many(
        [
            {
                "import_id": record.id,
                "position": position,
                "rows": [[line, values] for line, values in part],
                "errors": [error.as_json() for error in parsed.errors] if position == 0 else [],
            }
            for position, part in enumerate(parts)
        ]
    )
    jobs = [
        BatchJob(args=(str(record.id), position), kwargs={"tenant_id": str(tenant_id)})
        for position in range(len(parts))
    ]
    batch = await dispatch_batch(
        session, tasks.import_chunk, jobs, name=f"customer import: {filename[:150]}", tenant_id=tenant_id
    )
    record.batch_id = batch.id
    await session.flush()
    return await get_import(session, tenant_id, record.id)


async def get_import(session: AsyncSession, tenant_id: uuid.UUID, import_id: uuid.UUID) -> CustomerImportView:
    record = await CustomerImportRepository(session, tenant_id).get_or_404(import_id)
    parts = await CustomerImportChunkRepository(session, tenant_id).for_import(record.id)
    errors = sorted((ImportRowError(**error) for part in parts for error in part.errors), key=lambda e: e.line)
    created = sum(part.created for part in parts)
    updated = sum(part.updated for part in parts)
    unchanged = sum(part.unchanged for part in parts)
    finished = all(part.processed_at is not None for part in parts)
    if record.batch_id is not None:
        batch = await get_batch(session, tenant_id, record.batch_id)
        finished = finished or batch.finished_at is not None
    return CustomerImportView(
        id=record.id,
        filename=record.filename,
        key=record.key,
        dry_run=record.dry_run,
        total_rows=record.total_rows,
        batch_id=record.batch_id,
        finished=finished,
        processed_rows=created + updated + unchanged + len(errors),
        created=created,
        updated=updated,
        unchanged=unchanged,
        rejected=len(errors),
        errors=errors,
        created_at=record.created_at,
    )


# --- conversations ---


async def list_conversations(
    session: AsyncSession, tenant_id: uuid.UUID, filters: ConversationFilters, page: Page
) -> tuple[Sequence[Conversation], int]:
    return await ConversationRepository(session, tenant_id).list_page(filters, utcnow(), page)


async def get_conversation(session: AsyncSession, tenant_id: uuid.UUID, conversation_id: uuid.UUID) -> Conversation:
    return await ConversationRepository(session, tenant_id).get_or_404(conversation_id)


async def require_customer(
    session: AsyncSession, tenant_id: uuid.UUID, customer_id: uuid.UUID, field: str = "body.customer_id"
) -> Customer:
    """The tenant's customer named in a request body, else a 422 naming `field` (other domains call this too)."""
    customer = await CustomerRepository(session, tenant_id).get(customer_id)
    if customer is None:
        raise _invalid(field, "no such customer")
    return customer


async def create_conversation(session: AsyncSession, tenant_id: uuid.UUID, data: ConversationCreate) -> Conversation:
    await require_customer(session, tenant_id, data.customer_id)
    conversation = await ConversationRepository(session, tenant_id).add(
        Conversation(
            customer_id=data.customer_id,
            channel=data.channel,
            subject=data.subject,
            follow_up_at=data.follow_up_at,
            started_at=data.started_at or utcnow(),
            extra=data.metadata,
        )
    )
    await timeline.record(
        session,
        tenant_id,
        conversation.customer_id,
        timeline.CONVERSATION_STARTED,
        data={"conversation_id": str(conversation.id), "channel": conversation.channel},
        source_id=f"conversation:{conversation.id}:started",
        occurred_at=conversation.started_at,
    )
    return conversation


async def update_conversation(
    session: AsyncSession, tenant_id: uuid.UUID, conversation_id: uuid.UUID, data: ConversationUpdate
) -> Conversation:
    repository = ConversationRepository(session, tenant_id)
    conversation = await repository.get_or_404(conversation_id)
    values = data.model_dump(exclude_unset=True)
    if "metadata" in values:
        values["extra"] = values.pop("metadata")
    return await repository.update(conversation, values)


async def delete_conversation(session: AsyncSession, tenant_id: uuid.UUID, conversation_id: uuid.UUID) -> None:
    repository = ConversationRepository(session, tenant_id)
    await repository.delete(await repository.get_or_404(conversation_id))


async def end_conversation(
    session: AsyncSession, tenant_id: uuid.UUID, conversation_id: uuid.UUID, data: ConversationEnd
) -> Conversation:
    """Close the conversation and record how long it lasted; ending a closed one is a conflict."""
    repository = ConversationRepository(session, tenant_id)
    conversation = await repository.lock(conversation_id)
    if conversation is None:
        raise NotFound("Conversation not found.")
    if conversation.status == ConversationStatus.closed:
        raise Conflict("The conversation has ended already.", details={"field": "status"})
    now = max(utcnow(), conversation.started_at)
    values: dict[str, Any] = {
        **data.model_dump(exclude_unset=True),
        "status": ConversationStatus.closed,
        "ended_at": now,
        "duration_seconds": int((now - conversation.started_at).total_seconds()),
    }
    await repository.update(conversation, values)
    await timeline.record(
        session,
        tenant_id,
        conversation.customer_id,
        timeline.CONVERSATION_ENDED,
        data={
            "conversation_id": str(conversation.id),
            "outcome": conversation.outcome,
            "duration_seconds": conversation.duration_seconds,
        },
        source_id=f"conversation:{conversation.id}:ended",
        occurred_at=now,
    )
    return conversation


async def list_messages(
    session: AsyncSession, tenant_id: uuid.UUID, conversation_id: uuid.UUID, page: Page
) -> tuple[Sequence[ConversationMessage], int]:
    await ConversationRepository(session, tenant_id).get_or_404(conversation_id)
    return await ConversationMessageRepository(session, tenant_id).list_page(conversation_id, page)


async def add_message(
    session: AsyncSession, tenant_id: uuid.UUID, conversation_id: uuid.UUID, data: ConversationMessageCreate
) -> ConversationMessage:
    conversation = await ConversationRepository(session, tenant_id).get_or_404(conversation_id)
    message = await ConversationMessageRepository(session, tenant_id).add(
        ConversationMessage(
            conversation_id=conversation.id,
            role=data.role,
            content=data.content,
            extra=data.metadata,
            sent_at=data.sent_at or utcnow(),
        )
    )
    await timeline.record(
        session,
        tenant_id,
        conversation.customer_id,
        timeline.CONVERSATION_MESSAGE,
        data={"conversation_id": str(conversation.id), "message_id": str(message.id), "role": message.role},
        source_id=f"conversation-message:{message.id}",
        occurred_at=message.sent_at,
    )
    return message


# --- pending questions ---


def normalize_question(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


@dataclass(frozen=True)
class Asked:
    question: PendingQuestion
    merged: bool


async def ask_question(
    session: AsyncSession, tenant_id: uuid.UUID, data: PendingQuestionCreate, *, user_id: uuid.UUID | None = None
) -> Asked:
    """Record an unanswered question, or count it on the open question it duplicates."""
    if data.customer_id is not None:
        await require_customer(session, tenant_id, data.customer_id)
    if (
        data.conversation_id is not None
        and await ConversationRepository(session, tenant_id).get(data.conversation_id) is None
    ):
        raise _invalid("body.conversation_id", "no such conversation")
    normalized = normalize_question(data.question)
    if not normalized:
        raise _invalid("body.question", "the question has no words")
    repository = PendingQuestionRepository(session, tenant_id)
    # Serialise askers of this tenant, so two near-duplicates arriving together merge too.
    await repository.lock_tenant_questions()
    existing = await repository.lock_open_like(normalized)
    if existing is not None:
        await repository.update(existing, {"times_asked": existing.times_asked + 1, "last_asked_at": utcnow()})
        return Asked(await _viewed(repository, existing.id), merged=True)
    question = await repository.add(
        PendingQuestion(
            question=data.question,
            normalized=normalized,
            customer_id=data.customer_id,
            conversation_id=data.conversation_id,
            asked_by=user_id,
            last_asked_at=utcnow(),
        )
    )
    enqueue(session, tasks.embed_question, str(question.id), tenant_id=str(tenant_id))
    return Asked(await _viewed(repository, question.id), merged=False)


async def list_questions(
    session: AsyncSession, tenant_id: uuid.UUID, filters: PendingQuestionFilters, page: Page
) -> tuple[Sequence[PendingQuestion], int]:
    return await PendingQuestionRepository(session, tenant_id).list_page(filters, page)


async def _viewed(repository: PendingQuestionRepository, question_id: uuid.UUID) -> PendingQuestion:
    """The question with its customer's and its FAQ's customer's names (see `PendingQuestionRepository.viewing`)."""
    question = await repository.get_view(question_id)
    if question is None:
        raise NotFound("Pending question not found.")
    return question


async def get_question(session: AsyncSession, tenant_id: uuid.UUID, question_id: uuid.UUID) -> PendingQuestion:
    return await _viewed(PendingQuestionRepository(session, tenant_id), question_id)


async def _locked_question(
    repository: PendingQuestionRepository, question_id: uuid.UUID, allowed: tuple[QuestionStatus, ...], action: str
) -> PendingQuestion:
    question = await repository.lock(question_id)
    if question is None:
        raise NotFound("Pending question not found.")
    if question.status not in allowed:
        raise Conflict(f"A {question.status.value} question cannot be {action}.", details={"field": "status"})
    return question


async def answer_question(
    session: AsyncSession, tenant_id: uuid.UUID, question_id: uuid.UUID, answer: str, *, user_id: uuid.UUID
) -> PendingQuestion:
    repository = PendingQuestionRepository(session, tenant_id)
    question = await _locked_question(
        repository, question_id, (QuestionStatus.open, QuestionStatus.answered), "answered"
    )
    await repository.update(
        question, {"answer": answer, "status": QuestionStatus.answered, "answered_at": utcnow(), "answered_by": user_id}
    )
    return await _viewed(repository, question_id)


async def publish_question(
    session: AsyncSession, tenant_id: uuid.UUID, question_id: uuid.UUID, data: Publish, *, user_id: uuid.UUID
) -> PendingQuestion:
    """Publish the answer as a validated knowledge entry, or as one customer's FAQ."""
    repository = PendingQuestionRepository(session, tenant_id)
    question = await _locked_question(repository, question_id, (QuestionStatus.answered,), "published")
    assert question.answer is not None
    values: dict[str, Any] = {"status": QuestionStatus.published, "resolved_at": utcnow(), "resolved_by": user_id}
    if data.target == PublishTarget.knowledge:
        entry = await _publish_to_knowledge(session, tenant_id, question, data, user_id)
        values["knowledge_entry_id"] = entry.id
    else:
        customer_id = data.customer_id or question.customer_id
        if customer_id is None:
            raise _invalid("body.customer_id", "say whose FAQ this is: the question has no customer")
        await require_customer(session, tenant_id, customer_id)
        faq = await CustomerFaqRepository(session, tenant_id).add(
            CustomerFaq(customer_id=customer_id, question=question.question, answer=question.answer)
        )
        values["faq_id"] = faq.id
    await repository.update(question, values)
    return await _viewed(repository, question_id)


async def _publish_to_knowledge(
    session: AsyncSession, tenant_id: uuid.UUID, question: PendingQuestion, data: Publish, user_id: uuid.UUID
) -> KnowledgeEntry:
    assert question.answer is not None
    entry = KnowledgeEntryCreate(
        title=(data.title or question.question)[:500],
        content=question.answer,
        category=data.category,
        is_public=data.is_public,
        source="pending_question",
        source_url=f"pending-question:{question.id}",
        validation_status=ValidationStatus.validated,
    )
    return await create_entry(session, tenant_id, entry, created_by=user_id)


async def dismiss_question(
    session: AsyncSession, tenant_id: uuid.UUID, question_id: uuid.UUID, *, user_id: uuid.UUID
) -> PendingQuestion:
    repository = PendingQuestionRepository(session, tenant_id)
    question = await _locked_question(
        repository, question_id, (QuestionStatus.open, QuestionStatus.answered), "dismissed"
    )
    await repository.update(
        question, {"status": QuestionStatus.dismissed, "resolved_at": utcnow(), "resolved_by": user_id}
    )
    return await _viewed(repository, question_id)


# --- customer FAQs ---


async def list_faqs(session: AsyncSession, tenant_id: uuid.UUID, customer_id: uuid.UUID) -> Sequence[CustomerFaq]:
    await CustomerRepository(session, tenant_id).get_or_404(customer_id)
    return await CustomerFaqRepository(session, tenant_id).for_customer(customer_id)


async def create_faq(
    session: AsyncSession, tenant_id: uuid.UUID, customer_id: uuid.UUID, data: CustomerFaqCreate
) -> CustomerFaq:
    await CustomerRepository(session, tenant_id).get_or_404(customer_id)
    return await CustomerFaqRepository(session, tenant_id).add(
        CustomerFaq(customer_id=customer_id, **data.model_dump())
    )


async def update_faq(
    session: AsyncSession, tenant_id: uuid.UUID, customer_id: uuid.UUID, faq_id: uuid.UUID, data: CustomerFaqUpdate
) -> CustomerFaq:
    repository = CustomerFaqRepository(session, tenant_id)
    faq = await _of_customer(repository, customer_id, faq_id, "FAQ")
    return await repository.update(faq, data.model_dump(exclude_unset=True))


async def delete_faq(session: AsyncSession, tenant_id: uuid.UUID, customer_id: uuid.UUID, faq_id: uuid.UUID) -> None:
    repository = CustomerFaqRepository(session, tenant_id)
    await repository.delete(await _of_customer(repository, customer_id, faq_id, "FAQ"))


async def vote_faq(
    session: AsyncSession, tenant_id: uuid.UUID, customer_id: uuid.UUID, faq_id: uuid.UUID, helpful: bool
) -> CustomerFaq:
    """Count one helpful / not-helpful verdict (atomically; verdicts are not tied to voters)."""
    repository = CustomerFaqRepository(session, tenant_id)
    faq = await _of_customer(repository, customer_id, faq_id, "FAQ")
    counted = await repository.count_vote(faq.id, helpful)
    assert counted is not None
    return counted


# --- privacy ---


async def _audit(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    customer_id: uuid.UUID,
    action: str,
    user_id: uuid.UUID | None,
    summary: dict[str, Any],
) -> None:
    await PrivacyAuditRepository(session, tenant_id).add(
        PrivacyAudit(
            customer_id=customer_id, action=action, performed_by=user_id, performed_at=utcnow(), summary=summary
        )
    )
    log.info("crm_privacy", action=action, customer_id=str(customer_id), user_id=_by(user_id), **summary)


async def privacy_export(
    session: AsyncSession, tenant_id: uuid.UUID, customer_id: uuid.UUID, *, user_id: uuid.UUID | None
) -> dict[str, Any]:
    """Everything held about one customer, as JSON-ready data; the export itself is audited."""
    customer = await CustomerRepository(session, tenant_id).get_or_404(customer_id)
    contacts = await ContactRepository(session, tenant_id).for_customer(customer.id)
    consents = await ConsentRepository(session, tenant_id).for_customer(customer.id)
    conversations = await ConversationRepository(session, tenant_id).for_customer(customer.id)
    messages = await ConversationMessageRepository(session, tenant_id).for_customer(customer.id)
    faqs = await CustomerFaqRepository(session, tenant_id).for_customer(customer.id)
    questions = await PendingQuestionRepository(session, tenant_id).for_customer(customer.id)
    events = await CustomerEventRepository(session, tenant_id).for_customer(customer.id)
    document = {
        "exported_at": utcnow().isoformat(),
        "customer": schemas.Customer.model_validate(customer).model_dump(mode="json"),
        "contacts": [schemas.Contact.model_validate(row).model_dump(mode="json") for row in contacts],
        "consents": [state.model_dump(mode="json") for state in _consent_states(consents)],
        "conversations": [schemas.Conversation.model_validate(row).model_dump(mode="json") for row in conversations],
        "messages": [schemas.ConversationMessage.model_validate(row).model_dump(mode="json") for row in messages],
        "sent_messages": [
            SentMessage.model_validate(row).model_dump(mode="json")
            for row in await messages_for_customer(session, tenant_id, customer.id)
        ],
        "faqs": [schemas.CustomerFaq.model_validate(row).model_dump(mode="json") for row in faqs],
        "pending_questions": [schemas.PendingQuestion.model_validate(row).model_dump(mode="json") for row in questions],
        "events": [schemas.CustomerEvent.model_validate(row).model_dump(mode="json") for row in events],
    }
    counts = {name: len(value) for name, value in document.items() if isinstance(value, list)}
    await _audit(session, tenant_id, customer.id, "export", user_id, counts)
    return document


async def erase_customer(
    session: AsyncSession, tenant_id: uuid.UUID, customer_id: uuid.UUID, *, user_id: uuid.UUID | None
) -> ErasureReport:
    """Delete the customer with its contacts, consents, conversations, messages, FAQs and events; its pending
    questions stay (they count toward the inbox) without their link to it, and the messages sent to it stay
    (channel, status, times) with their address, content, provider payloads and suppression wiped. Audited, by
    id only."""
    repository = CustomerRepository(session, tenant_id)
    customer = await repository.get_or_404(customer_id)
    erased = {
        "contacts": len(await ContactRepository(session, tenant_id).for_customer(customer.id)),
        "consents": len(await ConsentRepository(session, tenant_id).for_customer(customer.id)),
        "conversations": len(await ConversationRepository(session, tenant_id).for_customer(customer.id)),
        "messages": len(await ConversationMessageRepository(session, tenant_id).for_customer(customer.id)),
        "faqs": len(await CustomerFaqRepository(session, tenant_id).for_customer(customer.id)),
        "events": len(await CustomerEventRepository(session, tenant_id).for_customer(customer.id)),
    }
    anonymised = {
        "pending_questions": await PendingQuestionRepository(session, tenant_id).unlink_customer(customer.id),
        "sent_messages": await erase_customer_messages(session, tenant_id, customer.id),
    }
    session.expunge(customer)
    await repository.erase(customer.id)
    await _audit(session, tenant_id, customer_id, "erase", user_id, {**erased, **anonymised})
    return ErasureReport(customer_id=customer_id, erased=erased, anonymised=anonymised)
