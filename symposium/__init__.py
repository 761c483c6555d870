"""The core of the symposium application: the app factory and what every feature shares."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

from flask import Flask, request
from werkzeug.routing import IntegerConverter

from symposium.tokens import redact_tokens

# The largest id an INTEGER column holds (PostgreSQL's int4; SQLite overflows at 2**63).
MAX_ROW_ID = 2**31 - 1


class RowNumberConverter(IntegerConverter):
    """``<int:…>`` in a URL, up to the largest id a column holds: a larger number is a page
    that does not exist (404), not an overflow in the database driver (500)."""

    def __init__(self, map: Any, fixed_digits: int = 0, min: int | None = None,
                 max: int | None = MAX_ROW_ID, signed: bool = False) -> None:  # fmt: skip
        super().__init__(map, fixed_digits, min, max, signed)


class SymposiumApp(Flask):
    """Flask, logging an unexpected error without the personal link it happened on."""

    def log_exception(self, exc_info: Any) -> None:
        # Flask's own message names the path, and a personal link's path holds its token.
        path = redact_tokens(request.path)
        self.logger.error(f"Exception on {path} [{request.method}]", exc_info=exc_info)


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create the application, configured from the environment or from ``test_config``."""
    app = SymposiumApp(__name__, instance_relative_config=True)
    app.url_map.converters["int"] = RowNumberConverter  # before any route is added
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    from symposium import config

    app.config.from_mapping(config.from_environment(Path(app.instance_path)))
    app.config.from_pyfile("settings.py", silent=True)
    if test_config is not None:
        app.config.from_mapping(test_config)
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = config.instance_secret_key(Path(app.instance_path))
    if app.config["MAIL_BACKEND"] == "file":
        # A folder that cannot be made is said by `flask check` and on each mail it fails.
        with contextlib.suppress(OSError):
            os.makedirs(app.config["MAIL_FILE_DIR"], exist_ok=True)
    if app.config.get("TRUSTED_PROXIES"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]

    from flask_bootstrap import Bootstrap5
    from flask_wtf.csrf import CSRFProtect

    from symposium import auth, cli, db, demo, errors, formatting, headers, outbox_routes, routes

    db.init_app(app)
    auth.init_app(app)  # before CSRF, so an anonymous POST is sent to login, not told off
    CSRFProtect(app)
    Bootstrap5(app)
    errors.init_app(app)
    headers.init_app(app)
    formatting.init_app(app)
    cli.init_app(app)
    demo.init_app(app)
    app.register_blueprint(routes.bp)
    app.register_blueprint(outbox_routes.bp)

    # Feature packages are imported here only, so the core never depends on them elsewhere.
    import agenda
    import registration
    import reports
    import surveys

    for feature in (agenda, registration, surveys, reports):  # the demo needs this order
        feature.init_app(app)
    cli.explain_errors(app.cli)  # once every feature has added its commands
    return app
