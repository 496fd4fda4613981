from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, EmailStr, Field, HttpUrl, model_validator

from fibonacco.messages.models import Channel, MessageStatus, TtsStatus

E164 = r"^\+[1-9]\d{6,14}$"


class Message(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    channel: Channel
    status: MessageStatus
    to_address: str
    from_address: str | None
    reply_to: str | None
    subject: str | None
    body_text: str | None
    body_html: str | None
    script: str | None
    provider: str | None
    provider_id: str | None
    error: str | None
    attempts: int
    sent_at: datetime | None
    delivered_at: datetime | None
    failed_at: datetime | None
    customer_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime


class _ToCustomer(BaseModel):
    customer_id: uuid.UUID | None = Field(
        default=None, description="the CRM customer it is sent to: its progress goes on that customer's timeline"
    )


class EmailCreate(_ToCustomer):
    channel: Literal["email"]
    to: EmailStr
    subject: str = Field(min_length=1, max_length=998)
    body_text: str | None = Field(default=None, max_length=200_000)
    body_html: str | None = Field(default=None, max_length=500_000)
    reply_to: EmailStr | None = None
    unsubscribe_url: HttpUrl | None = None

    @model_validator(mode="after")
    def _needs_a_body(self) -> Self:
        if not (self.body_text or self.body_html):
            raise ValueError("an email needs body_text or body_html")
        return self


class SmsCreate(_ToCustomer):
    channel: Literal["sms"]
    to: str = Field(pattern=E164, description="E.164 phone number, e.g. +15551234567")
    body_text: str = Field(min_length=1, max_length=1600)


class CallCreate(_ToCustomer):
    channel: Literal["call"]
    to: str = Field(pattern=E164, description="E.164 phone number, e.g. +15551234567")
    script: str = Field(min_length=1, max_length=4000, description="what the call says; blank lines pause")


# One message to send; `channel` says which of the shapes above applies.
MessageCreate = Annotated[EmailCreate | SmsCreate | CallCreate, Field(discriminator="channel")]


class MessageFilters(BaseModel):
    """The list's filters (query parameters: `Annotated[MessageFilters, Query()]`)."""

    channel: Channel | None = None
    status: MessageStatus | None = None
    to: str | None = None


class TtsAudio(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    status: TtsStatus
    text: str
    voice: str
    provider: str
    content_type: str | None
    size_bytes: int | None
    error: str | None
    audio_url: str | None = None
    created_at: datetime


class TtsCreate(BaseModel):
    text: str = Field(min_length=1, max_length=5000)
    voice: str | None = Field(default=None, max_length=100, pattern=r"^[A-Za-z0-9_+\-]+$")
