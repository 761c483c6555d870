"""The WSGI entry point: ``gunicorn wsgi:app`` (Flask's CLI finds this file by itself)."""

from symposium import create_app
from symposium.config import ConfigurationError

try:
    app = create_app()
except ConfigurationError as error:  # a setting that cannot work: say which, not a traceback
    raise SystemExit(f"symposium cannot start: {error}") from None
