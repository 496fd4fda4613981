"""Customer import from the API (a job batch) and the CLI: idempotent upserts, dry runs, per-row errors, and
files refused whole (encoding, header, mapping, size) with nothing written."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

import httpx
import pytest
import redis.asyncio as aioredis
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from fibonacco.auth.models import Role
from fibonacco.crm import importer
from fibonacco.crm.cli import import_chunks
from fibonacco.crm.models import (
    Customer,
    CustomerEvent,
    CustomerImport,
    CustomerImportChunk,
    CustomFieldType,
    ImportKey,
)
from fibonacco.kit.db import create_sessionmaker, unit_of_work
from fibonacco.tenant.models import Tenant
from fibonacco.worker.queues import QueueKeys
from tests.crm.conftest import MakeField
from tests.fixtures import Actor, MakeActor
from tests.helpers import fibonacco

CSV = (
    "Company,E-mail,Phone,Stage,Labels,Seats\n"
    "Acme Plumbing,acme@example.com,+1 202 555 0143,customer,vip;north,12\n"
    "Bella Pizza,bella@example.com,,lead,food,3\n"
    "Broken Phone Inc,broken@example.com,12,lead,,1\n"  # line 4: bad phone
    '"Quoted, Name",quoted@example.com,,prospect,,"7"\n'
    "No Email Ltd,,,lead,,2\n"  # line 6: no key
    "Bad Seats,seats@example.com,,lead,,many\n"  # line 7: wrong custom type
    "Acme Again,ACME@example.com,,lead,,1\n"  # line 8: same email as line 2
)
MAPPING = "Company=name,E-mail=email,Phone=phone,Stage=stage,Labels=tags,Seats=custom.seats"


async def queued_import_jobs(redis: aioredis.Redis) -> list[dict[str, object]]:
    messages = [json.loads(m) for m in await redis.hvals(QueueKeys.of("default").messages)]
    return [m for m in messages if m["actor_name"] == "crm.import_chunk"]


async def upload(
    client: httpx.AsyncClient, actor: Actor, content: bytes, *, name: str = "customers.csv", **form: str
) -> httpx.Response:
    files = {"file": (name, content, "text/csv")}
    return await client.post("/api/v1/customers/imports", files=files, data=form, headers=actor.headers)


async def run_jobs(session: AsyncSession, redis: aioredis.Redis, tenant_id: uuid.UUID) -> None:
    """What the worker does for each queued chunk job, in the test's session."""
    for job in await queued_import_jobs(redis):
        assert job["kwargs"] == {"tenant_id": str(tenant_id)}
        import_id, position = job["args"]
        await importer.process_chunk(session, tenant_id, uuid.UUID(str(import_id)), int(str(position)))
    await redis.delete(QueueKeys.of("default").messages)


async def count(session: AsyncSession, model: type[Customer] | type[CustomerImport], tenant_id: uuid.UUID) -> int:
    return int(await session.scalar(select(func.count()).select_from(model).where(model.tenant_id == tenant_id)) or 0)


@pytest.fixture
async def importer_actor(make_actor: MakeActor, make_field: MakeField) -> Actor:
    staff = await make_actor(Role.staff)
    await make_field(staff.tenant, "seats", CustomFieldType.number)
    return staff


class TestApiImport:
    async def test_good_rows_land_bad_rows_are_reported_by_line_and_a_rerun_changes_nothing(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        redis: aioredis.Redis,
        importer_actor: Actor,
    ) -> None:
        staff = importer_actor
        started = await upload(client, staff, CSV.encode(), mapping=MAPPING)
        assert started.status_code == 202, started.text
        report = started.json()["data"]
        assert report["total_rows"] == 7 and report["finished"] is False and report["batch_id"]
        await run_jobs(session, redis, staff.tenant.id)

        done = (await client.get(f"/api/v1/customers/imports/{report['id']}", headers=staff.headers)).json()["data"]
        assert done["finished"] and (done["created"], done["updated"], done["unchanged"]) == (3, 0, 0)
        assert [(e["line"], e["field"]) for e in done["errors"]] == [
            (4, "phone"),
            (6, "email"),
            (7, "custom.seats"),
            (8, "email"),
        ]
        assert done["rejected"] == 4 and done["processed_rows"] == 7
        acme = (await client.get("/api/v1/customers/slug/acme-plumbing", headers=staff.headers)).json()["data"]
        assert acme["phone"] == "+12025550143" and acme["tags"] == ["vip", "north"] and acme["stage"] == "customer"
        assert acme["custom_fields"] == {"seats": 12}
        quoted = (await client.get("/api/v1/customers/slug/quoted-name", headers=staff.headers)).json()["data"]
        assert quoted["name"] == "Quoted, Name" and quoted["custom_fields"] == {"seats": 7}
        events = (await client.get(f"/api/v1/customers/{acme['id']}/timeline", headers=staff.headers)).json()["data"]
        assert [(e["type"], e["data"]["to"]) for e in events] == [("crm.stage_changed", "customer")]

        again = (await upload(client, staff, CSV.encode(), mapping=MAPPING)).json()["data"]
        await run_jobs(session, redis, staff.tenant.id)
        second = (await client.get(f"/api/v1/customers/imports/{again['id']}", headers=staff.headers)).json()["data"]
        assert (second["created"], second["updated"], second["unchanged"], second["rejected"]) == (0, 0, 3, 4)
        assert await count(session, Customer, staff.tenant.id) == 3

        changed = CSV.replace("Bella Pizza,bella@example.com,,lead", "Bella Pizza,bella@example.com,,prospect")
        third = (await upload(client, staff, changed.encode(), mapping=MAPPING)).json()["data"]
        await run_jobs(session, redis, staff.tenant.id)
        result = (await client.get(f"/api/v1/customers/imports/{third['id']}", headers=staff.headers)).json()["data"]
        assert (result["created"], result["updated"], result["unchanged"]) == (0, 1, 2)
        bella = (await client.get("/api/v1/customers/slug/bella-pizza", headers=staff.headers)).json()["data"]
        assert bella["stage"] == "prospect"

    async def test_a_dry_run_reports_and_writes_nothing(
        self, client: httpx.AsyncClient, session: AsyncSession, redis: aioredis.Redis, importer_actor: Actor
    ) -> None:
        staff = importer_actor
        started = (await upload(client, staff, CSV.encode(), mapping=MAPPING, dry_run="true")).json()["data"]
        assert started["dry_run"] is True
        await run_jobs(session, redis, staff.tenant.id)
        report = (await client.get(f"/api/v1/customers/imports/{started['id']}", headers=staff.headers)).json()["data"]
        assert (report["created"], report["rejected"]) == (3, 4)
        assert await count(session, Customer, staff.tenant.id) == 0
        events = await session.scalar(
            select(func.count()).select_from(CustomerEvent).where(CustomerEvent.tenant_id == staff.tenant.id)
        )
        assert events == 0

    async def test_the_stored_rows_are_cleared_once_imported(
        self, client: httpx.AsyncClient, session: AsyncSession, redis: aioredis.Redis, importer_actor: Actor
    ) -> None:
        staff = importer_actor
        started = (await upload(client, staff, CSV.encode(), mapping=MAPPING)).json()["data"]
        await run_jobs(session, redis, staff.tenant.id)
        rows = (
            (
                await session.execute(
                    select(CustomerImportChunk.rows).where(CustomerImportChunk.import_id == uuid.UUID(started["id"]))
                )
            )
            .scalars()
            .all()
        )
        assert rows == [[]]

    @pytest.mark.parametrize(
        ("content", "name", "form", "field", "message"),
        [
            ("Company,E-mail\nCafé Brûlé,cafe@example.com\n".encode("latin-1"), "c.csv", {}, "file", "not UTF-8"),
            (b"Acme Plumbing,acme@example.com\n", "c.csv", {}, "file", "is the header row missing?"),
            (b"", "c.csv", {}, "file", "empty"),
            (
                b"Company,E-mail\nAcme,a@example.com\n",
                "c.csv",
                {"mapping": "Firm=name"},
                "map",
                "'Firm' is not in the file",
            ),
            (b"Company\nAcme\n", "c.csv", {"mapping": "Company=nickname"}, "map", "unknown field 'nickname'"),
            (b"Company\nAcme\n", "c.csv", {"mapping": "Company=custom.colour"}, "map", "unknown custom field 'colour'"),
            (b"Company\nAcme\n", "c.csv", {"mapping": "Company"}, "map", "not COLUMN=FIELD"),
            (b"name\nAcme\n", "c.xlsx", {}, "file", "unsupported file type"),
            (b'{"customers": 3}', "c.json", {}, "file", "expected a list"),
            (b"[{,]", "c.json", {}, "file", "not valid JSON"),
            (b"name,name\nA,B\n", "c.csv", {}, "file", "twice"),
        ],
    )
    async def test_a_file_that_cannot_be_imported_is_refused_whole(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        redis: aioredis.Redis,
        importer_actor: Actor,
        content: bytes,
        name: str,
        form: dict[str, str],
        field: str,
        message: str,
    ) -> None:
        response = await upload(client, importer_actor, content, name=name, **form)
        assert response.status_code == 422, response.text
        error = response.json()["error"]
        assert error["code"] == "validation_error" and message in error["message"]
        assert error["details"][0]["field"] == field
        assert await count(session, CustomerImport, importer_actor.tenant.id) == 0
        assert await queued_import_jobs(redis) == []

    async def test_a_50_mb_file_is_refused(
        self, client: httpx.AsyncClient, session: AsyncSession, importer_actor: Actor
    ) -> None:
        row = b"Acme Plumbing,acme@example.com\n"
        content = b"name,email\n" + row * (50 * 1024 * 1024 // len(row))
        response = await upload(client, importer_actor, content)
        assert response.status_code == 413, response.text
        assert (
            response.json()["error"]["code"] == "payload_too_large"
            and "at most 20 MB" in response.json()["error"]["message"]
        )
        assert await count(session, CustomerImport, importer_actor.tenant.id) == 0

    async def test_json_and_upsert_by_slug(
        self, client: httpx.AsyncClient, session: AsyncSession, redis: aioredis.Redis, importer_actor: Actor
    ) -> None:
        staff = importer_actor
        document = [
            {"name": "Json Co", "slug": "json-co", "tags": ["a", "b"], "seats": 4, "do_not_contact": True},
            {"name": "Json Two", "timezone": "Europe/Paris", "address.city": "Paris"},
            "not an object",
        ]
        started = await upload(
            client,
            staff,
            json.dumps(document).encode(),
            name="c.json",
            key="slug",
            mapping="name=name,slug=slug,tags=tags,seats=custom.seats,do_not_contact=do_not_contact,timezone=timezone,address.city=address.city",
        )
        assert started.status_code == 202, started.text
        await run_jobs(session, redis, staff.tenant.id)
        report = (
            await client.get(f"/api/v1/customers/imports/{started.json()['data']['id']}", headers=staff.headers)
        ).json()["data"]
        assert report["created"] == 2 and [(e["line"], e["message"]) for e in report["errors"]] == [
            (3, "not an object")
        ]
        two = (await client.get("/api/v1/customers/slug/json-two", headers=staff.headers)).json()["data"]
        assert two["timezone"] == "Europe/Paris" and two["address"]["city"] == "Paris"
        co = (await client.get("/api/v1/customers/slug/json-co", headers=staff.headers)).json()["data"]
        assert co["do_not_contact"] is True and co["custom_fields"] == {"seats": 4} and co["tags"] == ["a", "b"]


class TestCli:
    async def test_import_dry_run_then_import_then_rerun(
        self, committed_tenant: Tenant, engine: AsyncEngine, tmp_dir: Path
    ) -> None:
        path = tmp_dir / "customers.csv"
        path.write_text(CSV, encoding="utf-8")
        mapping = MAPPING.replace(",Seats=custom.seats", "")
        args = ("customers", "import", str(path), "--tenant", committed_tenant.slug, "--map", mapping)

        async def customers() -> int:
            async with unit_of_work(create_sessionmaker(engine)) as session:
                return await count(session, Customer, committed_tenant.id)

        dry = fibonacco(*args, "--dry-run")
        assert dry.returncode == 0, dry.stdout + dry.stderr
        assert "Nothing was written" in dry.stdout and await customers() == 0
        first = fibonacco(*args)
        assert first.returncode == 0, first.stdout + first.stderr
        assert "line 4" in first.stdout and "phone" in first.stdout and "line 8" in first.stdout
        assert await customers() == 4  # the Seats column (line 7's bad value) is left unmapped here
        rerun = fibonacco(*args)
        assert rerun.returncode == 0 and await customers() == 4
        created, updated, unchanged, rejected = re.findall(r"\d+", rerun.stdout.split("rejected", 1)[1])[:4]
        assert (created, updated, unchanged, rejected) == ("0", "0", "4", "3")

    async def test_two_chunks_at_once_sort_out_the_generated_slugs_both_want(
        self, committed_tenant: Tenant, app_engine: AsyncEngine, engine: AsyncEngine
    ) -> None:
        """`cli.import_chunks` imports two chunks at a time. Customers of one name in both want the same slugs:
        the chunk that loses the race runs again, and every row lands, each with a slug of its own."""
        rows = [(line, {"name": "Acme Plumbing", "email": f"owner{line}@acme.example"}) for line in range(2, 42)]
        sessionmaker = create_sessionmaker(app_engine)
        advanced: list[int] = []
        first = await import_chunks(
            sessionmaker,
            committed_tenant.id,
            rows,
            ImportKey.email,
            dry_run=False,
            advance=advanced.append,
            chunk_rows=5,
        )
        assert (first.created, first.errors, sum(advanced)) == (40, [], 40)
        async with unit_of_work(create_sessionmaker(engine)) as session:
            slugs = (
                await session.scalars(select(Customer.slug).where(Customer.tenant_id == committed_tenant.id))
            ).all()
        assert len(set(slugs)) == len(slugs) == 40 and "acme-plumbing" in slugs
        rerun = await import_chunks(
            sessionmaker, committed_tenant.id, rows, ImportKey.email, dry_run=False, chunk_rows=5
        )
        assert (rerun.created, rerun.updated, rerun.unchanged) == (0, 0, 40)

    def test_refusals_are_one_red_line(self, committed_tenant: Tenant, tmp_dir: Path) -> None:
        path = tmp_dir / "latin.csv"
        path.write_bytes("name\nCafé\n".encode("latin-1"))
        refused = fibonacco("customers", "import", str(path), "--tenant", committed_tenant.slug)
        assert refused.returncode == 1 and "not UTF-8" in refused.stdout and "Traceback" not in refused.stderr
        unknown = fibonacco("customers", "import", str(path), "--tenant", "no-such-tenant")
        assert unknown.returncode == 1 and "No tenant" in unknown.stdout
        big = tmp_dir / "big.csv"
        with big.open("wb") as handle:
            handle.truncate(50 * 1024 * 1024)
        too_big = fibonacco("customers", "import", str(big), "--tenant", committed_tenant.slug)
        assert too_big.returncode == 2 and "larger than 20 MB" in too_big.stdout
