from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import File, Form, Query, Response, UploadFile, status

from fibonacco.crm import service
from fibonacco.crm.auth import CrmAdmin, CrmPrivacy, CrmRead, CrmWrite
from fibonacco.crm.importer import MAX_IMPORT_BYTES
from fibonacco.crm.models import ConsentChannel, ImportKey
from fibonacco.crm.schemas import (
    AiContext,
    Answer,
    BusinessContextUpdate,
    ConsentChange,
    ConsentState,
    Contact,
    ContactCreate,
    ContactUpdate,
    Conversation,
    ConversationCreate,
    ConversationEnd,
    ConversationFilters,
    ConversationListItem,
    ConversationMessage,
    ConversationMessageCreate,
    ConversationUpdate,
    Customer,
    CustomerCreate,
    CustomerEvent,
    CustomerFacets,
    CustomerFaq,
    CustomerFaqCreate,
    CustomerFaqUpdate,
    CustomerFilters,
    CustomerImport,
    CustomerSort,
    CustomerUpdate,
    CustomFieldDefinition,
    CustomFieldDefinitionCreate,
    CustomFieldDefinitionUpdate,
    ErasureReport,
    FaqVote,
    NoteCreate,
    PendingQuestion,
    PendingQuestionCreate,
    PendingQuestionFilters,
    Publish,
    Segment,
    SegmentCount,
    SegmentCreate,
    SegmentUpdate,
    SegmentWithCount,
    TimelineFilters,
)
from fibonacco.kit.dependencies import DomainRouter, SessionDep
from fibonacco.kit.errors import Conflict, Forbidden, NotFound, Unauthenticated, ValidationFailed, error_responses
from fibonacco.kit.responses import Envelope, PageDep, PaginatedEnvelope, ok, paginated

customers = DomainRouter(prefix="/api/v1/customers", tags=["crm"])
fields = DomainRouter(prefix="/api/v1/customer-fields", tags=["crm"])
segments = DomainRouter(prefix="/api/v1/segments", tags=["crm"])
conversations = DomainRouter(prefix="/api/v1/conversations", tags=["crm"])
questions = DomainRouter(prefix="/api/v1/pending-questions", tags=["crm"])

_ERRORS = error_responses(Unauthenticated, Forbidden, NotFound, ValidationFailed)
_WRITE_ERRORS = {**_ERRORS, **error_responses(Conflict)}
_IMPORT_ERRORS = {**_ERRORS, **error_responses(service.PayloadTooLarge)}

CustomerFiltersDep = Annotated[CustomerFilters, Query()]
SortParam = Annotated[CustomerSort, Query(description="field to sort by; a leading '-' means descending")]


# --- customers ---


@customers.get("", response_model=PaginatedEnvelope[Customer], responses=_ERRORS)
async def list_customers(
    auth: CrmRead,
    session: SessionDep,
    page: PageDep,
    filters: CustomerFiltersDep,
    sort: SortParam = CustomerSort.newest,
) -> PaginatedEnvelope[Customer]:
    """Search (`q`, typos tolerated), filter, sort and page through customers; the total is in `meta`."""
    rows, total = await service.list_customers(session, auth.tenant_id, filters, sort, page)
    return paginated([Customer.model_validate(row) for row in rows], total, page)


# Reads before writes: FastAPI tries a router's routes in this order (`kit.dependencies.DomainRouter`).
@customers.get("/{customer_id:uuid}", response_model=Envelope[Customer], responses=_ERRORS)
async def get_customer(customer_id: uuid.UUID, auth: CrmRead, session: SessionDep) -> Envelope[Customer]:
    return ok(Customer.model_validate(await service.get_customer(session, auth.tenant_id, customer_id)))


@customers.post("", response_model=Envelope[Customer], status_code=status.HTTP_201_CREATED, responses=_WRITE_ERRORS)
async def create_customer(body: CustomerCreate, auth: CrmWrite, session: SessionDep) -> Envelope[Customer]:
    customer = await service.create_customer(session, auth.tenant_id, body, user_id=auth.user.id)
    return ok(Customer.model_validate(customer), "Customer created.")


@customers.get("/facets", response_model=Envelope[CustomerFacets], responses=_ERRORS)
async def customer_facets(auth: CrmRead, session: SessionDep) -> Envelope[CustomerFacets]:
    """The tenant's tags and industries with how many customers have each, most used first (suggestions for the
    list's filters)."""
    return ok(await service.facets(session, auth.tenant_id))


@customers.get("/export", response_class=Response, responses=_ERRORS)
async def export_customers(
    auth: CrmRead,
    session: SessionDep,
    filters: CustomerFiltersDep,
    segment_id: Annotated[uuid.UUID | None, Query(description="a saved segment's members, instead of filters")] = None,
) -> Response:
    """The customers the list's filters (and search) match, or one segment's, as CSV (the import reads it back);
    without either, every customer."""
    content = await service.export_csv(session, auth.tenant_id, filters, segment_id)
    headers = {"Content-Disposition": 'attachment; filename="customers.csv"'}
    return Response(content, media_type="text/csv; charset=utf-8", headers=headers)


@customers.post(
    "/imports", response_model=Envelope[CustomerImport], status_code=status.HTTP_202_ACCEPTED, responses=_IMPORT_ERRORS
)
async def start_import(
    auth: CrmWrite,
    session: SessionDep,
    file: Annotated[UploadFile, File(description=f"CSV or JSON, UTF-8, at most {MAX_IMPORT_BYTES // 1_048_576} MB")],
    mapping: Annotated[
        str, Form(max_length=10_000, description="COLUMN=FIELD,… (default: columns named as fields)")
    ] = "",
    key: Annotated[ImportKey, Form(description="match existing customers by this")] = ImportKey.email,
    dry_run: Annotated[bool, Form(description="report what would change, write nothing")] = False,
) -> Envelope[CustomerImport]:
    """Check the file now (a file that cannot be imported is refused whole), then import it in the background as a
    job batch; poll `GET /customers/imports/{id}` (or the batch) for progress and per-row errors."""
    content = await file.read(MAX_IMPORT_BYTES + 1)
    report = await service.start_import(
        session,
        auth.tenant_id,
        content=content,
        filename=file.filename or "upload.csv",
        mapping=[mapping],
        key=key,
        dry_run=dry_run,
        user_id=auth.user.id,
    )
    return ok(report, "Import queued.")


@customers.get("/imports/{import_id:uuid}", response_model=Envelope[CustomerImport], responses=_ERRORS)
async def get_import(import_id: uuid.UUID, auth: CrmRead, session: SessionDep) -> Envelope[CustomerImport]:
    return ok(await service.get_import(session, auth.tenant_id, import_id))


@customers.get("/slug/{slug}", response_model=Envelope[Customer], responses=_ERRORS)
async def get_customer_by_slug(slug: str, auth: CrmRead, session: SessionDep) -> Envelope[Customer]:
    return ok(Customer.model_validate(await service.get_customer_by_slug(session, auth.tenant_id, slug)))


@customers.patch("/{customer_id:uuid}", response_model=Envelope[Customer], responses=_WRITE_ERRORS)
async def update_customer(
    customer_id: uuid.UUID, body: CustomerUpdate, auth: CrmWrite, session: SessionDep
) -> Envelope[Customer]:
    customer = await service.update_customer(session, auth.tenant_id, customer_id, body, user_id=auth.user.id)
    return ok(Customer.model_validate(customer), "Customer updated.")


@customers.delete("/{customer_id:uuid}", response_model=Envelope[ErasureReport], responses=_ERRORS)
async def erase_customer(customer_id: uuid.UUID, auth: CrmPrivacy, session: SessionDep) -> Envelope[ErasureReport]:
    """Erase the customer and its personal data (contacts, conversations, messages, events; the messages sent
    to it are kept for counts with their address and content wiped); audited."""
    report = await service.erase_customer(session, auth.tenant_id, customer_id, user_id=auth.user.id)
    return ok(report, "Customer erased.")


@customers.put("/{customer_id:uuid}/business-context", response_model=Envelope[Customer], responses=_ERRORS)
async def replace_business_context(
    customer_id: uuid.UUID, body: BusinessContextUpdate, auth: CrmWrite, session: SessionDep
) -> Envelope[Customer]:
    customer = await service.replace_business_context(session, auth.tenant_id, customer_id, body)
    return ok(Customer.model_validate(customer), "Business context saved.")


@customers.get("/{customer_id:uuid}/ai-context", response_model=Envelope[AiContext], responses=_ERRORS)
async def ai_context(customer_id: uuid.UUID, auth: CrmRead, session: SessionDep) -> Envelope[AiContext]:
    return ok(await service.ai_context(session, auth.tenant_id, customer_id))


@customers.get("/{customer_id:uuid}/timeline", response_model=PaginatedEnvelope[CustomerEvent], responses=_ERRORS)
async def timeline(
    customer_id: uuid.UUID,
    auth: CrmRead,
    session: SessionDep,
    page: PageDep,
    filters: Annotated[TimelineFilters, Query()],
) -> PaginatedEnvelope[CustomerEvent]:
    """Everything that happened to the customer, newest first."""
    rows, total = await service.list_timeline(session, auth.tenant_id, customer_id, filters, page)
    return paginated([CustomerEvent.model_validate(row) for row in rows], total, page)


@customers.post(
    "/{customer_id:uuid}/notes", response_model=Envelope[dict[str, uuid.UUID]], status_code=201, responses=_ERRORS
)
async def add_note(
    customer_id: uuid.UUID, body: NoteCreate, auth: CrmWrite, session: SessionDep
) -> Envelope[dict[str, uuid.UUID]]:
    note_id = await service.add_note(session, auth.tenant_id, customer_id, body, user_id=auth.user.id)
    return ok({"note_id": note_id}, "Note added to the timeline.")


@customers.get("/{customer_id:uuid}/privacy-export", response_model=Envelope[dict[str, Any]], responses=_ERRORS)
async def privacy_export(customer_id: uuid.UUID, auth: CrmPrivacy, session: SessionDep) -> Envelope[dict[str, Any]]:
    """Everything held about this customer (audited)."""
    return ok(await service.privacy_export(session, auth.tenant_id, customer_id, user_id=auth.user.id))


# --- contacts and consent ---


@customers.get("/{customer_id:uuid}/contacts", response_model=Envelope[list[Contact]], responses=_ERRORS)
async def list_contacts(customer_id: uuid.UUID, auth: CrmRead, session: SessionDep) -> Envelope[list[Contact]]:
    rows = await service.list_contacts(session, auth.tenant_id, customer_id)
    return ok([Contact.model_validate(row) for row in rows])


@customers.post("/{customer_id:uuid}/contacts", response_model=Envelope[Contact], status_code=201, responses=_ERRORS)
async def create_contact(
    customer_id: uuid.UUID, body: ContactCreate, auth: CrmWrite, session: SessionDep
) -> Envelope[Contact]:
    contact = await service.create_contact(session, auth.tenant_id, customer_id, body)
    return ok(Contact.model_validate(contact), "Contact added.")


@customers.patch("/{customer_id:uuid}/contacts/{contact_id:uuid}", response_model=Envelope[Contact], responses=_ERRORS)
async def update_contact(
    customer_id: uuid.UUID, contact_id: uuid.UUID, body: ContactUpdate, auth: CrmWrite, session: SessionDep
) -> Envelope[Contact]:
    contact = await service.update_contact(session, auth.tenant_id, customer_id, contact_id, body)
    return ok(Contact.model_validate(contact), "Contact updated.")


@customers.delete("/{customer_id:uuid}/contacts/{contact_id:uuid}", response_model=Envelope[None], responses=_ERRORS)
async def delete_contact(
    customer_id: uuid.UUID, contact_id: uuid.UUID, auth: CrmWrite, session: SessionDep
) -> Envelope[None]:
    await service.delete_contact(session, auth.tenant_id, customer_id, contact_id)
    return ok(None, "Contact deleted.")


@customers.get("/{customer_id:uuid}/consent", response_model=Envelope[list[ConsentState]], responses=_ERRORS)
async def list_consents(customer_id: uuid.UUID, auth: CrmRead, session: SessionDep) -> Envelope[list[ConsentState]]:
    return ok(await service.list_consents(session, auth.tenant_id, customer_id))


@customers.put("/{customer_id:uuid}/consent/{channel}", response_model=Envelope[ConsentState], responses=_ERRORS)
async def set_consent(
    customer_id: uuid.UUID, channel: ConsentChannel, body: ConsentChange, auth: CrmWrite, session: SessionDep
) -> Envelope[ConsentState]:
    """Record a consent change with its source; it appears on the timeline."""
    state = await service.set_consent(session, auth.tenant_id, customer_id, channel, body, user_id=auth.user.id)
    return ok(state, "Consent recorded.")


# --- customer FAQs ---


@customers.get("/{customer_id:uuid}/faqs", response_model=Envelope[list[CustomerFaq]], responses=_ERRORS)
async def list_faqs(customer_id: uuid.UUID, auth: CrmRead, session: SessionDep) -> Envelope[list[CustomerFaq]]:
    rows = await service.list_faqs(session, auth.tenant_id, customer_id)
    return ok([CustomerFaq.model_validate(row) for row in rows])


@customers.post("/{customer_id:uuid}/faqs", response_model=Envelope[CustomerFaq], status_code=201, responses=_ERRORS)
async def create_faq(
    customer_id: uuid.UUID, body: CustomerFaqCreate, auth: CrmWrite, session: SessionDep
) -> Envelope[CustomerFaq]:
    faq = await service.create_faq(session, auth.tenant_id, customer_id, body)
    return ok(CustomerFaq.model_validate(faq), "FAQ added.")


@customers.patch("/{customer_id:uuid}/faqs/{faq_id:uuid}", response_model=Envelope[CustomerFaq], responses=_ERRORS)
async def update_faq(
    customer_id: uuid.UUID, faq_id: uuid.UUID, body: CustomerFaqUpdate, auth: CrmWrite, session: SessionDep
) -> Envelope[CustomerFaq]:
    faq = await service.update_faq(session, auth.tenant_id, customer_id, faq_id, body)
    return ok(CustomerFaq.model_validate(faq), "FAQ updated.")


@customers.delete("/{customer_id:uuid}/faqs/{faq_id:uuid}", response_model=Envelope[None], responses=_ERRORS)
async def delete_faq(customer_id: uuid.UUID, faq_id: uuid.UUID, auth: CrmWrite, session: SessionDep) -> Envelope[None]:
    await service.delete_faq(session, auth.tenant_id, customer_id, faq_id)
    return ok(None, "FAQ deleted.")


@customers.post("/{customer_id:uuid}/faqs/{faq_id:uuid}/vote", response_model=Envelope[CustomerFaq], responses=_ERRORS)
async def vote_faq(
    customer_id: uuid.UUID, faq_id: uuid.UUID, body: FaqVote, auth: CrmRead, session: SessionDep
) -> Envelope[CustomerFaq]:
    faq = await service.vote_faq(session, auth.tenant_id, customer_id, faq_id, body.helpful)
    return ok(CustomerFaq.model_validate(faq), "Vote counted.")


# --- custom field definitions ---


@fields.get("", response_model=Envelope[list[CustomFieldDefinition]], responses=_ERRORS)
async def list_custom_fields(auth: CrmRead, session: SessionDep) -> Envelope[list[CustomFieldDefinition]]:
    rows = await service.list_custom_fields(session, auth.tenant_id)
    return ok([CustomFieldDefinition.model_validate(row) for row in rows])


@fields.post("", response_model=Envelope[CustomFieldDefinition], status_code=201, responses=_WRITE_ERRORS)
async def create_custom_field(
    body: CustomFieldDefinitionCreate, auth: CrmAdmin, session: SessionDep
) -> Envelope[CustomFieldDefinition]:
    definition = await service.create_custom_field(session, auth.tenant_id, body)
    return ok(CustomFieldDefinition.model_validate(definition), "Custom field created.")


@fields.patch("/{field_id:uuid}", response_model=Envelope[CustomFieldDefinition], responses=_ERRORS)
async def update_custom_field(
    field_id: uuid.UUID, body: CustomFieldDefinitionUpdate, auth: CrmAdmin, session: SessionDep
) -> Envelope[CustomFieldDefinition]:
    definition = await service.update_custom_field(session, auth.tenant_id, field_id, body)
    return ok(CustomFieldDefinition.model_validate(definition), "Custom field updated.")


@fields.delete("/{field_id:uuid}", response_model=Envelope[None], responses=_ERRORS)
async def delete_custom_field(field_id: uuid.UUID, auth: CrmAdmin, session: SessionDep) -> Envelope[None]:
    """Delete the field and every customer's value for it."""
    await service.delete_custom_field(session, auth.tenant_id, field_id)
    return ok(None, "Custom field deleted.")


# --- segments ---


@segments.get("", response_model=PaginatedEnvelope[Segment], responses=_ERRORS)
async def list_segments(auth: CrmRead, session: SessionDep, page: PageDep) -> PaginatedEnvelope[Segment]:
    rows, total = await service.list_segments(session, auth.tenant_id, page)
    return paginated([Segment.model_validate(row) for row in rows], total, page)


@segments.post("", response_model=Envelope[Segment], status_code=201, responses=_WRITE_ERRORS)
async def create_segment(body: SegmentCreate, auth: CrmWrite, session: SessionDep) -> Envelope[Segment]:
    segment = await service.create_segment(session, auth.tenant_id, body)
    return ok(Segment.model_validate(segment), "Segment saved.")


@segments.get("/{segment_id:uuid}", response_model=Envelope[SegmentWithCount], responses=_ERRORS)
async def get_segment(segment_id: uuid.UUID, auth: CrmRead, session: SessionDep) -> Envelope[SegmentWithCount]:
    """The segment with its live member count."""
    return ok(await service.get_segment_with_count(session, auth.tenant_id, segment_id))


@segments.patch("/{segment_id:uuid}", response_model=Envelope[Segment], responses=_WRITE_ERRORS)
async def update_segment(
    segment_id: uuid.UUID, body: SegmentUpdate, auth: CrmWrite, session: SessionDep
) -> Envelope[Segment]:
    segment = await service.update_segment(session, auth.tenant_id, segment_id, body)
    return ok(Segment.model_validate(segment), "Segment updated.")


@segments.delete("/{segment_id:uuid}", response_model=Envelope[None], responses=_ERRORS)
async def delete_segment(segment_id: uuid.UUID, auth: CrmWrite, session: SessionDep) -> Envelope[None]:
    await service.delete_segment(session, auth.tenant_id, segment_id)
    return ok(None, "Segment deleted.")


@segments.get("/{segment_id:uuid}/count", response_model=Envelope[SegmentCount], responses=_ERRORS)
async def count_segment(segment_id: uuid.UUID, auth: CrmRead, session: SessionDep) -> Envelope[SegmentCount]:
    count = await service.count_segment(session, auth.tenant_id, segment_id)
    return ok(SegmentCount(segment_id=segment_id, count=count))


@segments.get("/{segment_id:uuid}/members", response_model=PaginatedEnvelope[Customer], responses=_ERRORS)
async def segment_members(
    segment_id: uuid.UUID, auth: CrmRead, session: SessionDep, page: PageDep, sort: SortParam = CustomerSort.oldest
) -> PaginatedEnvelope[Customer]:
    rows, total = await service.segment_members(session, auth.tenant_id, segment_id, sort, page)
    return paginated([Customer.model_validate(row) for row in rows], total, page)


# --- conversations ---


@conversations.get("", response_model=PaginatedEnvelope[ConversationListItem], responses=_ERRORS)
async def list_conversations(
    auth: CrmRead, session: SessionDep, page: PageDep, filters: Annotated[ConversationFilters, Query()]
) -> PaginatedEnvelope[ConversationListItem]:
    """Across customers or one customer's; newest first, or with `follow_up_due=true` the most overdue first."""
    rows, total = await service.list_conversations(session, auth.tenant_id, filters, page)
    return paginated([ConversationListItem.model_validate(row) for row in rows], total, page)


@conversations.post("", response_model=Envelope[Conversation], status_code=201, responses=_ERRORS)
async def create_conversation(body: ConversationCreate, auth: CrmWrite, session: SessionDep) -> Envelope[Conversation]:
    conversation = await service.create_conversation(session, auth.tenant_id, body)
    return ok(Conversation.model_validate(conversation), "Conversation started.")


@conversations.get("/{conversation_id:uuid}", response_model=Envelope[Conversation], responses=_ERRORS)
async def get_conversation(conversation_id: uuid.UUID, auth: CrmRead, session: SessionDep) -> Envelope[Conversation]:
    return ok(Conversation.model_validate(await service.get_conversation(session, auth.tenant_id, conversation_id)))


@conversations.patch("/{conversation_id:uuid}", response_model=Envelope[Conversation], responses=_ERRORS)
async def update_conversation(
    conversation_id: uuid.UUID, body: ConversationUpdate, auth: CrmWrite, session: SessionDep
) -> Envelope[Conversation]:
    conversation = await service.update_conversation(session, auth.tenant_id, conversation_id, body)
    return ok(Conversation.model_validate(conversation), "Conversation updated.")


@conversations.delete("/{conversation_id:uuid}", response_model=Envelope[None], responses=_ERRORS)
async def delete_conversation(conversation_id: uuid.UUID, auth: CrmWrite, session: SessionDep) -> Envelope[None]:
    await service.delete_conversation(session, auth.tenant_id, conversation_id)
    return ok(None, "Conversation deleted.")


@conversations.post("/{conversation_id:uuid}/end", response_model=Envelope[Conversation], responses=_WRITE_ERRORS)
async def end_conversation(
    conversation_id: uuid.UUID, body: ConversationEnd, auth: CrmWrite, session: SessionDep
) -> Envelope[Conversation]:
    """Close the conversation; its duration is recorded."""
    conversation = await service.end_conversation(session, auth.tenant_id, conversation_id, body)
    return ok(Conversation.model_validate(conversation), "Conversation ended.")


@conversations.get(
    "/{conversation_id:uuid}/messages", response_model=PaginatedEnvelope[ConversationMessage], responses=_ERRORS
)
async def list_messages(
    conversation_id: uuid.UUID, auth: CrmRead, session: SessionDep, page: PageDep
) -> PaginatedEnvelope[ConversationMessage]:
    rows, total = await service.list_messages(session, auth.tenant_id, conversation_id, page)
    return paginated([ConversationMessage.model_validate(row) for row in rows], total, page)


@conversations.post(
    "/{conversation_id:uuid}/messages", response_model=Envelope[ConversationMessage], status_code=201, responses=_ERRORS
)
async def add_message(
    conversation_id: uuid.UUID, body: ConversationMessageCreate, auth: CrmWrite, session: SessionDep
) -> Envelope[ConversationMessage]:
    message = await service.add_message(session, auth.tenant_id, conversation_id, body)
    return ok(ConversationMessage.model_validate(message), "Message added.")


# --- pending questions ---


@questions.get("", response_model=PaginatedEnvelope[PendingQuestion], responses=_ERRORS)
async def list_questions(
    auth: CrmRead, session: SessionDep, page: PageDep, filters: Annotated[PendingQuestionFilters, Query()]
) -> PaginatedEnvelope[PendingQuestion]:
    """Most-asked first."""
    rows, total = await service.list_questions(session, auth.tenant_id, filters, page)
    return paginated([PendingQuestion.model_validate(row) for row in rows], total, page)


@questions.post(
    "",
    response_model=Envelope[PendingQuestion],
    status_code=201,
    responses={
        **_ERRORS,
        200: {"model": Envelope[PendingQuestion], "description": "Counted on the open question it duplicates"},
    },
)
async def ask_question(
    body: PendingQuestionCreate, auth: CrmWrite, session: SessionDep, response: Response
) -> Envelope[PendingQuestion]:
    """Record a question nobody could answer. A near-duplicate of an open question (same words, or close by
    trigrams) is counted on it (200). A paraphrase in other words is merged shortly after, once a job has embedded
    it: the later question becomes `merged` (`merged_into_id`) and its count moves to the earlier one."""
    asked = await service.ask_question(session, auth.tenant_id, body, user_id=auth.user.id)
    if asked.merged:
        response.status_code = status.HTTP_200_OK
    message = "Counted on an open question." if asked.merged else "Question recorded."
    return ok(PendingQuestion.model_validate(asked.question), message)


@questions.get("/{question_id:uuid}", response_model=Envelope[PendingQuestion], responses=_ERRORS)
async def get_question(question_id: uuid.UUID, auth: CrmRead, session: SessionDep) -> Envelope[PendingQuestion]:
    return ok(PendingQuestion.model_validate(await service.get_question(session, auth.tenant_id, question_id)))


@questions.post("/{question_id:uuid}/answer", response_model=Envelope[PendingQuestion], responses=_WRITE_ERRORS)
async def answer_question(
    question_id: uuid.UUID, body: Answer, auth: CrmWrite, session: SessionDep
) -> Envelope[PendingQuestion]:
    question = await service.answer_question(session, auth.tenant_id, question_id, body.answer, user_id=auth.user.id)
    return ok(PendingQuestion.model_validate(question), "Answer saved.")


@questions.post("/{question_id:uuid}/publish", response_model=Envelope[PendingQuestion], responses=_WRITE_ERRORS)
async def publish_question(
    question_id: uuid.UUID, body: Publish, auth: CrmWrite, session: SessionDep
) -> Envelope[PendingQuestion]:
    """Publish the answer as a validated knowledge entry or as a customer FAQ."""
    question = await service.publish_question(session, auth.tenant_id, question_id, body, user_id=auth.user.id)
    return ok(PendingQuestion.model_validate(question), "Answer published.")


@questions.post("/{question_id:uuid}/dismiss", response_model=Envelope[PendingQuestion], responses=_WRITE_ERRORS)
async def dismiss_question(question_id: uuid.UUID, auth: CrmWrite, session: SessionDep) -> Envelope[PendingQuestion]:
    question = await service.dismiss_question(session, auth.tenant_id, question_id, user_id=auth.user.id)
    return ok(PendingQuestion.model_validate(question), "Question dismissed.")


# Included by the app one by one, not under one aggregate router (see `fibonacco.app._include_routers`).
routers = (customers, fields, segments, conversations, questions)
