"""Who may manage users and tokens. Tokens are personal: any role manages its own, given the ability."""

from __future__ import annotations

from typing import Annotated

from fibonacco.auth.dependencies import authenticated, authorize
from fibonacco.auth.models import Role
from fibonacco.auth.service import AuthContext

# Any valid token.
CurrentAuth = Annotated[AuthContext, authenticated()]
UsersRead = Annotated[AuthContext, authorize(Role.admin, "users:read")]
UsersWrite = Annotated[AuthContext, authorize(Role.admin, "users:write")]
TokensRead = Annotated[AuthContext, authorize(Role.viewer, "tokens:read")]
TokensWrite = Annotated[AuthContext, authorize(Role.viewer, "tokens:write")]
