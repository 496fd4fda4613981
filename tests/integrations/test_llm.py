from __future__ import annotations

import pytest
from openai import AsyncOpenAI

from fibonacco.config import load_settings
from fibonacco.integrations.errors import PermanentProviderError, TransientProviderError
from fibonacco.integrations.llm import LOCAL_LABEL, ChatMessage, LocalLLM, OpenAICompatibleLLM
from fibonacco.integrations.registry import get_llm
from tests.fakes.openai_fake import FakeOpenAI

QUESTION = [ChatMessage("system", "You are helpful."), ChatMessage("user", "How do I reset my password?")]
KNOWLEDGE = [
    "Passwords are reset from the login page. Click 'Forgot password' and follow the email.",
    "Invoices are sent monthly.",
]


def openai_llm(fake: FakeOpenAI, *, name: str = "openai") -> OpenAICompatibleLLM:
    client = AsyncOpenAI(api_key=fake.api_key, base_url=f"{fake.url}/v1", max_retries=0)
    return OpenAICompatibleLLM(client, name=name, model="gpt-test")


async def test_openai_chat_sends_messages_with_context_and_returns_the_answer(
    fake_openai: FakeOpenAI,
) -> None:
    settings = load_settings(
        APP_ENV="testing",
        LLM_PROVIDER="openai",
        LLM_MODEL="gpt-test",
        OPENAI_API_KEY=fake_openai.api_key,
        OPENAI_BASE_URL=f"{fake_openai.url}/v1",
    )
    result = await get_llm(settings).chat(QUESTION, context=KNOWLEDGE, temperature=0.2, max_tokens=50)

    [received] = fake_openai.requests
    assert received.headers["authorization"] == f"Bearer {fake_openai.api_key}"
    body = received.json()
    assert body["model"] == "gpt-test" and body["temperature"] == 0.2 and body["max_tokens"] == 50
    roles = [m["role"] for m in body["messages"]]
    assert roles == ["system", "system", "user"]  # knowledge follows the persona, precedes the conversation
    assert "[1] Passwords are reset" in body["messages"][1]["content"]
    assert result.content == "Fake answer to: How do I reset my password?"
    assert (result.provider, result.model, result.prompt_tokens) == ("openai", "gpt-test", 11)


async def test_streaming_yields_the_answer_in_pieces(fake_openai: FakeOpenAI) -> None:
    fake_openai.reply = "Click Forgot password on the login page."
    pieces = [piece async for piece in openai_llm(fake_openai).stream(QUESTION)]
    assert len(pieces) > 3 and "".join(pieces) == fake_openai.reply
    assert fake_openai.requests[0].json()["stream"] is True


async def test_openrouter_is_the_same_sdk_on_its_base_url_with_attribution_headers(
    fake_openai: FakeOpenAI,
) -> None:
    settings = load_settings(
        APP_ENV="testing",
        LLM_PROVIDER="openrouter",
        OPENROUTER_API_KEY=fake_openai.api_key,
        OPENROUTER_BASE_URL=f"{fake_openai.url}/api/v1",
        APP_URL="https://app.fibonacco.test",
    )
    llm = get_llm(settings)
    result = await llm.chat(QUESTION)
    [received] = fake_openai.requests
    assert received.path == "/api/v1/chat/completions"
    assert received.headers["http-referer"] == "https://app.fibonacco.test"
    assert received.headers["x-title"] == settings.APP_NAME
    assert received.json()["model"] == "openai/gpt-4o-mini" and result.provider == "openrouter"


@pytest.mark.parametrize("status", [429, 500, 502])
async def test_rate_limit_and_server_errors_are_transient(fake_openai: FakeOpenAI, status: int) -> None:
    fake_openai.fail_next(status, {"error": {"message": "slow down", "type": "rate_limit"}})
    with pytest.raises(TransientProviderError) as caught:
        await openai_llm(fake_openai).chat(QUESTION)
    assert caught.value.status == status


async def test_streaming_errors_are_classified_too(fake_openai: FakeOpenAI) -> None:
    fake_openai.fail_next(503, {"error": {"message": "overloaded"}})
    with pytest.raises(TransientProviderError):
        [piece async for piece in openai_llm(fake_openai).stream(QUESTION)]


async def test_bad_requests_and_bad_keys_are_permanent_without_leaking_the_key(
    fake_openai: FakeOpenAI,
) -> None:
    fake_openai.fail_next(400, {"error": {"message": "context too long", "type": "invalid_request_error"}})
    with pytest.raises(PermanentProviderError) as caught:
        await openai_llm(fake_openai).chat(QUESTION)
    assert caught.value.status == 400 and "context too long" in caught.value.message

    client = AsyncOpenAI(api_key="sk-wrong-secret-value-1234", base_url=f"{fake_openai.url}/v1", max_retries=0)
    with pytest.raises(PermanentProviderError) as caught:
        await OpenAICompatibleLLM(client, name="openai", model="m").chat(QUESTION)
    assert caught.value.status == 401 and "sk-wrong-secret-value-1234" not in str(caught.value)


async def test_local_llm_answers_from_the_relevant_snippet_and_says_it_is_offline() -> None:
    llm = get_llm(load_settings(APP_ENV="testing"))
    assert isinstance(llm, LocalLLM)
    result = await llm.chat(QUESTION, context=KNOWLEDGE)
    assert result.content.startswith(LOCAL_LABEL) and result.provider == "local"
    assert "Forgot password" in result.content and "Invoices" not in result.content

    streamed = "".join([piece async for piece in llm.stream(QUESTION, context=KNOWLEDGE)])
    assert streamed == result.content


async def test_local_llm_without_context_says_it_has_nothing() -> None:
    result = await LocalLLM().chat([ChatMessage("user", "What is the weather?")])
    assert result.content.startswith(LOCAL_LABEL) and "nothing on this yet" in result.content
