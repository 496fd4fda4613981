"""The clients a process may build (`kit.clients`): the API's in `create_app`, a worker's in
`worker.resources.job_clients`."""

from __future__ import annotations

from fibonacco.config import Settings
from fibonacco.integrations.embeddings import Embedder
from fibonacco.integrations.registry import get_embedder
from fibonacco.kit.clients import ClientKey, Clients
from fibonacco.messages.providers import Providers
from fibonacco.messages.sns import SnsVerifier

EMBEDDER = ClientKey[Embedder]("embedder")
PROVIDERS = ClientKey[Providers]("providers")
SNS_VERIFIER = ClientKey[SnsVerifier]("sns_verifier")


def _sns_verifier(settings: Settings) -> SnsVerifier:
    return SnsVerifier(allowed_topics=frozenset(settings.SES_EVENTS_TOPIC_ARNS))


def process_clients(settings: Settings) -> Clients:
    return Clients(settings, {EMBEDDER: get_embedder, PROVIDERS: Providers, SNS_VERIFIER: _sns_verifier})
