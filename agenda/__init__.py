"""The agenda and its calendars: days of items, speakers, the time-zone planner, exports."""

from flask import Blueprint, Flask

bp = Blueprint(
    "agenda",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/agenda-static",
)

from agenda import models, privacy, public, routes, setup_changes  # noqa: E402,F401  (views, hooks)


def init_app(app: Flask) -> None:
    """Register the blueprint and the agenda's part of the demo."""
    from agenda.demo import add_demo_agenda
    from symposium.demo import add_demo_builder

    app.register_blueprint(bp)
    add_demo_builder(app, add_demo_agenda)
