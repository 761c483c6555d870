"""Personal links: random tokens handed out once in a mail and stored only as their hash."""

from __future__ import annotations

import hashlib
import re
import secrets

# A personal link's token in a text: the 43 URL-safe characters of ``new_token`` (and of the
# survey's HMAC tokens) right after a slash.
_TOKEN_IN_TEXT = re.compile(r"(?<=/)[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])")
REDACTED = "[link-removed]"


def new_token() -> tuple[str, str]:
    """A fresh token (256 bits, URL-safe) and the hash to store in its place."""
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


def token_hash(token: str) -> str:
    """The stored form of a token: a leaked database row does not open anybody's link."""
    return hashlib.sha256(token.encode()).hexdigest()


def redact_tokens(text: str) -> str:
    """``text`` with the token of every personal link in it replaced by a marker: for what is
    kept or logged after the link has reached its owner (a sent mail, a page's error)."""
    return _TOKEN_IN_TEXT.sub(REDACTED, text)
