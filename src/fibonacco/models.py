"""Every table, imported in one place so Alembic and the tests see the whole schema."""

from fibonacco.auth.models import PersonalAccessToken, User
from fibonacco.kit.db import Model
from fibonacco.knowledge.models import FaqCategory, KnowledgeEntry, KnowledgeVote
from fibonacco.tenant.models import Tenant

__all__ = [
    "FaqCategory",
    "KnowledgeEntry",
    "KnowledgeVote",
    "Model",
    "PersonalAccessToken",
    "Tenant",
    "User",
]
