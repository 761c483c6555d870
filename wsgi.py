"""The WSGI entry point: ``gunicorn wsgi:app`` (Flask's CLI finds this file by itself)."""

from symposium import create_app

app = create_app()
