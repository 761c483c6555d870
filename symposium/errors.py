"""Error pages that look like the rest of the application."""

from __future__ import annotations

from typing import Any

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

EXPLANATIONS = {
    400: "The request could not be understood. If you were sending a form, go back and try again.",
    403: "Your account may not do this. Ask an organiser if you think it should.",
    404: "There is no such page. The link may be mistyped, or what it pointed to was removed.",
    405: "This page cannot be used that way.",
    413: "The file is too large. Lists and reports of this kind are well under 5 MB; check "
    "that you picked the right file.",
    429: "Too many requests in a short time. Wait a few minutes and try again.",
    500: "Something went wrong on our side. Nothing you entered was half-saved; try again later.",
}


def _render(code: int, title: str, message: str) -> Any:
    return render_template("errors/error.html", code=code, title=title, message=message), code


def handle_http_error(error: HTTPException) -> Any:
    """Every HTTP error, including the 500 Flask makes of an unexpected exception."""
    code = error.code or 500
    return _render(code, error.name, EXPLANATIONS.get(code, error.description or ""))


def handle_csrf_error(error: CSRFError) -> Any:
    return _render(
        400,
        "Form expired",
        "The form was sent without its security token, or the token has expired. "
        "Go back, reload the page and send it again.",
    )


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
