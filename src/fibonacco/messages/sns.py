"""Amazon SNS message signature verification (SES bounce, complaint and delivery events arrive through SNS).

The signing certificate is fetched only from an SNS host over HTTPS and cached; the fetcher is injectable so
tests can serve their own certificate without any network.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlparse

import httpx
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

_SNS_HOST = re.compile(r"^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$")
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


def is_sns_url(url: str) -> bool:
    parsed = urlparse(url)
    return parsed.scheme == "https" and bool(_SNS_HOST.match(parsed.hostname or ""))


async def fetch_over_https(url: str) -> bytes:
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.get(url)
        response.raise_for_status()
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
        self._certificates: dict[str, rsa.RSAPublicKey] = {}

    async def _public_key(self, url: str) -> rsa.RSAPublicKey:
        if not is_sns_url(url) or not url.endswith(".pem"):
            raise InvalidSnsMessage("signing certificate is not on an SNS host")
        if url not in self._certificates:
            key = x509.load_pem_x509_certificate(await self.fetch(url)).public_key()
            if not isinstance(key, rsa.RSAPublicKey):
                raise InvalidSnsMessage("unexpected signing key type")
            self._certificates[url] = key
        return self._certificates[url]

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
