"""The post-event evaluation survey: a blueprint of its own."""

from flask import Blueprint, Flask

bp = Blueprint("surveys", __name__, template_folder="templates")

from surveys import models, routes  # noqa: E402,F401  (registers the views and models)


def init_app(app: Flask) -> None:
    """Register the blueprint (and, once built, this feature's part of the demo)."""
    app.register_blueprint(bp)
