"""Post-event survey: the evaluation questionnaire, personal invitations to attendees and the results."""

from flask import Blueprint

bp = Blueprint("surveys", __name__, template_folder="templates")

from surveys import routes  # noqa: E402,F401  (registers the views on bp)
