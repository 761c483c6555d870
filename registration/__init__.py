"""The circular and nominations by economy: a blueprint of its own."""

from flask import Blueprint, Flask

bp = Blueprint("registration", __name__, template_folder="templates")

from registration import routes  # noqa: E402,F401  (registers the views on bp)


def init_app(app: Flask) -> None:
    """Register the blueprint (and, once built, this feature's part of the demo)."""
    app.register_blueprint(bp)
