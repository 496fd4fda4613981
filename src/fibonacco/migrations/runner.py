"""Run Alembic from code: `fibonacco migrate`, `make dev` and the tests all come through here."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import create_async_engine

from fibonacco.config import Settings

MIGRATIONS_DIR = Path(__file__).parent


def alembic_config(settings: Settings) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("version_locations", str(MIGRATIONS_DIR / "versions"))
    # ConfigParser interpolates '%': escape it, passwords may contain one.
    config.set_main_option("sqlalchemy.url", settings.database_url().replace("%", "%%"))
    return config


async def current_revision(settings: Settings) -> str | None:
    engine = create_async_engine(settings.database_url())
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(lambda sync: MigrationContext.configure(sync).get_current_revision())
    finally:
        await engine.dispose()


def pending_revisions(settings: Settings, current: str | None) -> list[str]:
    """Revisions between `current` and head, oldest first, as 'rev: message'."""
    script = ScriptDirectory.from_config(alembic_config(settings))
    revisions = list(script.iterate_revisions("heads", current or "base"))
    return [f"{rev.revision}: {rev.doc}" for rev in reversed(revisions)]


def migrate(settings: Settings) -> list[str]:
    """Upgrade to head; returns what was applied (empty when already up to date). Safe to run on every deploy."""
    before = asyncio.run(current_revision(settings))
    applied = pending_revisions(settings, before)
    if applied:
        command.upgrade(alembic_config(settings), "heads")
    return applied
