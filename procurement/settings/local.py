"""Embedded default: SQLite, in-process Celery, e-mail to the console. Used by `make run`."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
