"""boto3 clients built from settings (endpoint overridable for moto/LocalStack)."""

from __future__ import annotations

from typing import Any

from botocore.config import Config

from fibonacco.config import Settings

# Short connect timeout so an unreachable endpoint fails fast and the job retries; standard retry mode already
# backs off on throttling inside one attempt of a job.
_CLIENT_CONFIG = Config(connect_timeout=5, read_timeout=30, retries={"mode": "standard", "max_attempts": 3})


def aws_client(settings: Settings, service: str, *, max_attempts: int | None = None) -> Any:
    """A boto3 client. Without explicit keys boto3's default chain applies (the ECS task role in AWS).

    `max_attempts=1` turns botocore's own retries off, for calls that must not repeat blindly (an SES send: a
    read timeout retried inside botocore would send the email twice)."""
    import boto3  # boto3 takes a while to import: only processes configured for AWS pay for it

    secret = settings.AWS_SECRET_ACCESS_KEY.get_secret_value() if settings.AWS_SECRET_ACCESS_KEY else None
    session = boto3.session.Session(
        aws_access_key_id=settings.AWS_ACCESS_KEY_ID or None,
        aws_secret_access_key=secret or None,
        region_name=settings.AWS_DEFAULT_REGION,
    )
    config = _CLIENT_CONFIG
    if max_attempts is not None:
        config = config.merge(Config(retries={"mode": "standard", "max_attempts": max_attempts}))
    return session.client(service, endpoint_url=settings.AWS_ENDPOINT_URL or None, config=config)
