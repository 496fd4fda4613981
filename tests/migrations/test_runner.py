from __future__ import annotations

import asyncio
import uuid

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from fibonacco.config import Settings
from fibonacco.devstack.embedded import EmbeddedPostgres
from fibonacco.migrations.runner import alembic_config, migrate


@pytest.fixture
def fresh(settings: Settings, embedded_postgres: EmbeddedPostgres) -> Settings:
    """The settings of a new, empty database."""
    name = f"migrate_{uuid.uuid4().hex[:8]}"
    embedded_postgres.create_database(name)
    return settings.model_copy(update={"DB_DATABASE": name})


class TestMigrate:
    async def test_up_from_empty_then_rerun_is_a_no_op(self, fresh: Settings) -> None:
        applied = await asyncio.to_thread(migrate, fresh)
        assert applied and applied[0].startswith("0001:")
        assert await asyncio.to_thread(migrate, fresh) == []

        engine = create_async_engine(fresh.database_url())
        async with engine.connect() as connection:
            extension = await connection.scalar(text("SELECT extversion FROM pg_extension WHERE extname='vector'"))
            tables = set(
                (await connection.execute(text("SELECT tablename FROM pg_tables WHERE schemaname='public'")))
                .scalars()
                .all()
            )
        await engine.dispose()
        assert extension is not None
        assert {"tenants", "users", "personal_access_tokens", "alembic_version"} <= tables

    async def test_0014_copies_the_postings_of_existing_entries(self, fresh: Settings) -> None:
        await asyncio.to_thread(command.upgrade, alembic_config(fresh), "0013")
        engine = create_async_engine(fresh.database_url())
        async with engine.begin() as connection:
            tenant_id = await connection.scalar(
                text("INSERT INTO tenants (id, name, slug) VALUES (gen_random_uuid(), 'T', 't') RETURNING id")
            )
            await connection.execute(
                text(
                    "INSERT INTO knowledge_entries (id, tenant_id, title, content)"
                    " VALUES (gen_random_uuid(), :tenant, 'Refunds', 'A refund reaches the card.')"
                ),
                {"tenant": tenant_id},
            )

        applied = await asyncio.to_thread(migrate, fresh)
        assert applied and applied[0].startswith("0014:")
        async with engine.connect() as connection:
            postings = (
                await connection.execute(
                    text("SELECT lexeme, occurrences, title_occurrences FROM knowledge_entry_terms")
                )
            ).all()
        await engine.dispose()
        assert sorted(postings) == [("card", 1, 0), ("reach", 1, 0), ("refund", 2, 1)]


class TestModelsMatchMigrations:
    async def test_autogenerate_finds_nothing_to_do(self, engine: AsyncEngine) -> None:
        from alembic.autogenerate import compare_metadata
        from alembic.runtime.migration import MigrationContext

        from fibonacco.models import Model

        def diff(connection: Connection) -> list[object]:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, Model.metadata))

        async with engine.connect() as connection:
            differences = await connection.run_sync(diff)
        assert differences == [], "models and migrations disagree: write a migration"
