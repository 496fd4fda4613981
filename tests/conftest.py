"""Test session: a real PostgreSQL + pgvector and a real Redis, started here unless DB_HOST/REDIS_HOST are set.

Each test runs inside a transaction that is rolled back, so tests never see each other's rows; the API under test
shares that transaction (its commits become savepoints).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from fibonacco.devstack.embedded import EmbeddedPostgres, EmbeddedRedis, free_port

_TMP = Path(tempfile.mkdtemp(prefix="fibonacco-tests-"))
_TMP.chmod(0o755)  # the embedded PostgreSQL runs as an unprivileged user when we are root
# pytest-xdist's workers inherit the environment this module set in the controlling process (which starts no
# server): each worker starts servers of its own on ports of its own.
_INHERITED = os.environ.get("FIBONACCO_TEST_SERVERS", "").split(",")
_EMBEDDED_DB = "postgres" in _INHERITED or not os.environ.get("DB_HOST")
_EMBEDDED_REDIS = "redis" in _INHERITED or not os.environ.get("REDIS_HOST")
os.environ["FIBONACCO_TEST_SERVERS"] = ",".join(
    name for name, own in (("postgres", _EMBEDDED_DB), ("redis", _EMBEDDED_REDIS)) if own
)

# Settings are read from the environment, so pin it before anything imports fibonacco's settings.
os.environ.update(APP_ENV="testing", LOG_LEVEL="WARNING", DATA_DIR=str(_TMP / "data"))
os.environ.setdefault("DB_DATABASE", "fibonacco_test")
if _EMBEDDED_DB:
    os.environ.update(DB_HOST="127.0.0.1", DB_PORT=str(free_port()), DB_USERNAME="postgres", DB_PASSWORD="")
if _EMBEDDED_REDIS:
    os.environ.update(REDIS_HOST="127.0.0.1", REDIS_PORT=str(free_port()), REDIS_PASSWORD="null")

pytest_plugins = ["tests.fixtures", "tests.fakes.fixtures"]


_REDIS = EmbeddedRedis(_TMP / "redis", int(os.environ["REDIS_PORT"]), persistent=False)


@pytest.fixture(scope="session", autouse=True)
def servers() -> Iterator[None]:
    # A developer's .env must not leak into the tests (settings read `.env` from the working directory). Here, not
    # at import: xdist's workers start in the controller's directory and resolve the command line's paths from it.
    os.chdir(Path(__file__).parent)
    postgres = EmbeddedPostgres(_TMP / "postgres", int(os.environ["DB_PORT"]), fast_unsafe=True)
    redis = _REDIS
    if _EMBEDDED_DB:
        postgres.start()
        postgres.create_database(os.environ["DB_DATABASE"])
    if _EMBEDDED_REDIS:
        redis.start()
    try:
        from fibonacco.config import load_settings
        from fibonacco.migrations.runner import migrate

        migrate(load_settings())
        yield
    finally:
        redis.stop()
        postgres.stop()


@pytest.fixture(scope="session")
def embedded_postgres() -> EmbeddedPostgres:
    """Handle on the session's PostgreSQL, for tests that need a database of their own."""
    if not _EMBEDDED_DB:
        pytest.skip("needs the embedded PostgreSQL")
    return EmbeddedPostgres(_TMP / "postgres", int(os.environ["DB_PORT"]))


@pytest.fixture(scope="session")
def embedded_redis() -> EmbeddedRedis:
    """The session's Redis (not persistent), for tests that stop and restart it; they must start it again."""
    if not _EMBEDDED_REDIS:
        pytest.skip("needs the embedded Redis")
    return _REDIS


@pytest.fixture
def tmp_dir() -> Path:
    path = Path(tempfile.mkdtemp(dir=_TMP))
    path.chmod(0o755)
    return path


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The browser suite first: it is the longest file by far, and `make test`'s two xdist workers (one file
    each at a time, in this order: `--no-loadscope-reorder`) finish together only when one of them starts
    with it."""
    items.sort(key=lambda item: item.path.parent.name != "e2e")
