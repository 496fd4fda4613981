from __future__ import annotations

import httpx
import pytest
import requests
from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError, ReadTimeoutError
from twilio.base.exceptions import TwilioRestException

from fibonacco.integrations.errors import (
    OutcomeUnknownError,
    PermanentProviderError,
    ProviderError,
    TransientProviderError,
    classify_exception,
    provider_call,
    redact,
)


def aws_error(code: str, status: int, message: str = "nope") -> ClientError:
    response = {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}}
    return ClientError(response, "SendEmail")


@pytest.mark.parametrize(
    "exc, expected",
    [
        (aws_error("Throttling", 400, "Maximum sending rate exceeded."), TransientProviderError),
        (aws_error("TooManyRequestsException", 429), TransientProviderError),
        (aws_error("InternalFailure", 500), OutcomeUnknownError),  # it may have been sent before it failed
        (aws_error("ServiceUnavailable", 503), TransientProviderError),
        (aws_error("MessageRejected", 400, "Email address is not verified."), PermanentProviderError),
        (aws_error("AccountSuspendedException", 400), PermanentProviderError),
        (
            EndpointConnectionError(endpoint_url="https://email.us-east-1.amazonaws.com"),
            TransientProviderError,
        ),
        (ReadTimeoutError(endpoint_url="https://email"), OutcomeUnknownError),
        (NoCredentialsError(), PermanentProviderError),
        (TwilioRestException(400, "/Messages.json", "invalid To", code=21211), PermanentProviderError),
        (TwilioRestException(429, "/Messages.json", "Too Many Requests", code=20429), TransientProviderError),
        (TwilioRestException(400, "/Messages.json", "queue overflow", code=30001), TransientProviderError),
        (TwilioRestException(503, "/Messages.json", "Service unavailable", code=20503), TransientProviderError),
        (TwilioRestException(500, "/Messages.json", "Internal error", code=20500), OutcomeUnknownError),
        (requests.exceptions.ConnectTimeout(), TransientProviderError),  # never connected: nothing was sent
        (requests.exceptions.ConnectionError(ConnectionRefusedError(111, "refused")), TransientProviderError),
        (requests.exceptions.ReadTimeout(), OutcomeUnknownError),  # the request went out, the answer did not come
        (requests.exceptions.ConnectionError(ConnectionResetError(104, "reset")), OutcomeUnknownError),
        (httpx.ConnectError("refused"), TransientProviderError),
        (httpx.ReadTimeout("slow"), OutcomeUnknownError),
        (TimeoutError(), OutcomeUnknownError),
    ],
)
def test_sdk_exceptions_are_classified(exc: Exception, expected: type[ProviderError]) -> None:
    classified = classify_exception(exc, "test")
    assert type(classified) is expected and classified.provider == "test"
    assert classified.retryable is (expected is not PermanentProviderError)


def test_provider_call_chains_the_original_and_lets_bugs_through() -> None:
    with pytest.raises(PermanentProviderError) as caught, provider_call("ses"):
        raise aws_error("MessageRejected", 400)
    assert isinstance(caught.value.__cause__, ClientError) and caught.value.code == "MessageRejected"

    with pytest.raises(KeyError), provider_call("ses"):
        raise KeyError("a bug, not a provider failure")


def test_messages_never_carry_credentials() -> None:
    text = redact("Incorrect API key provided: sk-proj-abcdef1234567890. Authorization: Bearer abc.def api_key=xyz123")
    assert "abcdef1234567890" not in text and "abc.def" not in text and "xyz123" not in text
    assert len(redact("x" * 2000)) == 500


def test_classified_errors_survive_pickling() -> None:
    import pickle

    error = TransientProviderError("slow down", provider="twilio", status=429, code="20429", retry_after=2.0)
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is TransientProviderError and str(copy) == str(error) and copy.retry_after == 2.0
