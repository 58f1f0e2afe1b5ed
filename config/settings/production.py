"""Production: PostgreSQL, Redis, a separate Celery worker and beat, behind TLS."""

from config.settings.base import *  # noqa: F403
from config.settings.base import env
from config.structured_logs import logging_config

DEBUG = False
SECRET_KEY = env("SECRET_KEY")
# Encrypts the webhook endpoint secrets. Set it apart from SECRET_KEY, so that SECRET_KEY can be
# rotated without making the stored secrets unreadable (unset, a key is derived from SECRET_KEY).
WEBHOOK_SECRET_KEY = env("WEBHOOK_SECRET_KEY", default="")
# Receivers in production are reached over https only.
WEBHOOK_ALLOW_HTTP_LOOPBACK = False
# ... nor to addresses inside the network (set it off only for receivers on a private network).
WEBHOOK_REFUSE_PRIVATE_ADDRESSES = env.bool("WEBHOOK_REFUSE_PRIVATE_ADDRESSES", default=True)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")

# The default storage (the file system, or the S3 bucket when AWS_STORAGE_BUCKET_NAME is set) is
# chosen in base.py; static files are served by WhiteNoise from the image.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# Identity providers are reached over TLS only.
SSO_ALLOW_HTTP_ISSUERS = False

LOG_FORMAT = env("LOG_FORMAT", default="json")
LOGGING = logging_config(log_format=LOG_FORMAT, level=LOG_LEVEL)  # noqa: F405

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
