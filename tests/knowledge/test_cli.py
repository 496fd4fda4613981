"""`fibonacco knowledge import` and `fibonacco embeddings …`, run as subprocesses that commit for real."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from fibonacco.kit.db import create_sessionmaker
from fibonacco.knowledge.models import EmbeddingStatus, KnowledgeEntry
from fibonacco.tenant.models import Tenant
from tests.helpers import fibonacco as run_fibonacco


def fibonacco(*args: str) -> subprocess.CompletedProcess[str]:
    # Wide enough that Rich does not wrap the summary lines the tests read.
    return run_fibonacco(*args, env={**os.environ, "COLUMNS": "200"})


async def entries(engine: AsyncEngine, tenant: Tenant) -> dict[str, KnowledgeEntry]:
    async with create_sessionmaker(engine)() as session:
        rows = (await session.execute(select(KnowledgeEntry).where(KnowledgeEntry.tenant_id == tenant.id))).scalars()
        return {row.source_url or "": row for row in rows}


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


class TestImport:
    async def test_markdown_folder_is_imported_idempotently(
        self, engine: AsyncEngine, committed_tenant: Tenant, tmp_dir: Path
    ) -> None:
        folder = tmp_dir / "faq"
        write(
            folder / "billing" / "invoices.md",
            "---\ncategory: billing\ntags: [pdf, invoices]\nis_public: true\n---\n# Invoices\n\nDownload them.\n",
        )
        write(folder / "account.md", "Reset your password from the sign-in page.\n")
        write(folder / "broken.md", "---\ntitle: [unclosed\n---\nBody\n")
        write(folder / "empty.md", "---\ntitle: Empty\n---\n")
        first = fibonacco("knowledge", "import", str(folder), "--tenant", committed_tenant.slug)
        assert first.returncode == 0, first.stdout + first.stderr
        assert "invalid broken.md: front matter" in first.stdout
        assert "invalid empty.md: content" in first.stdout

        rows = await entries(engine, committed_tenant)
        assert set(rows) == {"billing/invoices.md", "account.md"}
        invoices = rows["billing/invoices.md"]
        assert (invoices.title, invoices.content, invoices.category) == ("Invoices", "Download them.", "billing")
        assert invoices.tags == ["pdf", "invoices"] and invoices.is_public
        assert rows["account.md"].title == "Account"
        assert invoices.embedding_status == EmbeddingStatus.pending

        write(folder / "account.md", "Reset your password from the sign-in page, or ask support.\n")
        second = fibonacco("knowledge", "import", str(folder), "--tenant", committed_tenant.slug)
        assert second.returncode == 0, second.stdout + second.stderr
        summary = second.stdout.split("Imported")[1]
        assert "│ 0       │ 1       │ 1       │ 2       │" in summary, second.stdout
        again = await entries(engine, committed_tenant)
        assert set(again) == set(rows) and again["account.md"].id == rows["account.md"].id
        assert again["account.md"].content.endswith("or ask support.")

    async def test_json_and_csv_report_invalid_rows_and_import_the_rest(
        self, engine: AsyncEngine, committed_tenant: Tenant, tmp_dir: Path
    ) -> None:
        records = [
            {"title": "Refunds", "content": "Within 30 days.", "source_url": "https://help.example.com/refunds"},
            {"title": "No content"},
            "not an object",
            {"title": "Refunds again", "content": "Dup.", "source_url": "https://help.example.com/refunds"},
        ]
        json_file = write(tmp_dir / "entries.json", json.dumps({"entries": records}))
        result = fibonacco("knowledge", "import", str(json_file), "--tenant", committed_tenant.slug)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "invalid entries.json[2]: content: Field required" in result.stdout
        assert "invalid entries.json[3]: record: not an object" in result.stdout
        assert "invalid entries.json[4]: same source as entries.json[1]" in result.stdout

        csv_file = write(tmp_dir / "faq.csv",
                         "title,content,tags,is_public,metadata\n"
                         "Shipping,We ship in 2 days.,shipping;delivery,yes,\"{\"\"owner\"\": \"\"ops\"\"}\"\n"
                         "Bad flag,Text,,perhaps,\n")  # fmt: skip
        result = fibonacco("knowledge", "import", str(csv_file), "--tenant", committed_tenant.slug)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "invalid faq.csv:3: is_public" in result.stdout

        rows = await entries(engine, committed_tenant)
        assert set(rows) == {"https://help.example.com/refunds", "faq.csv#Shipping"}
        shipping = rows["faq.csv#Shipping"]
        assert shipping.tags == ["shipping", "delivery"] and shipping.is_public and shipping.extra == {"owner": "ops"}

    def test_unreadable_source_and_unknown_tenant(self, tmp_dir: Path) -> None:
        bad = write(tmp_dir / "entries.txt", "hello")
        assert fibonacco("knowledge", "import", str(bad), "--tenant", "x").returncode == 2
        good = write(tmp_dir / "ok.json", "[]")
        result = fibonacco("knowledge", "import", str(good), "--tenant", "no-such-tenant")
        assert result.returncode == 1 and "No tenant" in result.stdout


class TestEmbeddingCommands:
    async def test_process_embeds_pending_entries(
        self, engine: AsyncEngine, committed_tenant: Tenant, tmp_dir: Path
    ) -> None:
        folder = tmp_dir / "kb"
        for name in ("a", "b", "c"):
            write(folder / f"{name}.md", f"Entry {name} about invoices.\n")
        assert fibonacco("knowledge", "import", str(folder), "--tenant", committed_tenant.slug).returncode == 0
        result = fibonacco("embeddings", "process", "--batch-size", "2")
        assert result.returncode == 0, result.stdout + result.stderr
        assert "Embedded 3, failed 0, of 3 claimed." in result.stdout
        rows = await entries(engine, committed_tenant)
        assert {row.embedding_status for row in rows.values()} == {EmbeddingStatus.completed}

    async def test_generate_pending_queues_jobs_for_missing_embeddings(
        self, engine: AsyncEngine, committed_tenant: Tenant, tmp_dir: Path
    ) -> None:
        write(tmp_dir / "kb" / "a.md", "Entry about invoices.\n")
        assert fibonacco("knowledge", "import", str(tmp_dir / "kb"), "--tenant", committed_tenant.slug).returncode == 0
        result = fibonacco("embeddings", "generate-pending")
        assert result.returncode == 0, result.stdout + result.stderr
        assert "Queued 1 embedding job(s)." in result.stdout
