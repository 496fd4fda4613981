"""Pieces shared by the sending capabilities (email, SMS, voice)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

OUTBOX = "outbox"


@dataclass(frozen=True, slots=True)
class SendResult:
    """What a provider accepted: its id for the message, used to match later status callbacks."""

    provider_id: str
    provider: str


def outbox_result() -> SendResult:
    """The offline drivers send nothing: the platform's message row is the outbox, this id only marks it."""
    return SendResult(provider_id=f"{OUTBOX}-{uuid.uuid4()}", provider=OUTBOX)
