"""The WSGI entry point: ``gunicorn wsgi:app`` (Flask's CLI finds this file by itself)."""

import gc

from symposium import create_app
from symposium.config import ConfigurationError

try:
    app = create_app()
except ConfigurationError as error:  # a setting that cannot work: say which, not a traceback
    raise SystemExit(f"symposium cannot start: {error}") from None

# What starting made (modules, the app, the ORM's mappers: some 190,000 objects) lives as long as
# the process. Frozen, the garbage collector's full collections no longer scan it again and
# again while requests are served (they cost a worker a third of a millisecond per registration,
# averaged, on a machine like ours).
gc.freeze()
