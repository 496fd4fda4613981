from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from fibonacco.kit.db import ProcessingStatus, TenantOwnedModel, string_enum


class Channel(StrEnum):
    email = "email"
    sms = "sms"
    call = "call"


class MessageStatus(StrEnum):
    queued = "queued"
    sending = "sending"  # claimed by a job; the provider may or may not have it yet
    # The attempt ended without an answer (timeout, reset, 5xx): the provider may have it. Reconciled with the
    # provider before anything else happens: recorded sent if it has it, sent again only if it does not.
    unknown = "unknown"
    sent = "sent"  # accepted by the provider
    ringing = "ringing"
    in_progress = "in_progress"
    delivered = "delivered"  # delivered (email/SMS) or call completed
    failed = "failed"
    bounced = "bounced"
    complained = "complained"
    undelivered = "undelivered"
    no_answer = "no_answer"
    busy = "busy"
    suppressed = "suppressed"  # not sent: the address bounced or complained before

    @property
    def is_final(self) -> bool:
        return self in _FINAL


_FINAL = {
    MessageStatus.delivered,
    MessageStatus.failed,
    MessageStatus.bounced,
    MessageStatus.complained,
    MessageStatus.undelivered,
    MessageStatus.no_answer,
    MessageStatus.busy,
    MessageStatus.suppressed,
}


class Message(TenantOwnedModel):
    __tablename__ = "messages"

    channel: Mapped[Channel] = mapped_column(string_enum(Channel, 10), index=True)
    status: Mapped[MessageStatus] = mapped_column(string_enum(MessageStatus), default=MessageStatus.queued, index=True)
    to_address: Mapped[str] = mapped_column(String(320), index=True)
    from_address: Mapped[str | None] = mapped_column(String(320), default=None)
    reply_to: Mapped[str | None] = mapped_column(String(320), default=None)
    subject: Mapped[str | None] = mapped_column(String(998), default=None)
    body_text: Mapped[str | None] = mapped_column(Text, default=None)
    body_html: Mapped[str | None] = mapped_column(Text, default=None)
    # What a call says (TwiML is built from it at send time).
    script: Mapped[str | None] = mapped_column(Text, default=None)
    unsubscribe_url: Mapped[str | None] = mapped_column(String(2048), default=None)
    provider: Mapped[str | None] = mapped_column(String(20), default=None)
    provider_id: Mapped[str | None] = mapped_column(String(255), default=None, index=True)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # When the latest attempt claimed the message: where a reconciliation starts looking at the provider.
    attempted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    failed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    # The `metadata` column, under the attribute name every domain uses (`kit.schemas.METADATA_ATTRIBUTE`).
    extra: Mapped[dict[str, Any]] = mapped_column("metadata", JSONB, default=dict)
    # The CRM customer it was sent to, if any: its status changes go on that customer's timeline.
    customer_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), default=None, index=True
    )


class MessageEvent(TenantOwnedModel):
    """A provider callback applied to a message; the unique event key makes replays no-ops."""

    __tablename__ = "message_events"
    __table_args__ = (UniqueConstraint("event_key", name="uq_message_events_event_key"),)

    message_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), index=True)
    event_key: Mapped[str] = mapped_column(String(255))
    event_type: Mapped[str] = mapped_column(String(50))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)


class SuppressedAddress(TenantOwnedModel):
    """An address that bounced or complained: the platform never sends to it again."""

    __tablename__ = "suppressed_addresses"
    __table_args__ = (UniqueConstraint("tenant_id", "channel", "address", name="uq_suppressed_addresses_address"),)

    channel: Mapped[Channel] = mapped_column(string_enum(Channel, 10))
    address: Mapped[str] = mapped_column(String(320))
    reason: Mapped[str] = mapped_column(String(50))
    message_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"), default=None)


TtsStatus = ProcessingStatus  # where a speech file's generation stands


class TtsAudio(TenantOwnedModel):
    """Generated speech; identical (text, voice, provider) requests reuse one row and one stored file."""

    __tablename__ = "tts_audio"
    __table_args__ = (UniqueConstraint("tenant_id", "cache_key", name="uq_tts_audio_cache_key"),)

    text: Mapped[str] = mapped_column(Text)
    voice: Mapped[str] = mapped_column(String(100))
    provider: Mapped[str] = mapped_column(String(20))
    cache_key: Mapped[str] = mapped_column(String(64))
    status: Mapped[TtsStatus] = mapped_column(string_enum(TtsStatus), default=TtsStatus.pending)
    storage_key: Mapped[str | None] = mapped_column(String(512), default=None)
    content_type: Mapped[str | None] = mapped_column(String(50), default=None)
    size_bytes: Mapped[int | None] = mapped_column(Integer, default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)
