"""Login, logout and the access rule every page goes through.

The rule is a default, not an opt-in: every endpoint needs a logged-in account unless its view
is marked ``@public``, and only organisers may send anything but GET/HEAD/OPTIONS unless the
view is marked ``@any_role``. Pages that show a form for changing something are marked
``@organiser_required`` so viewers do not see forms they cannot submit.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import LoginManager, current_user, login_user, logout_user

from symposium import db
from symposium.accounts import TooManyFailures, authenticate, forget_failures
from symposium.forms import LoginForm
from symposium.models import User

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Please log in to see that page."
login_manager.login_message_category = "info"

View = TypeVar("View", bound=Callable[..., Any])
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def public(view: View) -> View:
    """Mark a view as open to anyone (participant pages, personal links, login)."""
    view.is_public = True  # type: ignore[attr-defined]
    return view


def any_role(view: View) -> View:
    """Let viewers send state-changing requests to this view (logout only, so far)."""
    view.any_role = True  # type: ignore[attr-defined]
    return view


def organiser_required(view: View) -> View:
    """Refuse viewers even for GET: the page exists only to change something."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not current_user.is_organiser:
            abort(403)
        return view(*args, **kwargs)

    wrapped.organiser_only = True  # type: ignore[attr-defined]
    return wrapped  # type: ignore[return-value]


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    if not user_id.isdigit():
        return None
    return db.session().scalar(sa.select(User).where(User.id == int(user_id), User.active))


def enforce_access() -> Any:
    """``before_request`` hook applying the default rule described in the module docstring."""
    endpoint = request.endpoint or ""
    view = current_app.view_functions.get(endpoint)
    if view is None or getattr(view, "is_public", False) or endpoint.endswith("static"):
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    changes_something = request.method not in SAFE_METHODS
    if changes_something and not current_user.is_organiser and not getattr(view, "any_role", False):
        abort(403)
    return None


def _safe_next(target: str | None) -> str:
    """Only follow ``next`` to a path on this site (no open redirect)."""
    parts = urlsplit(target or "")
    local = target and target.startswith("/") and not target.startswith("//")
    if local and not parts.scheme and not parts.netloc and "\\" not in target:
        return target
    return url_for("symposium.index")


@bp.route("/login", methods=["GET", "POST"])
@public
def login() -> Any:
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        session = db.session()
        config = current_app.config
        try:
            user = authenticate(
                session,
                form.email.data,
                form.password.data,
                request.remote_addr or "unknown",
                max_per_account=config["LOGIN_MAX_FAILURES_PER_ACCOUNT"],
                max_per_address=config["LOGIN_MAX_FAILURES_PER_ADDRESS"],
                window_minutes=config["LOGIN_FAILURE_WINDOW_MINUTES"],
            )
        except TooManyFailures as error:
            form.form_errors.append(str(error))
            status = 429
        else:
            if user is not None:
                forget_failures(session, user.email)
                session.commit()
                login_user(user)
                flash("You are logged in.", "success")
                return redirect(_safe_next(request.args.get("next")))
            session.commit()  # keep the recorded failure
            form.form_errors.append("Wrong e-mail address or password.")
            status = 401
    elif form.is_submitted():
        status = 400
    return render_template("symposium/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@any_role
def logout() -> Any:
    # The global CSRF check has already refused a forged request by the time we get here.
    logout_user()
    flash("You are logged out.", "info")
    return redirect(url_for("auth.login"))


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    app.before_request(enforce_access)
    app.register_blueprint(bp)
