"""The circular and nominations by economy: a blueprint of its own."""

from flask import Blueprint, Flask

bp = Blueprint(
    "registration",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/registration-static",
)

from registration import (  # noqa: E402,F401  (registers the views and the models)
    attendance_models,
    attendance_routes,
    circular_routes,
    focal_point_routes,
    nomination_routes,
    participant_routes,
    public,
    registration_routes,
)


def init_app(app: Flask) -> None:
    """Register the blueprint and this feature's part of the demo."""
    from registration.demo import add_demo_circular, add_demo_registrations
    from symposium.demo import add_demo_builder

    app.register_blueprint(bp)
    add_demo_builder(app, add_demo_circular)
    add_demo_builder(app, add_demo_registrations)
