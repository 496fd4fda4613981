"""Who may manage users and tokens. Tokens are personal: any role manages its own, given the ability.

The user directory (names and emails of the tenant's active users, nothing else) is for whoever may read the CRM,
which assigns customers to owners."""

from __future__ import annotations

from typing import Annotated

from fibonacco.auth.dependencies import authenticated, authorize
from fibonacco.auth.models import Role
from fibonacco.auth.service import AuthContext

# Any valid token.
CurrentAuth = Annotated[AuthContext, authenticated()]
UsersRead = Annotated[AuthContext, authorize(Role.admin, "users:read")]
UsersWrite = Annotated[AuthContext, authorize(Role.admin, "users:write")]
DirectoryRead = Annotated[AuthContext, authorize(Role.viewer, "crm:read")]
TokensRead = Annotated[AuthContext, authorize(Role.viewer, "tokens:read")]
TokensWrite = Annotated[AuthContext, authorize(Role.viewer, "tokens:write")]
