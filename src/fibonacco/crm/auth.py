"""Who may do what in the CRM. Privacy exports and erasure are for admins."""

from __future__ import annotations

from typing import Annotated

from fibonacco.auth.dependencies import authorize
from fibonacco.auth.models import Role
from fibonacco.auth.service import AuthContext

CrmRead = Annotated[AuthContext, authorize(Role.viewer, "crm:read")]
CrmWrite = Annotated[AuthContext, authorize(Role.staff, "crm:write")]
CrmAdmin = Annotated[AuthContext, authorize(Role.admin, "crm:admin")]
CrmPrivacy = Annotated[AuthContext, authorize(Role.admin, "crm:privacy")]
