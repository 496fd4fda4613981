"""Tiny text helpers shared by the offline providers (hashing embedder, local LLM)."""

from __future__ import annotations

import re

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")

# Words too common to say anything about a text's topic.
_STOPWORDS_TEXT = """
a an and are as at be but by can do does for from has have how i if in into is it its me my no not of on
or our so that the their them then there these they this to us was we what when where which who why will
with you your
"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())


def words(text: str) -> list[str]:
    """Lower-cased word tokens with a light plural fold, so "emails" and "email" meet."""
    tokens = []
    for token in _WORD.findall(text.lower()):
        if len(token) > 3 and token.endswith("s") and not token.endswith("ss"):
            token = token[:-1]
        tokens.append(token)
    return tokens


def content_words(text: str) -> set[str]:
    return {w for w in words(text) if w not in STOPWORDS}


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text.strip()) if s.strip()]
