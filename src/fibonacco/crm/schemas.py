from __future__ import annotations

import re
import uuid
import zoneinfo
from datetime import UTC, datetime
from enum import StrEnum
from functools import lru_cache
from typing import Annotated, Any

import email_validator
import phonenumbers
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
)

from fibonacco.crm.models import (
    ConsentChannel,
    ConsentStatus,
    ConversationChannel,
    ConversationStatus,
    CustomFieldType,
    ImportKey,
    MessageRole,
    QuestionStatus,
    Stage,
)
from fibonacco.kit.schemas import Patch
from fibonacco.tenant.schemas import SLUG_PATTERN

# Numbers without a country code are read as this region's.
DEFAULT_PHONE_REGION = "US"
MAX_TEXT = 5000
MAX_LIST = 50
# A customer's tags ride in the list's covering indexes (migration 0008), whose entries PostgreSQL caps at 2,704
# bytes; with the other columns there, 1,500 bytes of tags always fit.
MAX_TAGS_BYTES = 1500
CUSTOM_FIELD_KEY_PATTERN = r"^[a-z][a-z0-9_]{0,49}$"
# A custom-field filter condition: `key:value`, `key>=value` or `key<=value` (the value is read in the field's type).
CUSTOM_CONDITION_PATTERN = r"^[a-z][a-z0-9_]{0,49}(:|>=|<=)[\s\S]*$"


# A North American number written plainly (`+1 202 555 0143`, `(202) 555-0143`, `202.555.0143`): its digits are
# checked against the US metadata directly, which is what parse + is_valid_number come to for it (the US is the
# first region of +1), at a fifth of the cost. Anything else, or a number the US refuses, takes the full parse.
_PLAIN_NANP = re.compile(r"(?:\+?1[ .-]?)?\(?([2-9]\d\d)\)?[ .-]?(\d{3})[ .-]?(\d{4})")


def normalize_phone(value: str) -> str:
    """E.164 (`+15551234567`), or a ValueError saying why the number is refused."""
    plain = _PLAIN_NANP.fullmatch(value)
    if plain is not None:
        digits = "".join(plain.groups())
        if phonenumbers.is_valid_number_for_region(
            phonenumbers.PhoneNumber(country_code=1, national_number=int(digits)), DEFAULT_PHONE_REGION
        ):
            return f"+1{digits}"
    try:
        number = phonenumbers.parse(value, DEFAULT_PHONE_REGION)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(f"not a phone number ({exc._msg})") from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError("not a valid phone number; give it in international form, e.g. +1 555 123 4567")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# Plain ASCII addresses (nearly all of them) are checked by this alone; anything else by email-validator. Both
# refuse what the other refuses for these: consecutive or edge dots, bad domain labels, special-use domains.
_PLAIN_EMAIL = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]{1,64}(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)
_SPECIAL_USE_DOMAINS = frozenset(email_validator.SPECIAL_USE_DOMAIN_NAMES)


def normalize_email(value: str) -> str:
    """The address lower-cased, or a ValueError saying why it is refused (no deliverability check)."""
    local, _, domain = value.rpartition("@")
    if (
        _PLAIN_EMAIL.fullmatch(value)
        and len(local) <= 64
        and domain.rsplit(".", 1)[-1].lower() not in _SPECIAL_USE_DOMAINS
    ):
        return value.lower()
    try:
        return email_validator.validate_email(value, check_deliverability=False).normalized.lower()
    except email_validator.EmailNotValidError as exc:
        raise ValueError(f"not a valid email address: {exc}") from None


@lru_cache(maxsize=1)
def _time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def check_time_zone(value: str) -> str:
    if value not in _time_zones():
        raise ValueError("not an IANA time zone, e.g. America/New_York")
    return value


def check_tags_size(tags: list[str]) -> list[str]:
    if sum(len(tag.encode()) for tag in tags) > MAX_TAGS_BYTES:
        raise ValueError(f"tags may hold at most {MAX_TAGS_BYTES:,} bytes in all (UTF-8; about as many Latin letters)")
    return tags


def check_website(value: str) -> str:
    if not re.match(r"^https?://[^\s/$.?#][^\s]*$", value, re.IGNORECASE):
        raise ValueError("not a web address; it must start with http:// or https://")
    return value


# RFC 3339, as the document's `date-time` says: pydantic alone would also take a bare number (a Unix time), a date
# alone or a time without its offset.
_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


def check_rfc3339(value: Any) -> Any:
    if isinstance(value, datetime) or (isinstance(value, str) and _RFC3339.fullmatch(value)):
        return value
    raise ValueError("not a date-time with its offset, e.g. 2026-01-31T09:30:00Z")


def _trim(min_length: int = 0) -> AfterValidator:
    """Strips surrounding whitespace after the length is checked as sent: the limit the OpenAPI document states
    (stripping first let a longer value through), then requires `min_length` characters of what is left."""

    def trim(value: str) -> str:
        value = value.strip()
        if len(value) < min_length:
            raise ValueError(f"should have at least {min_length} character(s) besides surrounding whitespace")
        return value

    return AfterValidator(trim)


Name = Annotated[str, StringConstraints(min_length=1, max_length=200), _trim(1)]
Slug = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=SLUG_PATTERN)]
Email = Annotated[str, StringConstraints(max_length=320), _trim(), AfterValidator(normalize_email)]
Phone = Annotated[str, StringConstraints(max_length=40), _trim(), AfterValidator(normalize_phone)]
Website = Annotated[str, StringConstraints(max_length=2048), _trim(), AfterValidator(check_website)]
TimeZone = Annotated[str, StringConstraints(max_length=64), _trim(), AfterValidator(check_time_zone)]
Label = Annotated[str, StringConstraints(min_length=1, max_length=100), _trim(1)]
Text = Annotated[str, StringConstraints(max_length=MAX_TEXT), _trim()]
LongText = Annotated[str, StringConstraints(min_length=1, max_length=50_000), _trim(1)]
Tags = Annotated[list[Label], Field(max_length=MAX_LIST), AfterValidator(check_tags_size)]
Source = Annotated[str, StringConstraints(min_length=1, max_length=100), _trim(1)]
# What a CRM record's time may be. Not the full range datetime allows: asyncpg sends datetime.min and datetime.max
# as -infinity and +infinity and reads them back without their offset, and no customer's history predates 1900.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(9999, 1, 1, tzinfo=UTC)


def check_range(value: datetime) -> datetime:
    if not EARLIEST <= value < LATEST:
        raise ValueError(f"must be from {EARLIEST.year} up to (not including) the year {LATEST.year}")
    return value


Timestamp = Annotated[AwareDatetime, BeforeValidator(check_rfc3339), AfterValidator(check_range)]


class Address(BaseModel):
    line1: Text | None = None
    line2: Text | None = None
    city: Text | None = None
    region: Text | None = None
    postal_code: Annotated[str, StringConstraints(max_length=20), _trim()] | None = None
    country: Annotated[str, StringConstraints(max_length=100), _trim()] | None = None


class BusinessContext(BaseModel):
    """What the AI assistant and campaigns need to know about the business, one free text per field."""

    description: Text | None = None
    services_offered: Text | None = None
    hours: Text | None = None
    service_area: Text | None = None
    brand_voice: Text | None = None
    goals: Text | None = None
    competitors: Text | None = None


# --- customers ---


class Customer(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    slug: str
    email: str | None
    phone: str | None
    website: str | None
    address: Address | None
    industry: str | None
    timezone: str | None
    stage: Stage
    stage_changed_at: datetime
    owner_id: uuid.UUID | None
    tags: list[str]
    business_context: BusinessContext
    metadata: dict[str, Any] = Field(validation_alias="extra")
    custom_fields: dict[str, Any]
    do_not_contact: bool
    last_activity_at: datetime | None
    created_at: datetime
    updated_at: datetime


class CustomerCreate(BaseModel):
    name: Name
    slug: Slug | None = Field(default=None, description="generated from the name when omitted")
    email: Email | None = None
    phone: Phone | None = Field(default=None, description="normalised to E.164")
    website: Website | None = None
    address: Address | None = None
    industry: Label | None = None
    timezone: TimeZone | None = None
    stage: Stage = Stage.lead
    owner_id: uuid.UUID | None = None
    tags: Tags = Field(default_factory=list)
    business_context: BusinessContext = Field(default_factory=BusinessContext)
    metadata: dict[str, Any] = Field(default_factory=dict)
    custom_fields: dict[str, Any] = Field(default_factory=dict, description="values for the tenant's custom fields")
    do_not_contact: bool = False


class CustomerChanges(BaseModel):
    """The customer fields a change may carry, each optional (absent: left as it is); an update and an import row
    both take these."""

    name: Name | None = None
    slug: Slug | None = None
    email: Email | None = None
    phone: Phone | None = None
    website: Website | None = None
    address: Address | None = None
    industry: Label | None = None
    timezone: TimeZone | None = None
    stage: Stage | None = None
    tags: Tags | None = None
    do_not_contact: bool | None = None


class CustomerUpdate(Patch, CustomerChanges):
    nullable = frozenset({"email", "phone", "website", "address", "industry", "timezone", "owner_id"})

    owner_id: uuid.UUID | None = None
    metadata: dict[str, Any] | None = None
    custom_fields: dict[str, Any] | None = Field(
        default=None, description="merged into the current values; a null value removes that field"
    )


class CustomerSort(StrEnum):
    newest = "-created_at"
    oldest = "created_at"
    name = "name"
    name_desc = "-name"
    recently_active = "-last_activity_at"
    relevance = "relevance"  # with `q`: best match first


class CustomerFilters(BaseModel):
    """The customer list's filters; a segment stores the same object."""

    q: Annotated[str, StringConstraints(min_length=1, max_length=200), _trim(1)] | None = Field(
        default=None, description="search name, email, phone or slug, typos tolerated"
    )
    stage: list[Stage] = Field(default_factory=list, max_length=4, description="any of these stages")
    tag: list[Label] = Field(default_factory=list, max_length=MAX_LIST, description="all of these tags")
    industry: Label | None = None
    owner_id: uuid.UUID | None = None
    created_from: Timestamp | None = None
    created_to: Timestamp | None = None
    active_from: Timestamp | None = Field(default=None, description="last activity at or after")
    active_to: Timestamp | None = Field(default=None, description="last activity before")
    consent: list[
        Annotated[str, StringConstraints(pattern=r"^(email|sms|phone):(subscribed|unsubscribed|unknown)$")]
    ] = Field(default_factory=list, max_length=3, description="channel:status, e.g. email:subscribed")
    do_not_contact: bool | None = None
    custom: list[Annotated[str, StringConstraints(max_length=300, pattern=CUSTOM_CONDITION_PATTERN)]] = Field(
        default_factory=list,
        max_length=20,
        description="custom field conditions: key:value (equals; contains for multi-select), key>=value, key<=value",
    )


class SegmentFilters(CustomerFilters):
    """The filters a segment stores, as its JSON body sends them: a boolean is a JSON boolean, not the `0` or
    `"true"` a query string's lax parsing takes."""

    do_not_contact: StrictBool | None = None


class Facet(BaseModel):
    value: str
    count: int = Field(description="how many customers have it")


class CustomerFacets(BaseModel):
    """The values the list's tag and industry filters can take, most used first (at most 200 each)."""

    tags: list[Facet]
    industries: list[Facet]


class BusinessContextUpdate(BusinessContext):
    """The whole business context: fields left out are cleared."""


class AiContext(BaseModel):
    """A compact, prompt-ready view of one customer."""

    customer_id: uuid.UUID
    name: str
    stage: Stage
    industry: str | None
    timezone: str | None
    website: str | None
    business_context: dict[str, str]
    recent_conversations: list[dict[str, Any]]
    faqs: list[dict[str, str]]
    open_questions: list[str]
    prompt: str = Field(description="the same, as text ready to put in a prompt")


# --- custom fields ---


class CustomFieldDefinition(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    key: str
    label: str
    type: CustomFieldType
    options: list[str]
    created_at: datetime
    updated_at: datetime


class CustomFieldDefinitionCreate(BaseModel):
    key: Annotated[str, StringConstraints(pattern=CUSTOM_FIELD_KEY_PATTERN)]
    label: Name
    type: CustomFieldType
    options: list[Label] = Field(default_factory=list, max_length=200, description="for select and multi-select")


class CustomFieldDefinitionUpdate(Patch):
    label: Name | None = None
    options: list[Label] | None = Field(default=None, max_length=200)


# --- contacts and consent ---


class Contact(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    customer_id: uuid.UUID
    name: str
    email: str | None
    phone: str | None
    role: str | None
    is_primary: bool
    created_at: datetime
    updated_at: datetime


class ContactCreate(BaseModel):
    name: Name
    email: Email | None = None
    phone: Phone | None = None
    role: Label | None = None
    is_primary: bool = False


class ContactUpdate(Patch):
    nullable = frozenset({"email", "phone", "role"})

    name: Name | None = None
    email: Email | None = None
    phone: Phone | None = None
    role: Label | None = None
    is_primary: bool | None = None


class ConsentState(BaseModel):
    channel: ConsentChannel
    status: ConsentStatus
    source: str | None
    changed_at: datetime | None


class ConsentChange(BaseModel):
    status: ConsentStatus
    source: Source = Field(description="where the change came from, e.g. 'web form', 'phone call', 'import'")


# --- timeline ---


class CustomerEvent(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    customer_id: uuid.UUID
    type: str
    occurred_at: datetime
    source: str
    source_id: str | None
    data: dict[str, Any]


class TimelineFilters(BaseModel):
    type: list[Annotated[str, StringConstraints(max_length=50)]] = Field(default_factory=list, max_length=20)
    before: Timestamp | None = None
    after: Timestamp | None = None


class NoteCreate(BaseModel):
    body: Annotated[str, StringConstraints(min_length=1, max_length=10_000), _trim(1)]


# --- segments ---


class Segment(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    description: str | None
    filters: CustomerFilters
    created_at: datetime
    updated_at: datetime


class SegmentWithCount(Segment):
    count: int


class SegmentCreate(BaseModel):
    name: Name
    description: Text | None = None
    filters: SegmentFilters


class SegmentUpdate(Patch):
    nullable = frozenset({"description"})

    name: Name | None = None
    description: Text | None = None
    filters: SegmentFilters | None = None


class SegmentCount(BaseModel):
    segment_id: uuid.UUID
    count: int


# --- conversations ---


class Conversation(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    customer_id: uuid.UUID
    channel: ConversationChannel
    status: ConversationStatus
    subject: str | None
    outcome: str | None
    summary: str | None
    follow_up_at: datetime | None
    started_at: datetime
    ended_at: datetime | None
    duration_seconds: int | None
    metadata: dict[str, Any] = Field(validation_alias="extra")
    created_at: datetime
    updated_at: datetime


class ConversationListItem(Conversation):
    """A conversation in a list, with its customer's name."""

    customer_name: str


class ConversationCreate(BaseModel):
    customer_id: uuid.UUID
    channel: ConversationChannel
    subject: Annotated[str, StringConstraints(max_length=500), _trim()] | None = None
    follow_up_at: Timestamp | None = None
    started_at: Timestamp | None = Field(default=None, description="defaults to now")
    metadata: dict[str, Any] = Field(default_factory=dict)


class ConversationUpdate(Patch):
    nullable = frozenset({"subject", "outcome", "summary", "follow_up_at"})

    subject: Annotated[str, StringConstraints(max_length=500), _trim()] | None = None
    outcome: Label | None = None
    summary: Annotated[str, StringConstraints(max_length=20_000), _trim()] | None = None
    follow_up_at: Timestamp | None = None
    metadata: dict[str, Any] | None = None


class ConversationEnd(BaseModel):
    outcome: Label | None = None
    summary: Annotated[str, StringConstraints(max_length=20_000), _trim()] | None = None
    follow_up_at: Timestamp | None = None


class ConversationFilters(BaseModel):
    customer_id: uuid.UUID | None = None
    status: ConversationStatus | None = None
    channel: ConversationChannel | None = None
    follow_up_due: bool | None = Field(default=None, description="open, with a follow-up time already passed")


class ConversationMessage(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    conversation_id: uuid.UUID
    role: MessageRole
    content: str
    metadata: dict[str, Any] = Field(validation_alias="extra")
    sent_at: datetime


class ConversationMessageCreate(BaseModel):
    role: MessageRole
    content: LongText
    metadata: dict[str, Any] = Field(default_factory=dict)
    sent_at: Timestamp | None = Field(default=None, description="defaults to now")


# --- pending questions and customer FAQs ---


class PendingQuestion(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    question: str
    customer_id: uuid.UUID | None
    customer_name: str | None = Field(description="the asking customer's name")
    conversation_id: uuid.UUID | None
    status: QuestionStatus
    times_asked: int
    last_asked_at: datetime
    asked_by: uuid.UUID | None
    answer: str | None
    answered_at: datetime | None
    answered_by: uuid.UUID | None
    resolved_at: datetime | None
    resolved_by: uuid.UUID | None
    knowledge_entry_id: uuid.UUID | None
    faq_id: uuid.UUID | None = Field(description="published: the customer FAQ the answer became")
    faq_customer_id: uuid.UUID | None = Field(description="whose FAQ it became (not always the asker)")
    faq_customer_name: str | None
    merged_into_id: uuid.UUID | None = Field(description="merged: the open question it was counted on")
    created_at: datetime


class PendingQuestionCreate(BaseModel):
    question: Annotated[str, StringConstraints(min_length=3, max_length=2000), _trim(3)]
    customer_id: uuid.UUID | None = None
    conversation_id: uuid.UUID | None = None


class PendingQuestionFilters(BaseModel):
    status: QuestionStatus | None = None
    customer_id: uuid.UUID | None = None


class Answer(BaseModel):
    answer: LongText


class PublishTarget(StrEnum):
    knowledge = "knowledge"
    faq = "faq"


class Publish(BaseModel):
    target: PublishTarget
    title: Annotated[str, StringConstraints(min_length=1, max_length=500), _trim(1)] | None = Field(
        default=None, description="knowledge entry title (default: the question)"
    )
    category: Label | None = None
    is_public: bool = False
    customer_id: uuid.UUID | None = Field(default=None, description="FAQ target: whose FAQ (default: the asker's)")


class CustomerFaq(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    customer_id: uuid.UUID
    question: str
    answer: str
    helpful_count: int
    not_helpful_count: int
    created_at: datetime
    updated_at: datetime


class CustomerFaqCreate(BaseModel):
    question: Annotated[str, StringConstraints(min_length=1, max_length=2000), _trim(1)]
    answer: LongText


class CustomerFaqUpdate(Patch):
    question: Annotated[str, StringConstraints(min_length=1, max_length=2000), _trim(1)] | None = None
    answer: LongText | None = None


class FaqVote(BaseModel):
    helpful: bool


# --- import, export, privacy ---


class ImportRowError(BaseModel):
    line: int = Field(description="CSV line number (the header is line 1), or the JSON record's 1-based position")
    field: str | None
    message: str


class ImportReport(BaseModel):
    dry_run: bool
    rows: int
    created: int
    updated: int
    unchanged: int
    rejected: int
    errors: list[ImportRowError]


class CustomerImport(BaseModel):
    id: uuid.UUID
    filename: str
    key: ImportKey
    dry_run: bool
    total_rows: int
    batch_id: uuid.UUID | None
    finished: bool
    processed_rows: int
    created: int
    updated: int
    unchanged: int
    rejected: int
    errors: list[ImportRowError]
    created_at: datetime


class ErasureReport(BaseModel):
    customer_id: uuid.UUID
    erased: dict[str, int] = Field(description="rows deleted per kind")
    anonymised: dict[str, int] = Field(description="rows kept for counts, their link to the customer removed")
