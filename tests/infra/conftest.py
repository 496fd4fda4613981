"""`fibonacco infra` tests read stack files and a price list only: no database or Redis."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(scope="session", autouse=True)
def servers() -> Iterator[None]:
    """Overrides the session's embedded PostgreSQL/Redis, which these tests never use."""
    yield
