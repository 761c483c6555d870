"""Nominations, registrations and attendance: the General Information Circular, focal points, nominations by economy, registration with a waiting list, participant lists and attendance imported from Zoom or Teams."""

from flask import Blueprint

bp = Blueprint("registration", __name__, template_folder="templates")

from registration import routes  # noqa: E402,F401  (registers the views on bp)
