"""The post-event evaluation survey: a blueprint of its own."""

from flask import Blueprint

bp = Blueprint("surveys", __name__, template_folder="templates")

from surveys import routes  # noqa: E402,F401  (registers the views on bp)
