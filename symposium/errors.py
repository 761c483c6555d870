"""Error pages that look like the rest of the application."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import BadRequest, HTTPException

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


# A personal link that leads nowhere: the same words whichever part of it was wrong.
PERSONAL_LINK_GONE = (
    "This link does not work, or no longer works. Personal links from our mails stop working "
    "when a newer mail replaces them (at once, or some days later), or when what they were for "
    "was withdrawn or cancelled. Please use the link in the latest mail you received, or reply "
    "to that mail to ask the organisers for a new one."
)


def _render(code: int, title: str, message: str, *, public: bool = False) -> Any:
    page = render_template(
        "errors/error.html", code=code, title=title, message=message, public=public
    )
    return page, code


def _public_page() -> bool:
    """Whether the request went to a page for people without an account (personal links,
    the public agenda and forms)."""
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, "is_public", False)) and request.endpoint != "auth.login"


def handle_http_error(error: HTTPException) -> Any:
    """Every HTTP error, including the 500 Flask makes of an unexpected exception."""
    code = error.code or 500
    if code == 404 and _public_page():
        return _render(404, "Link not valid", PERSONAL_LINK_GONE, public=True)
    if code == 400 and error.description != BadRequest.description:
        return _render(400, "Not sent", error.description or "")  # a reason given by the app
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
