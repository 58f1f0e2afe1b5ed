"""Embedded default: SQLite, in-process Celery, e-mail to the console. Used by `make run`."""

from config.settings.base import *  # noqa: F403
from config.settings.base import env

DEBUG = env.bool("DEBUG", default=True)

# The demo organization and its seed command exist only where demo data belongs.
INSTALLED_APPS = [*INSTALLED_APPS, "demo"]  # noqa: F405
