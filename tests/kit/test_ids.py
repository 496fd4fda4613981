"""Row ids are UUID version 7: random enough not to be guessed, ordered by creation so inserts append."""

from __future__ import annotations

import time
import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from fibonacco.crm import importer
from fibonacco.crm.models import CustomerEvent, ImportKey
from fibonacco.kit.ids import new_id
from tests.fixtures import MakeTenant


class TestNewId:
    def test_is_a_version_7_uuid_of_the_rfc_variant(self) -> None:
        made = new_id()
        assert made.version == 7 and made.variant == uuid.RFC_4122

    def test_starts_with_the_time_in_milliseconds(self) -> None:
        before = time.time_ns() // 1_000_000
        made = new_id()
        after = time.time_ns() // 1_000_000
        assert before <= made.int >> 80 <= after

    def test_ids_of_later_milliseconds_sort_after_and_none_repeats(self) -> None:
        first = new_id()
        time.sleep(0.002)
        assert new_id() > first
        assert len({new_id() for _ in range(10_000)}) == 10_000


class TestRowsGetThem:
    async def test_an_orm_row_and_an_imported_customer_with_its_stage_event(
        self, session: AsyncSession, make_tenant: MakeTenant
    ) -> None:
        tenant = await make_tenant()
        assert tenant.id.version == 7
        rows = [(2, {"name": "Acme Plumbing", "email": "acme@example.com"})]
        outcome = await importer.import_rows(session, tenant.id, rows, ImportKey.email, dry_run=False)
        assert outcome.created == 1
        event = (await session.execute(select(CustomerEvent).where(CustomerEvent.tenant_id == tenant.id))).scalar_one()
        assert event.id.version == 7 and event.customer_id.version == 7
