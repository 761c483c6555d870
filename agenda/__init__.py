"""Agenda and calendars: the duration-based agenda builder, the time-zone planner across economies, and iCalendar and PDF exports."""

from flask import Blueprint

bp = Blueprint("agenda", __name__, template_folder="templates")

from agenda import routes  # noqa: E402,F401  (registers the views on bp)
