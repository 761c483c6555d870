"""Configuration read from environment variables, with embedded defaults for the demo."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

TRUE_WORDS = {"1", "true", "yes", "on"}


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
    """Build the settings dictionary from the environment."""
    sqlite_file = instance_path / "symposium.sqlite3"
    return {
        "SECRET_KEY": os.environ.get("SECRET_KEY"),
        "DATABASE_URL": os.environ.get("DATABASE_URL", f"sqlite:///{sqlite_file}"),
        "MAIL_BACKEND": os.environ.get("MAIL_BACKEND", "file"),
        "MAIL_HOST": os.environ.get("MAIL_HOST", "localhost"),
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "25")),
        "MAIL_USE_STARTTLS": _flag("MAIL_USE_STARTTLS"),
        "MAIL_USE_SSL": _flag("MAIL_USE_SSL"),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME"),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD"),
        "MAIL_SENDER": os.environ.get("MAIL_SENDER", "symposium@localhost"),
        "MAIL_FILE_DIR": os.environ.get("MAIL_FILE_DIR", str(instance_path / "mail")),
        # Sending attempts of a mail before it is marked failed (organisers can re-queue it).
        "MAIL_MAX_ATTEMPTS": int(os.environ.get("MAIL_MAX_ATTEMPTS", "5")),
        # The address people reach the site at, for links in mails (e.g. https://symposium.example.org).
        "BASE_URL": os.environ.get("BASE_URL"),
        # Proxies in front of the app (e.g. 1 behind nginx): their X-Forwarded-* headers are
        # trusted, so the login limit counts the real client address, not the proxy's.
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", "0")),
        "SESSION_COOKIE_SECURE": _flag("SESSION_COOKIE_SECURE"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": _flag("SESSION_COOKIE_SECURE"),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "BOOTSTRAP_SERVE_LOCAL": True,
        "WTF_CSRF_TIME_LIMIT": None,
        # Uploads (focal-point lists, attendance reports) are small; refuse anything huge early.
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_UPLOAD_MB", "5")) * 1024 * 1024,
        # Failed logins allowed per e-mail address and per client address in the window.
        "LOGIN_MAX_FAILURES_PER_ACCOUNT": int(os.environ.get("LOGIN_MAX_FAILURES", "5")),
        "LOGIN_MAX_FAILURES_PER_ADDRESS": int(os.environ.get("LOGIN_MAX_FAILURES_PER_IP", "20")),
        "LOGIN_FAILURE_WINDOW_MINUTES": int(os.environ.get("LOGIN_FAILURE_WINDOW_MINUTES", "15")),
    }
