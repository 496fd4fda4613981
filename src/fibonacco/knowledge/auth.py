"""Who may do what with the knowledge base. Voting is feedback, not editing: readers may vote."""

from __future__ import annotations

from typing import Annotated

from fibonacco.auth.dependencies import authorize
from fibonacco.auth.models import Role
from fibonacco.auth.service import AuthContext

KnowledgeRead = Annotated[AuthContext, authorize(Role.viewer, "knowledge:read")]
KnowledgeWrite = Annotated[AuthContext, authorize(Role.staff, "knowledge:write")]
# An import is followed through its job batch, which the queue API shows to admins.
KnowledgeImport = Annotated[AuthContext, authorize(Role.admin, "knowledge:write")]
