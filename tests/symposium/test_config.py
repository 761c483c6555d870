"""Settings from the environment: one that cannot work stops the app with a message naming it
(the operator sees one line, not a traceback), whether `flask` or gunicorn loads it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from symposium.config import ConfigurationError, from_environment

REPO = Path(__file__).resolve().parents[2]

BAD_SETTINGS = {
    "MAIL_PORT": ("abc", "MAIL_PORT must be a whole number, not 'abc'"),
    "TRUSTED_PROXIES": ("1   # one proxy", "a comment after the value?"),
    "LOGIN_MAX_FAILURES": ("0", "LOGIN_MAX_FAILURES must be 1 or more, not 0"),
    "MAX_UPLOAD_MB": ("-5", "MAX_UPLOAD_MB must be from 1 to 1024"),
    "BASE_URL": ("symposium.example.org", "BASE_URL must be the site's public address"),
    "DATABASE_URL": ("garbage", "DATABASE_URL is not a database address"),
    "MAIL_BACKEND": ("nonsense", "MAIL_BACKEND must be file or smtp, not 'nonsense'"),
}


def test_ssl_and_starttls_at_once_are_refused(monkeypatch, tmp_path):
    monkeypatch.setenv("MAIL_USE_SSL", "true")
    monkeypatch.setenv("MAIL_USE_STARTTLS", "yes")
    with pytest.raises(ConfigurationError, match="both on"):
        from_environment(tmp_path)


@pytest.mark.parametrize("name", BAD_SETTINGS)
def test_a_setting_that_cannot_work_is_named(name, monkeypatch, tmp_path):
    value, message = BAD_SETTINGS[name]
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError, match=message.replace("?", r"\?")):
        from_environment(tmp_path)


def test_good_settings_are_read(monkeypatch, tmp_path):
    given = {
        "MAIL_PORT": " 587 ",
        "BASE_URL": "https://s.example.org/",
        "DATABASE_URL": "postgres://u@db/s",
        "LOGIN_MAX_FAILURES": "",
        "SECRET_KEY": "  ",
    }
    for name, value in given.items():
        monkeypatch.setenv(name, value)
    settings = from_environment(tmp_path)
    assert settings["MAIL_PORT"] == 587 and settings["BASE_URL"] == "https://s.example.org"
    assert settings["LOGIN_MAX_FAILURES_PER_ACCOUNT"] == 5  # empty: the default
    assert settings["SECRET_KEY"] is None  # blank is not a key: the app makes its own


def test_flask_says_which_setting_is_wrong_without_a_traceback(tmp_path):
    env = {**os.environ, "MAIL_PORT": "twenty-five", "MAIL_FILE_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "check"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 1
    assert done.stderr.strip() == (
        "symposium cannot start: MAIL_PORT must be a whole number, not 'twenty-five'."
    )


def test_links_in_mails_follow_base_url_when_it_changes(app):
    """Mail links are built from BASE_URL, with its path; another address gives other links
    (the routes bound to an address are kept, one set per address)."""
    from symposium.links import external_url

    with app.app_context():
        app.config["BASE_URL"] = "https://a.example.org/symposium/"
        assert external_url("registration.manage", token="t1") == (
            "https://a.example.org/symposium/registration/t1"
        )
        app.config["BASE_URL"] = "http://b.example.org:8080"
        assert external_url("registration.manage", token="t2") == (
            "http://b.example.org:8080/registration/t2"
        )
        app.config["BASE_URL"] = None  # a command without it: the local address
        assert external_url("registration.manage", token="t3") == (
            "http://localhost:5000/registration/t3"
        )
