"""The circular and nominations by economy: a blueprint of its own."""

from flask import Blueprint

bp = Blueprint("registration", __name__, template_folder="templates")

from registration import routes  # noqa: E402,F401  (registers the views on bp)
