"""Who may see and handle the queues: the tenant's admins."""

from __future__ import annotations

from typing import Annotated

from fibonacco.auth.dependencies import authorize
from fibonacco.auth.models import Role
from fibonacco.auth.service import AuthContext

QueueRead = Annotated[AuthContext, authorize(Role.admin, "queue:read")]
QueueWrite = Annotated[AuthContext, authorize(Role.admin, "queue:write")]
