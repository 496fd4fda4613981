"""Amazon SNS message signature verification (SES bounce, complaint and delivery events arrive through SNS).

The signing certificate is fetched only from an SNS host over HTTPS, with a short timeout and no retry, and cached
(as is a certificate SNS does not have, for a while); the fetcher is injectable so tests serve their own
certificate without any network. A forged message whose certificate cannot be had is refused (403); SNS itself
unreachable is a 503, which SNS retries with its own backoff.
"""

from __future__ import annotations

import base64
import re
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlparse

import httpx
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from fibonacco.kit.errors import Forbidden, ServiceUnavailable

_SNS_HOST = re.compile(r"^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$")
_CERTIFICATE_PATH = re.compile(r"^/SimpleNotificationService-[A-Za-z0-9]+\.pem$")
# SNS answers in milliseconds; a slow fetch must not hold a request (or let forged messages pile up).
FETCH_TIMEOUT_SECONDS = 3.0
# Certificates kept (SNS rotates them rarely), and how long a certificate SNS does not have stays refused.
CERTIFICATE_CACHE_SIZE = 64
MISSING_CERTIFICATE_TTL_SECONDS = 300.0
# The fields each message type signs, in the order they are signed.
_SUBSCRIPTION_FIELDS = ("Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type")
_SIGNED_FIELDS = {
    "Notification": ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"),
    "SubscriptionConfirmation": _SUBSCRIPTION_FIELDS,
    "UnsubscribeConfirmation": _SUBSCRIPTION_FIELDS,
}
# Older messages are refused, so a captured message cannot be replayed later (SNS retries well within this).
MAX_MESSAGE_AGE = timedelta(hours=1)

Fetcher = Callable[[str], Awaitable[bytes]]


class InvalidSnsMessage(ValueError):
    pass


class SnsUnreachable(ServiceUnavailable):
    """Amazon SNS could not be reached (or failed) while verifying a message: SNS retries later."""

    def __init__(self, message: str = "Amazon SNS is unreachable; try again later.") -> None:
        super().__init__(message)


class SnsRefused(Forbidden):
    """SNS has no such certificate or subscription: the message did not come from SNS."""

    def __init__(self, message: str = "Invalid SNS message: SNS does not know the URL it names.") -> None:
        super().__init__(message)


def is_sns_url(url: str) -> bool:
    parsed = urlparse(url)
    return parsed.scheme == "https" and bool(_SNS_HOST.match(parsed.hostname or ""))


async def fetch_over_https(url: str, *, transport: httpx.AsyncBaseTransport | None = None) -> bytes:
    """GET an SNS URL once: `SnsRefused` for a 4xx, `SnsUnreachable` for a network failure, timeout or 5xx."""
    try:
        async with httpx.AsyncClient(timeout=FETCH_TIMEOUT_SECONDS, transport=transport) as client:
            response = await client.get(url)
    except httpx.HTTPError as exc:
        raise SnsUnreachable() from exc
    if response.status_code >= 500:
        raise SnsUnreachable()
    if response.status_code >= 400:
        raise SnsRefused()
    return response.content


def string_to_sign(message: Mapping[str, Any]) -> bytes:
    fields = _SIGNED_FIELDS.get(str(message.get("Type")))
    if fields is None:
        raise InvalidSnsMessage("unknown SNS message type")
    parts = []
    for name in fields:
        if name in message and message[name] is not None:
            parts.append(f"{name}\n{message[name]}\n")
        elif name != "Subject":
            raise InvalidSnsMessage(f"SNS message lacks {name}")
    return "".join(parts).encode()


class SnsVerifier:
    def __init__(self, fetch: Fetcher = fetch_over_https, allowed_topics: frozenset[str] = frozenset()) -> None:
        self.fetch = fetch
        self.allowed_topics = allowed_topics
        self._certificates: OrderedDict[str, rsa.RSAPublicKey] = OrderedDict()
        self._missing: OrderedDict[str, float] = OrderedDict()  # URL -> when it may be asked for again

    async def _public_key(self, url: str) -> rsa.RSAPublicKey:
        if not is_sns_url(url) or not _CERTIFICATE_PATH.match(urlparse(url).path) or urlparse(url).query:
            raise InvalidSnsMessage("signing certificate is not on an SNS host")
        if url in self._certificates:
            self._certificates.move_to_end(url)
            return self._certificates[url]
        if self._missing.get(url, 0.0) > time.monotonic():
            raise InvalidSnsMessage("SNS has no such signing certificate")
        try:
            key = x509.load_pem_x509_certificate(await self.fetch(url)).public_key()
        except (SnsRefused, ValueError) as exc:
            _remember(self._missing, url, time.monotonic() + MISSING_CERTIFICATE_TTL_SECONDS)
            raise InvalidSnsMessage("SNS has no such signing certificate") from exc
        if not isinstance(key, rsa.RSAPublicKey):
            raise InvalidSnsMessage("unexpected signing key type")
        _remember(self._certificates, url, key)
        return key

    async def verify(self, message: Mapping[str, Any], now: datetime | None = None) -> None:
        if self.allowed_topics and message.get("TopicArn") not in self.allowed_topics:
            raise InvalidSnsMessage("message from an unexpected topic")
        algorithm: hashes.HashAlgorithm
        match str(message.get("SignatureVersion")):
            case "1":
                algorithm = hashes.SHA1()  # noqa: S303 - SNS signature version 1 is defined with SHA1
            case "2":
                algorithm = hashes.SHA256()
            case _:
                raise InvalidSnsMessage("unsupported signature version")
        try:
            signature = base64.b64decode(str(message.get("Signature", "")), validate=True)
            sent_at = datetime.fromisoformat(str(message.get("Timestamp")).replace("Z", "+00:00"))
        except ValueError as exc:
            raise InvalidSnsMessage("malformed signature or timestamp") from exc
        if (now or datetime.now(UTC)) - sent_at > MAX_MESSAGE_AGE:
            raise InvalidSnsMessage("message is too old")
        key = await self._public_key(str(message.get("SigningCertURL", "")))
        try:
            key.verify(signature, string_to_sign(message), padding.PKCS1v15(), algorithm)
        except InvalidSignature as exc:
            raise InvalidSnsMessage("bad signature") from exc


def _remember(cache: OrderedDict[str, Any], url: str, value: Any) -> None:
    cache[url] = value
    cache.move_to_end(url)
    while len(cache) > CERTIFICATE_CACHE_SIZE:
        cache.popitem(last=False)
