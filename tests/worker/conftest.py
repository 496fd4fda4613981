"""Fixtures of the worker tests; the processes they start are `tests.helpers.Processes`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis as sync_redis

from fibonacco.config import Settings
from tests.worker import jobs

assert jobs  # the test actors must be declared in this process too, to send them


@pytest.fixture
def sync_client(settings: Settings) -> Iterator[sync_redis.Redis]:
    client = sync_redis.Redis.from_url(settings.redis_url(), decode_responses=True)
    yield client
    client.close()
