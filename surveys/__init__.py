"""The post-event evaluation survey: a blueprint of its own."""

from flask import Blueprint, Flask

bp = Blueprint("surveys", __name__, template_folder="templates")

from surveys import models, public, result_routes, routes  # noqa: E402,F401  (views, models)


def init_app(app: Flask) -> None:
    """Register the blueprint and this feature's part of the demo."""
    from surveys.demo import add_demo_survey
    from symposium.demo import add_demo_builder

    app.register_blueprint(bp)
    add_demo_builder(app, add_demo_survey)
