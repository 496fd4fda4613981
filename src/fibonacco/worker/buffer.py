"""Enqueue after commit: jobs asked for during a unit of work wait in the session until it commits.

A rolled-back request or job therefore never leaves a job behind that refers to rows which do not exist.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

_PENDING_KEY = "fibonacco.pending_jobs"


class Sendable(Protocol):
    def send_with_options(
        self, *, args: tuple[Any, ...] = ..., kwargs: dict[str, Any] | None = ..., **options: Any
    ) -> Any: ...


@dataclass(frozen=True)
class PendingJob:
    actor: Sendable
    args: tuple[Any, ...]
    kwargs: dict[str, Any] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)


def enqueue(
    session: AsyncSession, actor: Sendable, *args: Any, _options: dict[str, Any] | None = None, **kwargs: Any
) -> None:
    """Send `actor(*args, **kwargs)` once `session` commits. Arguments must be ids and plain values."""
    session.info.setdefault(_PENDING_KEY, []).append(PendingJob(actor, args, kwargs, _options or {}))


def pending_jobs(session: AsyncSession) -> list[PendingJob]:
    return list(session.info.get(_PENDING_KEY, []))


def discard_pending_jobs(session: AsyncSession) -> None:
    session.info.pop(_PENDING_KEY, None)


def send_pending_jobs(session: AsyncSession) -> None:
    for job in session.info.pop(_PENDING_KEY, []):
        job.actor.send_with_options(args=job.args, kwargs=job.kwargs, **job.options)
