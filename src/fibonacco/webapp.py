"""Serving the built browser app (`frontend/dist`) from `fibonacco serve`, below the API.

Hashed assets (`/assets/…`, named by content) are cached for a year; `index.html` is never cached, so a deploy
is picked up on the next page load; any other path without a file extension is an app route and gets
`index.html`. The API's own paths (`/api`, `/health`, `/docs`, `/redoc`, `/openapi.json`, `/files`) are never
answered here: what the API does not know stays its 404 envelope.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from fastapi import FastAPI
from starlette.exceptions import HTTPException
from starlette.responses import FileResponse
from starlette.types import Receive, Scope, Send

DEFAULT_DIST = Path(__file__).resolve().parents[2] / "frontend" / "dist"
ASSETS_CACHE = "public, max-age=31536000, immutable"
FILE_CACHE = "public, max-age=3600"
INDEX_CACHE = "no-cache"
API_PREFIXES = frozenset({"api", "health", "docs", "redoc", "openapi.json", "files"})


class WebApp:
    """An ASGI app for the single-page app's files: the router's fallback for requests no route matches."""

    def __init__(self, dist: Path) -> None:
        self.dist = dist.resolve()
        self.index = self.dist / "index.html"

    def _file(self, relative: PurePosixPath) -> Path | None:
        candidate = (self.dist / relative).resolve()
        if candidate.is_relative_to(self.dist) and candidate.is_file():
            return candidate
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        relative = PurePosixPath(scope["path"].lstrip("/"))
        first = relative.parts[0] if relative.parts else ""
        if first in API_PREFIXES or scope["method"] not in ("GET", "HEAD"):
            raise HTTPException(status_code=404)
        found = self._file(relative) if relative.parts else None
        if found is not None and found != self.index:
            cache = ASSETS_CACHE if first == "assets" else FILE_CACHE
            response = FileResponse(found, headers={"Cache-Control": cache})
        elif first == "assets" or relative.suffix:
            raise HTTPException(status_code=404)  # a missing file, not an app route
        else:
            response = FileResponse(self.index, headers={"Cache-Control": INDEX_CACHE})
        await response(scope, receive, send)


def mount_webapp(app: FastAPI, dist: Path = DEFAULT_DIST) -> bool:
    """Serve the built app when it has been built (`make dev` builds it); True if it is served.

    It is the router's fallback, not a mount: routes (even ones added later) are matched first, and a known path
    with the wrong method stays the API's 405."""
    if not (dist / "index.html").is_file():
        return False
    app.router.default = WebApp(dist)
    return True
