"""Configuration read from environment variables, with embedded defaults for the demo."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

TRUE_WORDS = {"1", "true", "yes", "on"}
MAIL_BACKENDS = ("file", "smtp")


class ConfigurationError(ValueError):
    """A setting the application cannot run with; the message names it and says why."""


def _comment_hint(value: str) -> str:
    # systemd's EnvironmentFile= keeps "# ..." after a value as part of it.
    return (
        " (a comment after the value? write comments on lines of their own)" if "#" in value else ""
    )


def _whole_number(name: str, default: int, low: int, high: int | None = None) -> int:
    """The environment variable ``name`` as a whole number from ``low`` (to ``high``)."""
    text = os.environ.get(name)
    if text is None or not text.strip():
        return default
    try:
        value = int(text.strip())
    except ValueError:
        raise ConfigurationError(
            f"{name} must be a whole number, not {text!r}{_comment_hint(text)}."
        ) from None
    if value < low or (high is not None and value > high):
        limits = f"from {low} to {high}" if high is not None else f"{low} or more"
        raise ConfigurationError(f"{name} must be {limits}, not {value}.")
    return value


def _choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = os.environ.get(name, default).strip()
    if value not in choices:
        raise ConfigurationError(
            f"{name} must be {' or '.join(choices)}, not {value!r}{_comment_hint(value)}."
        )
    return value


def _base_url() -> str | None:
    """BASE_URL, the public address links in mails start with: http(s)://host[/path]."""
    value = os.environ.get("BASE_URL", "").strip()
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query:
        raise ConfigurationError(
            f"BASE_URL must be the site's public address, such as "
            f"https://symposium.example.org, not {value!r}{_comment_hint(value)}."
        )
    return value.rstrip("/")


def _database_url(default: str) -> str:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    value = os.environ.get("DATABASE_URL", "").strip() or default
    try:
        backend = make_url(value).get_backend_name()
    except ArgumentError:
        raise ConfigurationError(
            "DATABASE_URL is not a database address; use postgresql://user@host/database, "
            f"or sqlite:////absolute/path.sqlite3{_comment_hint(value)}."
        ) from None
    if backend not in ("postgresql", "postgres", "sqlite"):
        raise ConfigurationError(
            f"DATABASE_URL names a {backend} database; symposium runs on PostgreSQL or SQLite."
        )
    return value


def _flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in TRUE_WORDS


def instance_secret_key(instance_path: Path) -> str:
    """A random key kept in the instance folder, for when SECRET_KEY is not set.

    Keeping it in a file means every gunicorn worker and every restart signs sessions with the
    same key, so nobody is logged out by a restart of the embedded set-up.
    """
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(48))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def from_environment(instance_path: Path) -> dict[str, Any]:
    """Build the settings dictionary from the environment; raises ConfigurationError naming
    the first setting that cannot work."""
    sqlite_file = instance_path / "symposium.sqlite3"
    if _flag("MAIL_USE_SSL") and _flag("MAIL_USE_STARTTLS"):
        raise ConfigurationError(
            "MAIL_USE_SSL and MAIL_USE_STARTTLS are both on: use SSL for a port that starts "
            "encrypted (465), STARTTLS for one that upgrades (587)."
        )
    return {
        "SECRET_KEY": os.environ.get("SECRET_KEY", "").strip() or None,
        "DATABASE_URL": _database_url(f"sqlite:///{sqlite_file}"),
        "MAIL_BACKEND": _choice("MAIL_BACKEND", "file", MAIL_BACKENDS),
        "MAIL_HOST": os.environ.get("MAIL_HOST", "localhost"),
        "MAIL_PORT": _whole_number("MAIL_PORT", 25, 1, 65535),
        "MAIL_USE_STARTTLS": _flag("MAIL_USE_STARTTLS"),
        "MAIL_USE_SSL": _flag("MAIL_USE_SSL"),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME"),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD"),
        "MAIL_SENDER": os.environ.get("MAIL_SENDER", "symposium@localhost"),
        "MAIL_FILE_DIR": os.environ.get("MAIL_FILE_DIR", str(instance_path / "mail")),
        # Sending attempts of a mail before it is marked failed (organisers can re-queue it).
        "MAIL_MAX_ATTEMPTS": _whole_number("MAIL_MAX_ATTEMPTS", 5, 1),
        # The address people reach the site at, for links in mails (e.g. https://symposium.example.org).
        "BASE_URL": _base_url(),
        # Proxies in front of the app (e.g. 1 behind nginx): their X-Forwarded-* headers are
        # trusted, so the login limit counts the real client address, not the proxy's.
        "TRUSTED_PROXIES": _whole_number("TRUSTED_PROXIES", 0, 0, 10),
        "SESSION_COOKIE_SECURE": _flag("SESSION_COOKIE_SECURE"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": _flag("SESSION_COOKIE_SECURE"),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "BOOTSTRAP_SERVE_LOCAL": True,
        "WTF_CSRF_TIME_LIMIT": None,
        # Uploads (focal-point lists, attendance reports) are small; refuse anything huge early.
        "MAX_CONTENT_LENGTH": _whole_number("MAX_UPLOAD_MB", 5, 1, 1024) * 1024 * 1024,
        # Failed logins allowed per e-mail address and per client address in the window.
        "LOGIN_MAX_FAILURES_PER_ACCOUNT": _whole_number("LOGIN_MAX_FAILURES", 5, 1),
        "LOGIN_MAX_FAILURES_PER_ADDRESS": _whole_number("LOGIN_MAX_FAILURES_PER_IP", 20, 1),
        "LOGIN_FAILURE_WINDOW_MINUTES": _whole_number("LOGIN_FAILURE_WINDOW_MINUTES", 15, 1),
    }
