"""CRM jobs: an API import runs as a batch of these, one per stored chunk of rows."""

from __future__ import annotations

import uuid
from datetime import timedelta

from fibonacco.crm import importer
from fibonacco.kit.tenancy import bind_tenant
from fibonacco.worker.actor import actor, job_session


@actor("crm.import_chunk", queue="default", time_limit=timedelta(minutes=5))
async def import_chunk(import_id: str, position: int, *, tenant_id: str) -> None:
    """Import one chunk of an API import in one unit of work: its good rows land together, or not at all."""
    tenant = uuid.UUID(tenant_id)
    async with job_session() as session:
        await bind_tenant(session, tenant)
        await importer.process_chunk(session, tenant, uuid.UUID(import_id), position)
