"""Organiser and viewer accounts: creation, password checks and the failed-login limit."""

from __future__ import annotations

import datetime as dt
import functools

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from symposium.models import LoginFailure, Role, User, utcnow

MIN_PASSWORD_LENGTH = 10

# Checked against when the e-mail is unknown, so a wrong address costs as much time as a wrong
# password and response times do not reveal which accounts exist.
_DUMMY_HASH = generate_password_hash("not a real password")


class AccountError(ValueError):
    """A request about an account that cannot be carried out; the message is for the user."""


def normalise_email(email: str) -> str:
    """The form an address is stored and compared in: no surrounding spaces, lower case, and
    the domain as IDNA maps it (``ana@ｅｘａｍｐｌｅ.pe`` is ``ana@example.pe``). An address that
    is not one stays as written, in lower case: the forms say what is wrong with it."""
    email = email.strip()
    return (_checked(email) or email).lower()


def is_email_address(email: str) -> bool:
    """Whether ``email``, without surrounding spaces, is an address ``normalise_email`` can
    store (the syntax and the domain's form; no DNS lookup)."""
    return _checked(email.strip()) is not None


# A form checks the address it is sent, then the code behind it normalises the same address,
# in the same request: email_validator's work is done once. Only the last few addresses are
# kept, so that one erased does not stay in a process's memory for long; longer strings are
# not addresses worth keeping.
_KEPT_ADDRESS_LENGTH = 320


def _checked(email: str) -> str | None:
    """``email`` as email_validator normalises it, or None when it is not an address."""
    if len(email) > _KEPT_ADDRESS_LENGTH:
        return _validated.__wrapped__(email)
    return _validated(email)


@functools.lru_cache(maxsize=32)
def _validated(email: str) -> str | None:
    try:
        return validate_email(email, check_deliverability=False).normalized
    except EmailNotValidError:
        return None


def create_user(session: Session, email: str, password: str, role: str = Role.ORGANISER) -> User:
    """Create an account; passwords are hashed with scrypt (Werkzeug's default KDF)."""
    try:
        validate_email(email.strip(), check_deliverability=False)
    except EmailNotValidError as error:
        raise AccountError(f"{email!r} is not an e-mail address: {error}") from None
    email = normalise_email(email)
    if role not in {r.value for r in Role}:
        raise AccountError(f"Unknown role {role!r}: use organiser or viewer.")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"The password needs at least {MIN_PASSWORD_LENGTH} characters.")
    if session.scalar(sa.select(User.id).where(User.email == email)) is not None:
        raise AccountError(f"An account for {email} exists already.")
    user = User(email=email, password_hash=generate_password_hash(password), role=str(role))
    session.add(user)
    session.flush()
    return user


def set_password(user: User, password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"The password needs at least {MIN_PASSWORD_LENGTH} characters.")
    user.password_hash = generate_password_hash(password)


class TooManyFailures(AccountError):
    """Login refused without checking the password because of recent failures."""

    def __init__(self, minutes: int) -> None:
        super().__init__(
            f"Too many failed logins. Wait {minutes} minutes before trying again, "
            "or ask another organiser to reset your password."
        )


def authenticate(
    session: Session,
    email: str,
    password: str,
    address: str,
    *,
    max_per_account: int,
    max_per_address: int,
    window_minutes: int,
) -> User | None:
    """Return the active user with these credentials, or None after recording the failure.

    Raises TooManyFailures, without looking at the password, once the account or the client
    address has had too many failures within the window.
    """
    email = normalise_email(email)
    since = utcnow() - dt.timedelta(minutes=window_minutes)
    recent = sa.select(sa.func.count()).select_from(LoginFailure).where(LoginFailure.at >= since)
    by_account = session.scalar(recent.where(LoginFailure.email == email)) or 0
    by_address = session.scalar(recent.where(LoginFailure.address == address)) or 0
    if by_account >= max_per_account or by_address >= max_per_address:
        raise TooManyFailures(window_minutes)

    user = session.scalar(sa.select(User).where(User.email == email))
    valid = check_password_hash(user.password_hash if user else _DUMMY_HASH, password)
    if user is not None and valid and user.active:
        return user
    session.add(LoginFailure(email=email[:254], address=address[:64]))
    session.flush()
    return None


def forget_failures(session: Session, email: str) -> None:
    """Clear an account's failures after a successful login."""
    session.execute(sa.delete(LoginFailure).where(LoginFailure.email == normalise_email(email)))
