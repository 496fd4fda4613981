from __future__ import annotations

import json
from typing import Any

import pytest

from fibonacco.config import Settings, load_settings
from fibonacco.integrations.email import EmailMessage, OutboxEmailSender, SesEmailSender
from fibonacco.integrations.errors import PermanentProviderError
from fibonacco.integrations.registry import get_email_sender
from tests.fakes.aws import MotoServer
from tests.fakes.fixtures import FAKE_SENDER


@pytest.fixture
def ses_settings(aws_overrides: dict[str, Any]) -> Settings:
    return load_settings(
        APP_ENV="testing",
        MAIL_MAILER="ses",
        MAIL_FROM_NAME="Fibonacco Team",
        SES_CONFIGURATION_SET="events",
        **aws_overrides,
    )


def wire_requests(sender: SesEmailSender) -> list[dict[str, Any]]:
    """Record each SendEmail request body as it leaves boto3 (moto keeps only part of a message)."""
    sent: list[dict[str, Any]] = []
    sender.client.meta.events.register(
        "before-send.sesv2.SendEmail", lambda request, **_: sent.append(json.loads(request.body))
    )
    return sent


async def test_ses_sends_html_text_reply_to_unsubscribe_and_configuration_set(
    ses_settings: Settings, moto_server: MotoServer
) -> None:
    sender = get_email_sender(ses_settings)
    assert isinstance(sender, SesEmailSender)
    wire = wire_requests(sender)

    result = await sender.send(
        EmailMessage(
            to="customer@example.com",
            subject="Your guide",
            html="<p>Hello <b>there</b></p>",
            text="Hello there",
            reply_to="sales@fibonacco.test",
            unsubscribe_url="https://app.fibonacco.test/unsubscribe/abc",
            tags={"message_id": "0b9d-1"},
        )
    )

    [accepted] = moto_server.sent_emails()
    assert result.provider == "ses" and result.provider_id == accepted.id
    assert accepted.destinations == {"ToAddresses": ["customer@example.com"]}
    assert accepted.subject == "Your guide" and accepted.body == "<p>Hello <b>there</b></p>"
    [request] = wire
    assert request["FromEmailAddress"] == f"Fibonacco Team <{FAKE_SENDER}>"
    assert request["ReplyToAddresses"] == ["sales@fibonacco.test"]
    assert request["ConfigurationSetName"] == "events"
    assert request["EmailTags"] == [{"Name": "message_id", "Value": "0b9d-1"}]
    simple = request["Content"]["Simple"]
    assert simple["Body"]["Text"]["Data"] == "Hello there"
    assert {"Name": "List-Unsubscribe", "Value": "<https://app.fibonacco.test/unsubscribe/abc>"} in simple["Headers"]
    assert {"Name": "List-Unsubscribe-Post", "Value": "List-Unsubscribe=One-Click"} in simple["Headers"]


async def test_unverified_sender_is_a_permanent_error(ses_settings: Settings, moto_server: MotoServer) -> None:
    sender = get_email_sender(ses_settings)
    message = EmailMessage(to="customer@example.com", subject="Hi", text="Hi", from_address="nobody@unverified.test")
    with pytest.raises(PermanentProviderError) as caught:
        await sender.send(message)
    assert caught.value.code == "MessageRejected" and "not verified" in caught.value.message
    assert moto_server.sent_emails() == []


async def test_outbox_sends_nothing_and_returns_a_synthetic_id() -> None:
    sender = get_email_sender(load_settings(APP_ENV="testing"))
    assert isinstance(sender, OutboxEmailSender)
    first = await sender.send(EmailMessage(to="a@example.com", subject="s", text="t"))
    second = await sender.send(EmailMessage(to="a@example.com", subject="s", text="t"))
    assert first.provider == "outbox" and first.provider_id.startswith("outbox-")
    assert first.provider_id != second.provider_id


@pytest.mark.parametrize(
    "fields",
    [
        {"to": "a@example.com", "subject": "no body"},
        {"to": "a@example.com", "subject": "Hi\r\nBcc: victim@example.com", "text": "x"},
        {"to": "a@example.com", "subject": "s", "text": "x", "unsubscribe_url": "https://x\nX-Evil: 1"},
    ],
)
def test_invalid_messages_are_refused_before_sending(fields: dict[str, str]) -> None:
    with pytest.raises(ValueError):
        EmailMessage(**fields)  # type: ignore[arg-type]
