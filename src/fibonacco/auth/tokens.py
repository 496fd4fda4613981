"""Personal access token strings: `fib_` + 40 random URL-safe characters; stored only as SHA-256."""

from __future__ import annotations

import hashlib
import secrets

TOKEN_PREFIX = "fib_"


def generate_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(30)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def display_prefix(token: str) -> str:
    return token[: len(TOKEN_PREFIX) + 6]
