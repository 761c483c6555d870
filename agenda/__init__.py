"""The agenda and its calendars: a blueprint of its own."""

from flask import Blueprint

bp = Blueprint("agenda", __name__, template_folder="templates")

from agenda import routes  # noqa: E402,F401  (registers the views on bp)
