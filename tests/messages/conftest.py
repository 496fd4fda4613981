from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from fibonacco.kit.db import unit_of_work


@pytest.fixture
def new_unit(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> Callable[[], AbstractAsyncContextManager[AsyncSession]]:
    """Units of work inside the test's transaction, as a job would open them."""
    return lambda: unit_of_work(sessionmaker)
