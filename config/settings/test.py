"""Test settings: the same back-ends as the run mode (SQLite, or PostgreSQL/Redis when set)."""

from config.settings.base import *  # noqa: F403
from config.settings.base import BASE_DIR, DATABASES, env

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# A real worker process started by a test writes its e-mails to files there, for the test to read.
if env("TEST_WORKER_EMAIL_DIR", default=""):
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = env("TEST_WORKER_EMAIL_DIR")
# Eager unless a test starts real worker and beat processes, which must publish to the broker.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
AXES_ENABLED = env.bool("AXES_ENABLED", default=False)
# The tests' OpenID provider listens on plain http on the loopback interface.
SSO_ALLOW_HTTP_ISSUERS = True

if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # A file, not memory, so that a real Celery worker process can open the same test database.
    (BASE_DIR / "var").mkdir(exist_ok=True)
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "var" / "test-db.sqlite3")}
    PRIVATE_STORAGE_ROOT = BASE_DIR / "var" / "test-private"
else:
    # Its own folder, so that a PostgreSQL run beside a SQLite run in one checkout never sees its files.
    PRIVATE_STORAGE_ROOT = BASE_DIR / "var" / "test-private-postgresql"
MEDIA_ROOT = PRIVATE_STORAGE_ROOT

# The demo organization and its seed command exist only where demo data belongs.
INSTALLED_APPS = [*INSTALLED_APPS, "demo"]  # noqa: F405
