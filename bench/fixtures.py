"""What the API and retrieval benchmarks share: a migrated database and a tenant with embedded entries."""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from fibonacco.auth.models import Role, User
from fibonacco.auth.passwords import hash_password
from fibonacco.auth.schemas import PersonalAccessTokenCreate
from fibonacco.auth.service import issue_token
from fibonacco.config import Settings, load_settings
from fibonacco.devstack.embedded import EmbeddedPostgres, EmbeddedRedis, free_port
from fibonacco.integrations.embeddings import Embedder, pad_to
from fibonacco.kit.db import ProcessingStatus, create_engine, create_sessionmaker, unit_of_work
from fibonacco.kit.tenancy import bind_tenant
from fibonacco.knowledge.models import KnowledgeEntry, KnowledgeEntryEmbedding, ValidationStatus
from fibonacco.knowledge.repository import embedding_text
from fibonacco.migrations.runner import migrate
from fibonacco.tenant.models import Tenant


@contextmanager
def servers(database: str, *, redis: bool) -> Iterator[dict[str, str]]:
    """DB_* (and REDIS_*) of a migrated, empty `database`: the caller's servers if DB_HOST / REDIS_HOST are set,
    else embedded ones started here and stopped afterwards."""
    workdir = Path(tempfile.mkdtemp(prefix="fibonacco-bench-"))
    workdir.chmod(0o755)  # the embedded PostgreSQL runs as an unprivileged user when we are root
    postgres = redis_server = None
    env = {"DB_DATABASE": database}
    if os.environ.get("DB_HOST"):
        env.update({name: os.environ.get(name, "") for name in ("DB_HOST", "DB_PORT", "DB_USERNAME", "DB_PASSWORD")})
    else:
        postgres = EmbeddedPostgres(workdir / "postgres", free_port(), fast_unsafe=True)
        postgres.start()
        env.update(DB_HOST="127.0.0.1", DB_PORT=str(postgres.port), DB_USERNAME="postgres", DB_PASSWORD="")
    if redis and os.environ.get("REDIS_HOST"):
        env.update({name: os.environ.get(name, "") for name in ("REDIS_HOST", "REDIS_PORT", "REDIS_PASSWORD")})
    elif redis:
        redis_server = EmbeddedRedis(workdir / "redis", free_port(), persistent=False)
        redis_server.start()
        env.update(REDIS_HOST="127.0.0.1", REDIS_PORT=str(redis_server.port), REDIS_PASSWORD="null")
    try:
        settings = load_settings(**env)
        asyncio.run(_recreate_database(settings))
        migrate(settings)
        yield env
    finally:
        if redis_server is not None:
            redis_server.stop()
        if postgres is not None:
            postgres.stop()
        shutil.rmtree(workdir, ignore_errors=True)


async def connect(settings: Settings, database: str | None = None) -> asyncpg.Connection:
    return await asyncpg.connect(
        host=settings.DB_HOST, port=settings.DB_PORT, user=settings.DB_USERNAME,
        password=settings.DB_PASSWORD.get_secret_value() or None, database=database or settings.DB_DATABASE,
    )  # fmt: skip


async def _recreate_database(settings: Settings) -> None:
    admin = await connect(settings, "postgres")
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{settings.DB_DATABASE}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{settings.DB_DATABASE}"')
    finally:
        await admin.close()


async def server_versions(settings: Settings) -> str:
    connection = await connect(settings)
    try:
        row = await connection.fetchrow(
            "SELECT current_setting('server_version') AS pg, "
            "(SELECT extversion FROM pg_extension WHERE extname = 'vector') AS pgvector"
        )
    finally:
        await connection.close()
    return f"PostgreSQL {row['pg']}, pgvector {row['pgvector']}"


@dataclass(frozen=True)
class EntryData:
    title: str
    content: str
    category: str | None = None
    is_public: bool = True


@dataclass
class SeededTenant:
    tenant_id: uuid.UUID
    slug: str
    token: str
    entry_ids: list[uuid.UUID]


async def seed_tenant(settings: Settings, slug: str, entries: Sequence[EntryData], embedder: Embedder) -> SeededTenant:
    """A committed tenant with an owner, a token and `entries`, already embedded by `embedder`."""
    vectors = await embedder.embed([embedding_text(entry.title, entry.content) for entry in entries])
    engine = create_engine(settings, pool_size=1)
    try:
        async with unit_of_work(create_sessionmaker(engine)) as session:
            tenant = Tenant(name=slug.title(), slug=slug)
            session.add(tenant)
            await session.flush()
            await bind_tenant(session, tenant.id)  # row-level security: the rows below are this tenant's
            user = User(
                tenant_id=tenant.id, email=f"owner@{slug}.example.com", name="Owner", role=Role.owner,
                password_hash=hash_password("bench password"),
            )  # fmt: skip
            session.add(user)
            await session.flush()
            token, _ = await issue_token(session, user, PersonalAccessTokenCreate(name="bench"))
            rows = [
                KnowledgeEntry(
                    tenant_id=tenant.id,
                    title=entry.title,
                    content=entry.content,
                    category=entry.category,
                    is_public=entry.is_public,
                    validation_status=ValidationStatus.validated,
                    embedding_model=embedder.model_name,
                    embedding_status=ProcessingStatus.completed,
                )
                for entry, vector in zip(entries, vectors, strict=True)
            ]
            session.add_all(rows)
            await session.flush()
            session.add_all(
                KnowledgeEntryEmbedding(entry_id=row.id, tenant_id=tenant.id, embedding=pad_to(vector))
                for row, vector in zip(rows, vectors, strict=True)
            )
            await session.flush()
            seeded = SeededTenant(tenant.id, slug, token, [row.id for row in rows])
    finally:
        await engine.dispose()
    return seeded
