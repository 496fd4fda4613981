"""Appending to the customer event stream (DESIGN §13), in the caller's unit of work.

Other domains call `fibonacco.crm.service.append_event`; CRM code that already holds the customer row calls
`record` here. Either way the event is written in the same transaction as the change it describes.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from fibonacco.crm.repository import CustomerEventRepository, CustomerRepository
from fibonacco.kit.clock import utcnow

# Namespaced, e.g. `crm.stage_changed`, `message.delivered`, `campaign.opened`.
EVENT_TYPE = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")
STAGE_CHANGED = "crm.stage_changed"
CONSENT_CHANGED = "crm.consent_changed"
DO_NOT_CONTACT_CHANGED = "crm.do_not_contact_changed"
NOTE = "crm.note"
CONVERSATION_STARTED = "crm.conversation_started"
CONVERSATION_ENDED = "crm.conversation_ended"
CONVERSATION_MESSAGE = "crm.conversation_message"
CRM_SOURCE = "crm"


async def record(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    customer_id: uuid.UUID,
    type: str,
    *,
    data: dict[str, Any] | None = None,
    source: str = CRM_SOURCE,
    source_id: str | None = None,
    occurred_at: datetime | None = None,
) -> bool:
    """Append one event for a customer known to exist; False if `(source, source_id)` was appended before."""
    if not EVENT_TYPE.fullmatch(type):
        raise ValueError(f"event type {type!r} must look like 'domain.event'")
    when = occurred_at or utcnow()
    appended = await CustomerEventRepository(session, tenant_id).append(
        {
            "customer_id": customer_id,
            "type": type,
            "occurred_at": when,
            "source": source,
            "source_id": source_id,
            "data": data or {},
        }
    )
    if appended:
        await CustomerRepository(session, tenant_id).touch_activity(customer_id, when)
    return appended
