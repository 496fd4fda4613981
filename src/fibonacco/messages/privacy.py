"""What the messages domain holds about one CRM customer, for the CRM's privacy export and erasure.

The CRM service calls these (messages call the CRM for the timeline, so these import nothing of the CRM).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from fibonacco.messages.models import Message
from fibonacco.messages.repository import MessageRepository

# What an erased message's recipient address reads afterwards.
ERASED_ADDRESS = "erased"


async def messages_for_customer(
    session: AsyncSession, tenant_id: uuid.UUID, customer_id: uuid.UUID
) -> Sequence[Message]:
    return await MessageRepository(session, tenant_id).for_customer(customer_id)


async def erase_customer_messages(session: AsyncSession, tenant_id: uuid.UUID, customer_id: uuid.UUID) -> int:
    """Anonymise the customer's messages (kept for counts); returns how many."""
    return await MessageRepository(session, tenant_id).erase_for_customer(customer_id, ERASED_ADDRESS)
