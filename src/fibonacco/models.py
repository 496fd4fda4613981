"""Every table, imported in one place so Alembic and the tests see the whole schema."""

from fibonacco.auth.models import PersonalAccessToken, User
from fibonacco.crm.models import (
    Consent,
    Contact,
    Conversation,
    ConversationMessage,
    Customer,
    CustomerEvent,
    CustomerFaq,
    CustomerImport,
    CustomerImportChunk,
    CustomFieldDefinition,
    PendingQuestion,
    PrivacyAudit,
    Segment,
)
from fibonacco.kit.db import Model
from fibonacco.knowledge.models import FaqCategory, KnowledgeEntry, KnowledgeVote
from fibonacco.messages.models import Message, MessageEvent, SuppressedAddress, TtsAudio
from fibonacco.tenant.models import Tenant
from fibonacco.worker.models import FailedJob, JobBatch, OutboxJob

__all__ = [
    "Consent",
    "Contact",
    "Conversation",
    "ConversationMessage",
    "CustomFieldDefinition",
    "Customer",
    "CustomerEvent",
    "CustomerFaq",
    "CustomerImport",
    "CustomerImportChunk",
    "FailedJob",
    "FaqCategory",
    "JobBatch",
    "KnowledgeEntry",
    "KnowledgeVote",
    "Message",
    "MessageEvent",
    "Model",
    "OutboxJob",
    "PendingQuestion",
    "PersonalAccessToken",
    "PrivacyAudit",
    "Segment",
    "SuppressedAddress",
    "Tenant",
    "TtsAudio",
    "User",
]
