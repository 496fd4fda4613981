"""LLM chat and streaming: OpenAI and OpenRouter through the `openai` SDK, and an offline local provider."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from fibonacco.integrations._text import content_words, sentences
from fibonacco.integrations.errors import provider_call

if TYPE_CHECKING:  # the SDK takes a while to import; only the registry needs it at run time
    from openai import AsyncOpenAI

Role = Literal["system", "user", "assistant"]

DEFAULT_MODELS = {"openai": "gpt-4o-mini", "openrouter": "openai/gpt-4o-mini", "local": "local-extractive"}
LOCAL_LABEL = (
    "[Offline local assistant: no language model is configured, so this answer is quoted from the knowledge base.]"
)


@dataclass(frozen=True, slots=True)
class ChatMessage:
    role: Role
    content: str


@dataclass(frozen=True, slots=True)
class ChatResult:
    content: str
    model: str
    provider: str
    prompt_tokens: int | None = None
    completion_tokens: int | None = None


@dataclass(frozen=True, slots=True)
class ChatRequest:
    messages: Sequence[ChatMessage]
    context: Sequence[str] = ()  # retrieved knowledge snippets the answer should draw on
    model: str | None = None  # overrides the provider's default (e.g. a personality's model)
    temperature: float | None = None
    max_tokens: int | None = None


class LLM(ABC):
    """Chat completion, whole or streamed. Implementations provide `complete` and `stream_request`."""

    name: str
    model: str

    async def chat(
        self,
        messages: Sequence[ChatMessage],
        *,
        context: Sequence[str] = (),
        model: str | None = None,
        temperature: float | None = None,
        max_tokens: int | None = None,
    ) -> ChatResult:
        return await self.complete(ChatRequest(messages, context, model, temperature, max_tokens))

    def stream(
        self,
        messages: Sequence[ChatMessage],
        *,
        context: Sequence[str] = (),
        model: str | None = None,
        temperature: float | None = None,
        max_tokens: int | None = None,
    ) -> AsyncIterator[str]:
        """Yield the answer's text as it arrives."""
        return self.stream_request(ChatRequest(messages, context, model, temperature, max_tokens))

    @abstractmethod
    async def complete(self, request: ChatRequest) -> ChatResult: ...

    @abstractmethod
    def stream_request(self, request: ChatRequest) -> AsyncIterator[str]: ...


def with_context(messages: Sequence[ChatMessage], context: Sequence[str]) -> list[ChatMessage]:
    """Messages with the knowledge snippets added as a system message after the persona's own."""
    if not context:
        return list(messages)
    knowledge = "\n\n".join(f"[{i}] {snippet.strip()}" for i, snippet in enumerate(context, 1))
    note = ChatMessage("system", f"Answer using this knowledge where relevant:\n\n{knowledge}")
    leading = 0
    while leading < len(messages) and messages[leading].role == "system":
        leading += 1
    return [*messages[:leading], note, *messages[leading:]]


class OpenAICompatibleLLM(LLM):
    """OpenAI, or any API speaking it (OpenRouter), selected by the client's base URL."""

    def __init__(self, client: AsyncOpenAI, *, name: str, model: str) -> None:
        self.client = client
        self.name = name
        self.model = model

    def _params(self, request: ChatRequest) -> dict[str, Any]:
        params: dict[str, Any] = {
            "model": request.model or self.model,
            "messages": [
                {"role": m.role, "content": m.content} for m in with_context(request.messages, request.context)
            ],
        }
        if request.temperature is not None:
            params["temperature"] = request.temperature
        if request.max_tokens is not None:
            params["max_tokens"] = request.max_tokens
        return params

    async def complete(self, request: ChatRequest) -> ChatResult:
        params = self._params(request)
        with provider_call(self.name):
            completion = await self.client.chat.completions.create(**params)
        usage = completion.usage
        return ChatResult(
            content=(completion.choices[0].message.content or "") if completion.choices else "",
            model=completion.model or params["model"],
            provider=self.name,
            prompt_tokens=usage.prompt_tokens if usage else None,
            completion_tokens=usage.completion_tokens if usage else None,
        )

    async def stream_request(self, request: ChatRequest) -> AsyncIterator[str]:
        with provider_call(self.name):
            chunks = await self.client.chat.completions.create(**self._params(request), stream=True)
            async for chunk in chunks:
                if chunk.choices and chunk.choices[0].delta.content:
                    yield chunk.choices[0].delta.content


class LocalLLM(LLM):
    """Needs no model: quotes the context snippets that best match the question, and says it is doing so."""

    name = "local"
    model = DEFAULT_MODELS["local"]

    def __init__(self, *, max_sentences: int = 3) -> None:
        self.max_sentences = max_sentences

    def answer(self, messages: Sequence[ChatMessage], context: Sequence[str]) -> str:
        question = next((m.content for m in reversed(messages) if m.role == "user"), "")
        asked = content_words(question)
        candidates = [s for snippet in context for s in sentences(snippet)]
        if not candidates:
            return f"{LOCAL_LABEL}\n\nThe knowledge base has nothing on this yet: “{question.strip()[:200]}”."
        # Rank by shared topic words; ties keep the snippets' order (they arrive ranked by retrieval).
        scored = [(len(asked & content_words(s)), -i, s) for i, s in enumerate(candidates)]
        best = sorted(scored, reverse=True)[: self.max_sentences]
        if best[0][0] == 0:
            chosen = candidates[: self.max_sentences]
        else:
            chosen = [s for score, _, s in sorted(best, key=lambda item: -item[1]) if score > 0]
        return f"{LOCAL_LABEL}\n\n" + " ".join(chosen)

    async def complete(self, request: ChatRequest) -> ChatResult:
        return ChatResult(content=self.answer(request.messages, request.context), model=self.model, provider=self.name)

    async def stream_request(self, request: ChatRequest) -> AsyncIterator[str]:
        # Word-sized pieces so a streaming UI behaves the same as with a real model.
        text = self.answer(request.messages, request.context)
        for index, word in enumerate(text.split(" ")):
            yield word if index == 0 else " " + word
