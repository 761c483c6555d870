"""Signed, unguessable links to personal calendar feeds (no account needed to subscribe)."""

from __future__ import annotations

from itsdangerous import BadSignature, URLSafeSerializer

SALT = "agenda-feed"


def feed_token(secret_key: str, symposium_id: int, speaker_id: int | None) -> str:
    """A token naming the symposium and the person (None: every session)."""
    return URLSafeSerializer(secret_key, salt=SALT).dumps([symposium_id, speaker_id])


def read_feed_token(secret_key: str, token: str) -> tuple[int, int | None] | None:
    """The (symposium id, speaker id) a token was made for, or None if it is not ours."""
    try:
        value = URLSafeSerializer(secret_key, salt=SALT).loads(token)
    except BadSignature:
        return None
    if (
        isinstance(value, list)
        and len(value) == 2
        and isinstance(value[0], int)
        and (value[1] is None or isinstance(value[1], int))
    ):
        return value[0], value[1]
    return None
