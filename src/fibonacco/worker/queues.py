"""The queues, where Dramatiq keeps them in Redis, and the options our messages carry: plain definitions, so
code that only names a queue or reads an option (the enqueue buffer, services, middleware) need not import the
broker, which is built from the settings at import."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

Queue = Literal["default", "emails", "sms", "calls", "tts", "embeddings"]
QUEUES: tuple[Queue, ...] = get_args(Queue)
NAMESPACE = "dramatiq"

# Message options we set (Dramatiq passes unknown options through untouched).
BATCH_OPTION = "fibonacco_batch_id"
# The tenant a job works for, when it is not in a `tenant_id` keyword argument (set for batch jobs).
TENANT_OPTION = "fibonacco_tenant_id"
OVERLAP_LOCK_OPTION = "fibonacco_overlap_lock"


@dataclass(frozen=True)
class QueueKeys:
    """Where Dramatiq's Redis broker keeps one queue (see dramatiq/brokers/redis/dispatch.lua)."""

    ready: str  # list of message ids waiting for a worker
    messages: str  # hash id -> message for waiting and in-flight messages
    delayed: str  # hash id -> message for retries waiting out their backoff
    dead: str  # sorted set of dead-lettered ids

    @classmethod
    def of(cls, queue: str) -> QueueKeys:
        base = f"{NAMESPACE}:{queue}"
        return cls(ready=base, messages=f"{base}.msgs", delayed=f"{base}.DQ.msgs", dead=f"{base}.XQ")
