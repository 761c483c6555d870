"""The completion report: a blueprint of its own."""

from flask import Blueprint

bp = Blueprint("reports", __name__, template_folder="templates")

from reports import routes  # noqa: E402,F401  (registers the views on bp)
