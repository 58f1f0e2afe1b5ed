"""The production settings as the topology test runs them: identical but for the static files.

The image runs collectstatic at build time for WhiteNoise's compressed manifest, which takes minutes
on a busy 2-core machine; the test serves the static files unhashed from the source folders instead.
Every other setting (storage, broker, database, security) is production's.
"""

from config.settings.production import *  # noqa: F403
from config.settings.production import STORAGES

STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
