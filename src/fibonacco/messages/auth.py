"""Who may send messages and generate speech, and read them back."""

from __future__ import annotations

from typing import Annotated

from fibonacco.auth.dependencies import authorize
from fibonacco.auth.models import Role
from fibonacco.auth.service import AuthContext

MessagesRead = Annotated[AuthContext, authorize(Role.staff, "messages:read")]
MessagesWrite = Annotated[AuthContext, authorize(Role.admin, "messages:write")]
SpeechRead = Annotated[AuthContext, authorize(Role.staff, "tts:read")]
SpeechWrite = Annotated[AuthContext, authorize(Role.staff, "tts:write")]
