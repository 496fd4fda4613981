"""Enqueue with the unit of work: a job asked for during a unit of work is written to the job outbox in that
same transaction, and relayed to Redis once it commits.

A rolled-back request or job therefore never leaves a job behind that refers to rows which do not exist, and a
committed one never loses its jobs: if Redis cannot take them at commit (down, restarting) or the process dies
first, the outbox row stays and the workers' sweeper relays it (`fibonacco.worker.outbox`). A job may therefore
be delivered twice (relayed, then swept before its row was deleted); jobs are idempotent anyway.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from dramatiq import Message
from sqlalchemy.ext.asyncio import AsyncSession

from fibonacco.kit.db import after_commit
from fibonacco.worker.outbox import relay_after_commit, stage
from fibonacco.worker.queues import Queue


class Sendable(Protocol):
    """An actor, or a `JobRef` naming one."""

    def message_with_options(
        self, *, args: tuple[Any, ...] = ..., kwargs: dict[str, Any] | None = ..., **options: Any
    ) -> Message[Any]: ...


@dataclass(frozen=True)
class JobRef:
    """An actor by name and queue, for code that must not import the actor's module (a service whose tasks
    module imports it) or cannot (the API retrying a failed job of any actor). `message_id` keeps a job's id."""

    actor: str
    queue: Queue
    message_id: str | None = None

    def message_with_options(
        self, *, args: tuple[Any, ...] = (), kwargs: dict[str, Any] | None = None, **options: Any
    ) -> Message[Any]:
        message = Message[Any](
            queue_name=self.queue, actor_name=self.actor, args=args, kwargs=kwargs or {}, options=options
        )
        return message.copy(message_id=self.message_id) if self.message_id else message


def enqueue(
    session: AsyncSession, actor: Sendable, *args: Any, _options: dict[str, Any] | None = None, **kwargs: Any
) -> Message[Any]:
    """Queue `actor(*args, **kwargs)` with `session`'s unit of work. Arguments must be ids and plain values."""
    message = actor.message_with_options(args=args, kwargs=kwargs, **(_options or {}))
    stage(session, message)
    after_commit(session, relay_after_commit)
    return message
