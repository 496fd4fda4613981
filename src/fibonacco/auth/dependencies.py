"""Auth dependencies: `authenticated()` for any valid token, `authorize(...)` for role and ability checks; the
aliases built from them live in each domain's `auth.py` (`CurrentAuth` in `auth/auth.py`)."""

from __future__ import annotations

from fastapi import Depends, Request
from fastapi.security.utils import get_authorization_scheme_param

from fibonacco.auth.models import Role
from fibonacco.auth.service import AuthContext, authenticate_token
from fibonacco.kit.dependencies import session_of
from fibonacco.kit.errors import Forbidden, Unauthenticated
from fibonacco.kit.openapi import SecurityScheme

BEARER = SecurityScheme(
    "HTTPBearer",
    {"type": "http", "scheme": "bearer", "description": "A personal access token: `Authorization: Bearer fib_…`"},
)


class Authorize:
    """Authenticates the bearer token, then requires at least `role` and, on the token, `ability` (e.g.
    "knowledge:write").

    One dependency does both, with no `authenticate` dependency under it: FastAPI resolves each level of the tree
    on every request, and every authenticated request passes here (bench/README.md, API, sixth pass). No route
    declares two of these, so none authenticates twice (`tests/test_app.py` checks every route). It reads the
    header itself, as FastAPI's `HTTPBearer` would (a dependency level less again, bench/README.md, API, eighth
    pass), and the unit's session (`session_of`, ninth pass); the OpenAPI document still names the scheme on each
    operation (`openapi_security`, `kit.openapi`).
    """

    openapi_security = BEARER
    uses_session = True  # reads the unit's session itself (`session_of`): one dependency level less

    def __init__(self, role: Role = Role.viewer, ability: str | None = None) -> None:
        self.role = role
        self.ability = ability

    async def __call__(self, request: Request) -> AuthContext:
        session = session_of(request)
        scheme, token = get_authorization_scheme_param(request.headers.get("Authorization"))
        if scheme.lower() != "bearer" or not token:
            raise Unauthenticated()
        auth = await authenticate_token(session, token)
        if not auth.user.role.at_least(self.role):
            raise Forbidden(f"This action needs the {self.role.value} role or higher.")
        if self.ability is not None and not auth.token.can(self.ability):
            raise Forbidden(f"This token lacks the '{self.ability}' ability.")
        return auth


_ANY_VALID_TOKEN = Authorize()  # the lowest role, no ability


def authenticated() -> object:
    """`Annotated[AuthContext, authenticated()]`: any valid token (`auth.auth.CurrentAuth`)."""
    return Depends(_ANY_VALID_TOKEN)


def authorize(role: Role, ability: str | None = None) -> object:
    """`Annotated[AuthContext, authorize(Role.admin, "users:write")]` in a domain's auth aliases."""
    return Depends(Authorize(role, ability))
