"""Twilio REST client built from settings, with the API host overridable for a local fake."""

from __future__ import annotations

from typing import Any

from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

TWILIO_API = "https://api.twilio.com"
# Without a timeout a hung connection would block a worker thread forever.
DEFAULT_TIMEOUT = 15.0


class BaseUrlHttpClient(TwilioHttpClient):  # type: ignore[misc]
    """Sends what the SDK addresses to api.twilio.com to another base URL (a fake server in tests).

    The SDK builds absolute URLs internally and has no base-URL option, so the rewrite happens here.
    """

    def __init__(self, base_url: str, timeout: float = DEFAULT_TIMEOUT) -> None:
        super().__init__(timeout=timeout)
        self.base_url = base_url.rstrip("/")

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Response:
        if url.startswith(TWILIO_API):
            url = self.base_url + url[len(TWILIO_API) :]
        return super().request(method, url, *args, **kwargs)


def twilio_client(
    account_sid: str, auth_token: str, *, base_url: str | None = None, timeout: float = DEFAULT_TIMEOUT
) -> Client:
    http_client = BaseUrlHttpClient(base_url, timeout) if base_url else TwilioHttpClient(timeout=timeout)
    # `environment={}` stops the SDK from reading TWILIO_* from os.environ behind our settings' back.
    return Client(account_sid, auth_token, http_client=http_client, environment={})
