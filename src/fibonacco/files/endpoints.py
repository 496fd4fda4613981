from __future__ import annotations

from typing import Annotated

from fastapi.responses import FileResponse

from fibonacco.clients import PROVIDERS
from fibonacco.integrations.storage import LocalStorage, guess_content_type
from fibonacco.kit.dependencies import DomainRouter, client
from fibonacco.kit.errors import NotFound, error_responses
from fibonacco.messages.providers import Providers

router = DomainRouter(tags=["files"])


@router.get("/files/{key:path}", response_class=FileResponse, responses=error_responses(NotFound))
async def get_file(key: str, providers: Annotated[Providers, client(PROVIDERS)]) -> FileResponse:
    """A stored file. Keys are unguessable (they embed content hashes and tenant ids)."""
    storage = providers.storage
    if not isinstance(storage, LocalStorage):
        raise NotFound("Files are served by S3 in this deployment.")
    try:
        path = storage.path_for(key)
        found = path.is_file()
    except (ValueError, OSError):  # outside the store, or no such name possible (too long, say)
        raise NotFound() from None
    if not found:
        raise NotFound()
    return FileResponse(path, media_type=guess_content_type(key))
