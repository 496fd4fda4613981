"""Finding 5: a forged SNS message whose certificate cannot be fetched is refused (4xx), or 503 while SNS itself
is unreachable; one fetch per certificate, with a short timeout, whatever arrives."""

from __future__ import annotations

import json
from functools import partial
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from fibonacco.clients import SNS_VERIFIER
from fibonacco.messages.sns import FETCH_TIMEOUT_SECONDS, SnsVerifier, fetch_over_https
from tests.messages.test_callbacks import SES_EVENTS, TOPIC, SnsSigner

FORGED_CERT = "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0000forged.pem"


class Sns:
    """What the certificate fetch meets on the wire: each request is recorded, then answered by `answer`."""

    def __init__(self, answer: Any) -> None:
        self.requests: list[httpx.Request] = []
        self.answer = answer

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.answer(request)  # type: ignore[no-any-return]


async def post_forged(app: FastAPI, client: httpx.AsyncClient, sns: Sns) -> httpx.Response:
    transport = httpx.MockTransport(sns.handle)
    app.state.clients.replace(
        SNS_VERIFIER,
        SnsVerifier(fetch=partial(fetch_over_https, transport=transport), allowed_topics=frozenset({TOPIC})),
    )
    forged = SnsSigner().notification({"eventType": "Bounce"}, SigningCertURL=FORGED_CERT)
    return await client.post(SES_EVENTS, content=json.dumps(forged), headers={"Content-Type": "text/plain"})


def _timeout(request: httpx.Request) -> httpx.Response:
    assert request.extensions["timeout"]["read"] == FETCH_TIMEOUT_SECONDS
    raise httpx.ReadTimeout("timed out", request=request)


def _unreachable(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("no route to host", request=request)


class TestForgedCertificates:
    @pytest.mark.parametrize(
        "answer",
        [lambda _: httpx.Response(404), lambda _: httpx.Response(403), lambda _: httpx.Response(200, text="no pem")],
        ids=["missing", "forbidden", "not-a-certificate"],
    )
    async def test_a_certificate_sns_does_not_have_is_refused_and_remembered(
        self, app: FastAPI, client: httpx.AsyncClient, answer: Any
    ) -> None:
        sns = Sns(answer)
        first = await post_forged(app, client, sns)
        assert first.status_code == 403, first.text
        assert first.json()["error"]["code"] == "forbidden"
        verifier = app.state.clients.get(SNS_VERIFIER)
        forged = SnsSigner().notification({"eventType": "Bounce"}, SigningCertURL=FORGED_CERT)
        again = await client.post(SES_EVENTS, content=json.dumps(forged), headers={"Content-Type": "text/plain"})
        assert again.status_code == 403 and app.state.clients.get(SNS_VERIFIER) is verifier
        assert len(sns.requests) == 1  # the second forgery costs no fetch

    @pytest.mark.parametrize("answer", [_timeout, _unreachable, lambda _: httpx.Response(503)])
    async def test_sns_unreachable_is_a_503(self, app: FastAPI, client: httpx.AsyncClient, answer: Any) -> None:
        sns = Sns(answer)
        response = await post_forged(app, client, sns)
        assert response.status_code == 503, response.text
        assert response.json()["error"]["code"] == "service_unavailable"
        assert len(sns.requests) == 1  # no retries of our own

    async def test_only_sns_certificate_paths_are_fetched(self, app: FastAPI, client: httpx.AsyncClient) -> None:
        sns = Sns(lambda _: httpx.Response(404))
        verifier = SnsVerifier(
            fetch=partial(fetch_over_https, transport=httpx.MockTransport(sns.handle)),
            allowed_topics=frozenset({TOPIC}),
        )
        app.state.clients.replace(SNS_VERIFIER, verifier)
        for url in (
            "https://sns.us-east-1.amazonaws.com/some/other.pem",
            "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-1.pem?x=1",
            "https://evil.example.com/SimpleNotificationService-1.pem",
        ):
            forged = SnsSigner().notification({"eventType": "Bounce"}, SigningCertURL=url)
            response = await client.post(SES_EVENTS, content=json.dumps(forged), headers={"Content-Type": "text/plain"})
            assert response.status_code == 403
        assert sns.requests == []
