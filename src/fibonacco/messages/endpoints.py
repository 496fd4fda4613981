from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Body, Depends, Query, Request, status
from fastapi.responses import Response
from twilio.request_validator import RequestValidator

from fibonacco.clients import PROVIDERS, SNS_VERIFIER
from fibonacco.kit.dependencies import DomainRouter, SessionDep, SettingsDep, client
from fibonacco.kit.errors import (
    Forbidden,
    NotFound,
    ServiceUnavailable,
    Unauthenticated,
    ValidationFailed,
    error_responses,
)
from fibonacco.kit.responses import Envelope, PageDep, PaginatedEnvelope, ok, paginated
from fibonacco.messages import service
from fibonacco.messages.auth import MessagesRead, MessagesWrite, SpeechRead, SpeechWrite
from fibonacco.messages.models import TtsAudio as TtsAudioRow
from fibonacco.messages.providers import CALL_STATUS_PATH, SMS_STATUS_PATH, Providers
from fibonacco.messages.schemas import Message, MessageCreate, MessageFilters, TtsAudio, TtsCreate
from fibonacco.messages.sns import SnsVerifier

router = DomainRouter(prefix="/api/v1", tags=["messages"])
callbacks = DomainRouter(tags=["provider callbacks"])

ProvidersDep = Annotated[Providers, client(PROVIDERS)]
SnsVerifierDep = Annotated[SnsVerifier, client(SNS_VERIFIER)]

_ERRORS = error_responses(Unauthenticated, Forbidden, NotFound, ValidationFailed)


@router.post("/messages", response_model=Envelope[Message], status_code=status.HTTP_202_ACCEPTED, responses=_ERRORS)
async def send_message(
    body: Annotated[MessageCreate, Body()], auth: MessagesWrite, session: SessionDep, settings: SettingsDep
) -> Envelope[Message]:
    """Queue an email, SMS or call. It is sent by a worker; follow its status here or in the list."""
    message = await service.queue_message(session, auth.tenant_id, body, settings, created_by=auth.user.id)
    return ok(Message.model_validate(message), "Message queued.")


@router.get("/messages", response_model=PaginatedEnvelope[Message], responses=_ERRORS)
async def list_messages(
    auth: MessagesRead,
    session: SessionDep,
    page: PageDep,
    filters: Annotated[MessageFilters, Query()],
) -> PaginatedEnvelope[Message]:
    """Every message sent (or, with the offline drivers, put in the outbox), newest first."""
    rows, total = await service.list_messages(session, auth.tenant_id, filters, page)
    return paginated([Message.model_validate(row) for row in rows], total, page)


@router.get("/messages/{message_id}", response_model=Envelope[Message], responses=_ERRORS)
async def get_message(message_id: uuid.UUID, auth: MessagesRead, session: SessionDep) -> Envelope[Message]:
    return ok(Message.model_validate(await service.get_message(session, auth.tenant_id, message_id)))


async def _speech_out(providers: Providers, audio: TtsAudioRow) -> TtsAudio:
    out = TtsAudio.model_validate(audio)
    out.audio_url = await service.audio_url(providers, audio)
    return out


@router.post("/tts", response_model=Envelope[TtsAudio], status_code=status.HTTP_202_ACCEPTED, responses=_ERRORS)
async def create_speech(
    body: TtsCreate, auth: SpeechWrite, session: SessionDep, providers: ProvidersDep
) -> Envelope[TtsAudio]:
    """Generate speech audio; an identical earlier request answers with the same audio."""
    audio = await service.request_speech(session, auth.tenant_id, body.text, body.voice, providers)
    return ok(await _speech_out(providers, audio))


@router.get("/tts/{audio_id}", response_model=Envelope[TtsAudio], responses=_ERRORS)
async def get_speech(
    audio_id: uuid.UUID, auth: SpeechRead, session: SessionDep, providers: ProvidersDep
) -> Envelope[TtsAudio]:
    return ok(await _speech_out(providers, await service.get_speech(session, auth.tenant_id, audio_id)))


# --- provider callbacks: verified before anything is read or written ---


async def _verified_twilio_params(request: Request, settings: SettingsDep) -> dict[str, str]:
    form = await request.form()
    params = {key: str(value) for key, value in form.items()}
    token = settings.TWILIO_AUTH_TOKEN.get_secret_value() if settings.TWILIO_AUTH_TOKEN else ""
    # Twilio signs the public URL it called, which is ours (APP_URL), not what the load balancer forwarded.
    url = settings.APP_URL.rstrip("/") + request.url.path + (f"?{request.url.query}" if request.url.query else "")
    signature = request.headers.get("X-Twilio-Signature", "")
    if not token or not signature or not RequestValidator(token).validate(url, params, signature):
        raise Forbidden("Invalid Twilio signature.")
    return params


TwilioParams = Annotated[dict[str, str], Depends(_verified_twilio_params)]
# Our message id, which the status callback URL carries (part of what Twilio signs).
CallbackMessageId = Annotated[uuid.UUID | None, Query(alias="message_id")]
_CALLBACK_ERRORS = error_responses(Forbidden)


# A Twilio status callback, of an SMS or of a call: the same parameters, the same handling.
async def twilio_status(params: TwilioParams, session: SessionDep, message_id: CallbackMessageId = None) -> Response:
    await service.apply_twilio_status(session, params, message_id)
    return Response(status_code=204)


# One handler at both addresses; each route keeps its own name (and so its operation id).
for _path, _name in ((SMS_STATUS_PATH, "sms_status"), (CALL_STATUS_PATH, "call_status")):
    callbacks.post(_path, status_code=204, responses=_CALLBACK_ERRORS, name=_name)(twilio_status)


@callbacks.post(
    "/api/v1/webhooks/ses", status_code=204, responses=error_responses(Forbidden, ValidationFailed, ServiceUnavailable)
)
async def ses_events(request: Request, session: SessionDep, verifier: SnsVerifierDep) -> Response:
    """Amazon SNS endpoint for the SES configuration set's bounce, complaint and delivery events."""
    await service.receive_sns_message(session, verifier, await request.body())
    return Response(status_code=204)
