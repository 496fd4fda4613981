"""Every table, imported in one place so Alembic and the tests see the whole schema."""

from fibonacco.auth.models import PersonalAccessToken, User
from fibonacco.kit.db import Model
from fibonacco.knowledge.models import FaqCategory, KnowledgeEntry, KnowledgeVote
from fibonacco.messages.models import Message, MessageEvent, SuppressedAddress, TtsAudio
from fibonacco.tenant.models import Tenant
from fibonacco.worker.models import FailedJob, JobBatch, OutboxJob

__all__ = [
    "FailedJob",
    "FaqCategory",
    "JobBatch",
    "KnowledgeEntry",
    "KnowledgeVote",
    "Message",
    "MessageEvent",
    "Model",
    "OutboxJob",
    "PersonalAccessToken",
    "SuppressedAddress",
    "Tenant",
    "TtsAudio",
    "User",
]
