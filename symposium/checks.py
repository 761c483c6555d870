"""``flask check``: whether the configuration can work (database reachable and at the newest
schema, mail deliverable, secret key set, public address right). The checks return plain
results; the command prints them."""

from __future__ import annotations

import secrets
import smtplib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from symposium.db import normalise_url
from symposium.maintenance import describe, sqlite_path

MIN_SECRET_KEY_LENGTH = 32
CONNECT_TIMEOUT = 5  # seconds, for the database and the mail server


@dataclass(frozen=True)
class Check:
    """One verdict of ``flask check``: what was checked, whether it is fine, and what was found
    (or what to do about it)."""

    name: str
    ok: bool
    message: str


def is_production(config: Mapping[str, Any]) -> bool:
    """PostgreSQL or a public https address: the set-up is meant for real users."""
    base_url = config.get("BASE_URL") or ""
    return sqlite_path(config["DATABASE_URL"]) is None or base_url.startswith("https://")


def _check_engine(url: str) -> sa.Engine:
    if sqlite_path(url) is not None:
        return sa.create_engine(normalise_url(url))
    return sa.create_engine(normalise_url(url), connect_args={"connect_timeout": CONNECT_TIMEOUT})


def check_database(url: str, migrations: Path) -> Check:
    """Reachable, and its schema at the newest migration."""
    path = sqlite_path(url)
    if path is not None and not path.exists():
        return Check("database", False, f"no database at {path}: run flask db upgrade")
    newest = ScriptDirectory(str(migrations)).get_current_head()
    engine = _check_engine(url)
    try:
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
    except sa.exc.SQLAlchemyError as error:
        reason = str(error.orig if hasattr(error, "orig") else error).strip().splitlines()[0]
        return Check(
            "database", False, f"cannot connect to {describe(url)} ({reason}): check DATABASE_URL"
        )
    finally:
        engine.dispose()
    if current is None:
        return Check("database", False, f"{describe(url)} has no schema: run flask db upgrade")
    if current != newest:
        return Check(
            "database",
            False,
            f"schema at {current}, the newest is {newest}: run flask db upgrade",
        )
    return Check("database", True, f"{describe(url)} reachable, schema at {current} (the newest)")


def _smtp_session(config: Mapping[str, Any]) -> None:
    """Greet the SMTP server as the workers do (TLS and login included), then leave."""
    host, port = config["MAIL_HOST"], config["MAIL_PORT"]
    factory = smtplib.SMTP_SSL if config["MAIL_USE_SSL"] else smtplib.SMTP
    with factory(host, port, timeout=CONNECT_TIMEOUT) as connection:
        if config["MAIL_USE_STARTTLS"] and not config["MAIL_USE_SSL"]:
            connection.starttls()
        if config.get("MAIL_USERNAME"):
            connection.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        connection.noop()


def check_mail(config: Mapping[str, Any]) -> Check:
    """The mail backend can deliver: the SMTP server answers, or the folder is writable."""
    backend = config["MAIL_BACKEND"]
    if backend == "smtp":
        where = f"{config['MAIL_HOST']}:{config['MAIL_PORT']}"
        try:
            _smtp_session(config)
        except smtplib.SMTPAuthenticationError as error:
            return Check(
                "mail",
                False,
                f"{where} refused the login ({error.smtp_code}): check "
                "MAIL_USERNAME and MAIL_PASSWORD",
            )
        except (OSError, smtplib.SMTPException) as error:
            return Check(
                "mail",
                False,
                f"no SMTP session with {where} ({type(error).__name__}: "
                f"{error}): check MAIL_HOST, MAIL_PORT and MAIL_USE_STARTTLS/SSL",
            )
        return Check("mail", True, f"SMTP server {where} answers")
    if backend == "file":
        folder = Path(config["MAIL_FILE_DIR"])
        try:
            folder.mkdir(parents=True, exist_ok=True)
            probe = folder / f".check-{secrets.token_hex(4)}"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as error:
            return Check(
                "mail",
                False,
                f"cannot write mail files to {folder} ({error.strerror}):"
                " fix MAIL_FILE_DIR or its permissions",
            )
        note = "; set MAIL_BACKEND=smtp to send real mail" if is_production(config) else ""
        return Check("mail", not note, f"mail is written as .eml files to {folder}{note}")
    return Check("mail", False, f"MAIL_BACKEND is {backend!r}: use smtp or file")


def check_secret_key(secret_key: str, instance_key: str | None, production: bool) -> Check:
    """Long enough, and set by the operator in production rather than made up by the app."""
    if len(secret_key) < MIN_SECRET_KEY_LENGTH:
        return Check(
            "secret key",
            False,
            f"SECRET_KEY has {len(secret_key)} characters; set one "
            f"of at least {MIN_SECRET_KEY_LENGTH} (python -c 'import secrets; "
            "print(secrets.token_urlsafe(48))')",
        )
    if secret_key == instance_key:
        if production:
            return Check(
                "secret key",
                False,
                "SECRET_KEY is not set: the app uses the random "
                "key in instance/secret_key; set SECRET_KEY in the environment",
            )
        return Check("secret key", True, "the random key in instance/secret_key (fine for a demo)")
    return Check("secret key", True, "SECRET_KEY is set and long enough")


def check_addresses(config: Mapping[str, Any]) -> Check:
    """BASE_URL set in production, and cookies sent over HTTPS only when it is https."""
    base_url = config.get("BASE_URL") or ""
    if base_url.startswith("https://") and not config.get("SESSION_COOKIE_SECURE"):
        return Check(
            "address",
            False,
            f"BASE_URL is {base_url} but SESSION_COOKIE_SECURE is "
            "off: set SESSION_COOKIE_SECURE=true",
        )
    if not base_url and (is_production(config) or config.get("MAIL_BACKEND") == "smtp"):
        return Check(
            "address",
            False,
            "BASE_URL is not set: links in mails sent by the workers would point at localhost,"
            " and those sent from a page would take the address the visitor's request names"
            " (a forged one would mail someone a link to another site); set it to the public"
            " https address",
        )
    if not base_url:
        return Check("address", True, "BASE_URL not set: links use the request's own address")
    return Check("address", True, f"BASE_URL {base_url}")


def run_checks(config: Mapping[str, Any], instance_path: Path, migrations: Path) -> list[Check]:
    """Every check of ``flask check``, in the order it prints them."""
    key_file = instance_path / "secret_key"
    instance_key = key_file.read_text().strip() if key_file.exists() else None
    return [
        check_database(config["DATABASE_URL"], migrations),
        check_mail(config),
        check_secret_key(config["SECRET_KEY"] or "", instance_key, is_production(config)),
        check_addresses(config),
    ]
