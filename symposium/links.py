"""Absolute links for mails, built alike in a request and in a command (demo, worker)."""

from __future__ import annotations

import functools
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, has_request_context, url_for
from werkzeug.routing import Map, MapAdapter


def external_url(endpoint: str, **values: Any) -> str:
    """The absolute URL of ``endpoint``.

    ``BASE_URL`` (the address people reach the site at, behind any proxy) wins when set;
    otherwise a request's own host is used, and outside a request ``http://localhost:5000``.
    """
    base = current_app.config.get("BASE_URL")
    if not base and has_request_context():
        return url_for(endpoint, _external=True, **values)
    adapter = _adapter(current_app.url_map, base or "http://localhost:5000")
    return adapter.build(endpoint, values, force_external=True)


@functools.lru_cache(maxsize=8)  # one map per app, one base address each
def _adapter(url_map: Map, base: str) -> MapAdapter:
    """The app's routes bound to ``base``, made once: binding them was half the work of a
    link (a registration writes one into its confirmation). Building a URL only reads it."""
    parts = urlsplit(base.rstrip("/"))
    return url_map.bind(
        parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme or "http"
    )


def is_web_link(text: str) -> bool:
    """Whether ``text`` is an http(s) address with a host and no spaces: what a join link or
    a material may be (never ``javascript:`` or ``data:``, which a page would run)."""
    parts = urlsplit(text)
    return (
        parts.scheme.lower() in {"http", "https"}
        and bool(parts.netloc)
        and not any(character.isspace() for character in text)
    )
