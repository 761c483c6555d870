"""The completion report: a blueprint of its own, and the ``flask report`` commands."""

from flask import Blueprint, Flask

bp = Blueprint("reports", __name__, template_folder="templates")

from reports import routes  # noqa: E402,F401  (registers the views on bp)


def init_app(app: Flask) -> None:
    """Register the blueprint and the ``flask report`` command group."""
    from reports.cli import report_cli

    app.register_blueprint(bp)
    app.cli.add_command(report_cli)
