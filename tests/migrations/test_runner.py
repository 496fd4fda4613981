from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from typing import Any

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import Connection, Row
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from fibonacco.config import Settings
from fibonacco.devstack.embedded import EmbeddedPostgres
from fibonacco.migrations.runner import alembic_config, migrate


@pytest.fixture
def fresh(settings: Settings, embedded_postgres: EmbeddedPostgres) -> Settings:
    """The settings of a new, empty database."""
    name = f"migrate_{uuid.uuid4().hex[:8]}"
    embedded_postgres.create_database(name)
    return settings.model_copy(update={"DB_DATABASE": name})


async def _insert_tenant(connection: AsyncConnection) -> uuid.UUID:
    tenant_id: uuid.UUID = await connection.scalar(
        text("INSERT INTO tenants (id, name, slug) VALUES (gen_random_uuid(), 'T', 't') RETURNING id")
    )
    return tenant_id


async def _fetch(engine: AsyncEngine, sql: str) -> Sequence[Row[Any]]:
    async with engine.connect() as connection:
        return (await connection.execute(text(sql))).all()


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
            tenant_id = await _insert_tenant(connection)
            await connection.execute(
                text(
                    "INSERT INTO knowledge_entries (id, tenant_id, title, content)"
                    " VALUES (gen_random_uuid(), :tenant, 'Refunds', 'A refund reaches the card.')"
                ),
                {"tenant": tenant_id},
            )

        applied = await asyncio.to_thread(migrate, fresh)
        assert applied and applied[0].startswith("0014:")
        postings = await _fetch(engine, "SELECT lexeme, occurrences, title_occurrences FROM knowledge_entry_terms")
        await engine.dispose()
        assert sorted(postings) == [("card", 1, 0), ("reach", 1, 0), ("refund", 2, 1)]

    async def test_0015_moves_existing_vectors_to_their_table_and_back(self, fresh: Settings) -> None:
        vector = "[" + ",".join(["0.5", "0.25"] + ["0"] * 1534) + "]"
        await asyncio.to_thread(command.upgrade, alembic_config(fresh), "0014")
        engine = create_async_engine(fresh.database_url())
        async with engine.begin() as connection:
            tenant_id = await _insert_tenant(connection)
            entry_id = await connection.scalar(
                text(
                    "INSERT INTO knowledge_entries (id, tenant_id, title, content, embedding, embedding_model)"
                    " VALUES (gen_random_uuid(), :tenant, 'Refunds', 'A refund.', CAST(:vector AS vector), 'm'),"
                    " (gen_random_uuid(), :tenant, 'Not embedded', 'Yet.', NULL, NULL) RETURNING id"
                ),
                {"tenant": tenant_id, "vector": vector},
            )

        await asyncio.to_thread(command.upgrade, alembic_config(fresh), "0015")
        moved = await _fetch(engine, "SELECT entry_id, tenant_id, embedding::text FROM knowledge_entry_embeddings")
        ((column_left,),) = await _fetch(
            engine,
            "SELECT count(*) FROM information_schema.columns"
            " WHERE table_name = 'knowledge_entries' AND column_name = 'embedding'",
        )
        assert [(row[0], row[1]) for row in moved] == [(entry_id, tenant_id)]
        assert moved[0][2].startswith("[0.5,0.25,0,")
        assert column_left == 0

        await asyncio.to_thread(command.downgrade, alembic_config(fresh), "0014")
        back = await _fetch(engine, "SELECT id, embedding::text FROM knowledge_entries WHERE embedding IS NOT NULL")
        await engine.dispose()
        assert [row[0] for row in back] == [entry_id] and back[0][1].startswith("[0.5,0.25,0,")


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
