"""Personal links: random tokens handed out once in a mail and stored only as their hash."""

from __future__ import annotations

import hashlib
import secrets


def new_token() -> tuple[str, str]:
    """A fresh token (256 bits, URL-safe) and the hash to store in its place."""
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


def token_hash(token: str) -> str:
    """The stored form of a token: a leaked database row does not open anybody's link."""
    return hashlib.sha256(token.encode()).hexdigest()
