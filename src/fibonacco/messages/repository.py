from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert

from fibonacco.kit.repository import Repository, TenantScopedRepository
from fibonacco.kit.responses import Page
from fibonacco.messages.models import Channel, Message, MessageEvent, MessageStatus, SuppressedAddress, TtsAudio
from fibonacco.messages.schemas import MessageFilters


class MessageRepository(TenantScopedRepository[Message]):
    model = Message

    async def list_page(self, filters: MessageFilters, page: Page) -> tuple[Sequence[Message], int]:
        statement = self.select()
        if filters.channel is not None:
            statement = statement.where(Message.channel == filters.channel)
        if filters.status is not None:
            statement = statement.where(Message.status == filters.status)
        if filters.to is not None:
            statement = statement.where(Message.to_address == filters.to)
        return await self.paginate(statement.order_by(Message.created_at.desc(), Message.id), page)

    async def is_suppressed(self, channel: Channel, address: str) -> bool:
        statement = select(SuppressedAddress.id).where(
            SuppressedAddress.tenant_id == self.tenant_id,
            SuppressedAddress.channel == channel,
            SuppressedAddress.address == address.lower(),
        )
        return (await self.session.execute(statement)).first() is not None

    async def for_customer(self, customer_id: uuid.UUID) -> Sequence[Message]:
        statement = self.select().where(Message.customer_id == customer_id).order_by(Message.created_at, Message.id)
        return (await self.session.execute(statement)).scalars().all()

    async def erase_for_customer(self, customer_id: uuid.UUID, placeholder: str) -> int:
        """Wipe what identifies the customer on its messages (address, content, provider payloads, suppression of
        its addresses); the rows stay, with their channel, status and times, for counts."""
        rows = (
            await self.session.execute(
                update(Message)
                .where(Message.tenant_id == self.tenant_id, Message.customer_id == customer_id)
                .values(
                    to_address=placeholder,
                    reply_to=None,
                    subject=None,
                    body_text=None,
                    body_html=None,
                    script=None,
                    unsubscribe_url=None,
                    error=None,
                    extra={},
                    customer_id=None,
                )
                .returning(Message.id)
                .execution_options(synchronize_session=False)
            )
        ).all()
        ids = [row.id for row in rows]
        if ids:
            await self.session.execute(delete(MessageEvent).where(MessageEvent.message_id.in_(ids)))
            await self.session.execute(
                delete(SuppressedAddress).where(
                    SuppressedAddress.tenant_id == self.tenant_id, SuppressedAddress.message_id.in_(ids)
                )
            )
        return len(ids)

    async def suppress(self, channel: Channel, address: str, reason: str, message: Message | None) -> None:
        await self.session.execute(
            insert(SuppressedAddress)
            .values(
                tenant_id=self.tenant_id,
                channel=channel,
                address=address.lower(),
                reason=reason,
                message_id=message.id if message else None,
            )
            .on_conflict_do_nothing(constraint="uq_suppressed_addresses_address")
        )


class MessageLookup(Repository[Message]):
    """Finds messages across tenants, for jobs (which get an id) and provider callbacks (a provider id)."""

    model = Message

    async def get_by_provider_id(self, provider_id: str) -> Message | None:
        return await self.one_or_none(self.select().where(Message.provider_id == provider_id).with_for_update())

    async def taken_provider_ids(self, provider_ids: Sequence[str], but: Message) -> set[str]:
        """Which of these provider ids are already recorded on a message other than `but`."""
        if not provider_ids:
            return set()
        statement = select(Message.provider_id).where(Message.provider_id.in_(provider_ids), Message.id != but.id)
        return {str(value) for value in await self.all(statement)}

    async def take_stalled(self, statuses: Sequence[MessageStatus], before: datetime, limit: int) -> Sequence[Message]:
        """Messages in `statuses` untouched since `before`, locked; rows another sweeper holds are skipped."""
        statement = (
            self.select()
            .where(Message.status.in_(statuses), Message.updated_at < before)
            .order_by(Message.updated_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return await self.all(statement)


class MessageEventRepository(Repository[MessageEvent]):
    model = MessageEvent

    async def record_once(self, message: Message, event_key: str, event_type: str, payload: dict[str, object]) -> bool:
        """Store the event; False when this exact event was already applied (a replay)."""
        result = await self.session.execute(
            insert(MessageEvent)
            .values(
                tenant_id=message.tenant_id,
                message_id=message.id,
                event_key=event_key,
                event_type=event_type,
                payload=payload,
            )
            .on_conflict_do_nothing(constraint="uq_message_events_event_key")
            .returning(MessageEvent.id)
        )
        return result.first() is not None


class TtsRepository(TenantScopedRepository[TtsAudio]):
    model = TtsAudio

    async def get_by_cache_key(self, cache_key: str) -> TtsAudio | None:
        return await self.one_or_none(self.select().where(TtsAudio.cache_key == cache_key))


class TtsLookup(Repository[TtsAudio]):
    """Speech rows by id, for the generation job."""

    model = TtsAudio
