"""Settings shared by every run mode. Everything configurable comes from the environment."""

from __future__ import annotations

import logging
from pathlib import Path

import environ
from csp.constants import NONE, SELF

from config.error_reporting import init_error_reporting
from config.structured_logs import configure_structlog, logging_config

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("SECRET_KEY", default="insecure-embedded-key-only-for-local-use")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "template_partials",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "csp",
    "django_structlog",
    "pgtrigger",
    # The product's apps, lowest layer first (see the import-linter contracts in pyproject.toml).
    "accounts",
    "questionnaires",
    "vendors",
    "procurement",
    "reports",
    "search",
    "portal",
    "api",
]

MIDDLEWARE = [
    # First, so that every response (redirects and refusals too) gets its one log line.
    "django_structlog.middlewares.RequestMiddleware",
    "config.log_context.RequestLogContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "accounts.middleware.CurrentOrganizationMiddleware",
    "accounts.two_factor.TwoFactorMiddleware",
    # Last, so that a locked-out login never reaches the view.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.organization",
                "procurement.context_processors.notifications",
            ],
        },
    },
    {
        # Only the vendor portal's question markup (templates/jinja2/), rendered dozens of times a page.
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates" / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {"environment": "portal.templating.environment"},
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The embedded default serves a handful of people at once. WAL lets readers go on while one
    # request writes; IMMEDIATE takes the write lock when a transaction starts, so two writers queue
    # for `timeout` seconds instead of one failing at once with "database is locked" (a read lock
    # cannot be upgraded while another connection writes, and SQLite does not wait for that case).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": env.int("SQLITE_TIMEOUT_SECONDS", default=20),
        }
    )
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Single sign-on (OpenID Connect, one identity provider per organization). The client secrets are
# encrypted with a key derived from SSO_ENCRYPTION_KEY, or from SECRET_KEY when that is unset.
SSO_ENCRYPTION_KEY = env("SSO_ENCRYPTION_KEY", default="")
# Seconds allowed for each call to an identity provider (discovery, keys, token exchange).
SSO_HTTP_TIMEOUT = env.int("SSO_HTTP_TIMEOUT", default=5)
# Seconds of clock difference tolerated on an ID token's exp and iat.
SSO_CLOCK_LEEWAY = env.int("SSO_CLOCK_LEEWAY", default=60)
# Minutes a started single sign-on may take at the identity provider before it must start again.
SSO_FLOW_MINUTES = env.int("SSO_FLOW_MINUTES", default=10)
# Only https issuers, except where a local test provider runs over plain http.
SSO_ALLOW_HTTP_ISSUERS = env.bool("SSO_ALLOW_HTTP_ISSUERS", default=DEBUG)
# Roles whose members must use a second factor (TOTP) in every organization they belong to.
TWO_FACTOR_REQUIRED_ROLES = env.list("TWO_FACTOR_REQUIRED_ROLES", default=["admin"])
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="Clinical AI Due Diligence")
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# Sessions end after a period without activity: shared workstations are common in hospitals.
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_SECONDS", default=60 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# The number of reverse proxies in front of the web process that append to X-Forwarded-For; the
# client address is the entry that many places from the right (0: REMOTE_ADDR, no proxy).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# Failed logins: lock the username+IP pair after five attempts for 30 minutes.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 0.5
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Password spraying (one password against many usernames) pauses the address itself: failures
# across all usernames from one address within the window (accounts.services.sign_in).
SIGN_IN_ADDRESS_FAILURE_LIMIT = (env.int("SIGN_IN_ADDRESS_FAILURE_LIMIT", default=30), 30 * 60)
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "accounts.client.client_ip"
# No "AXES: BEGIN" banner on every manage.py command; lockouts are still logged as warnings.
AXES_VERBOSE = False

LANGUAGE_CODE = "en-us"
TIME_ZONE = env("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Evidence files and rendered reports live outside the web root and are only served through
# views that check access; nothing under MEDIA_ROOT is ever exposed by URL directly.
PRIVATE_STORAGE_ROOT = Path(env("PRIVATE_STORAGE_ROOT", default=str(BASE_DIR / "var" / "private")))
MEDIA_ROOT = PRIVATE_STORAGE_ROOT
# No URL of the app serves this prefix; files are streamed by views that check access.
MEDIA_URL = "/_private/"

# Object storage: with a bucket named, evidence files and rendered reports go to an S3-compatible
# store (MinIO in docker-compose.yml, a cloud bucket in production) instead of PRIVATE_STORAGE_ROOT,
# so every web and worker host sees the same files. The objects stay private (no ACL is set, so the
# bucket's own private default applies) and the app never hands out their URLs: downloads are read
# back, checked against their SHA-256 and streamed by views that check access.
AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            # Empty for AWS itself; the store's URL for MinIO or another S3-compatible service.
            "endpoint_url": env("AWS_S3_ENDPOINT_URL", default="") or None,
            "region_name": env("AWS_S3_REGION_NAME", default="") or None,
            # Empty keys: boto3 finds credentials itself (instance profile, IRSA, ~/.aws).
            "access_key": env("AWS_ACCESS_KEY_ID", default="") or None,
            "secret_key": env("AWS_SECRET_ACCESS_KEY", default="") or None,
            # "path" for MinIO and most self-hosted stores, "virtual" for AWS.
            "addressing_style": env("AWS_S3_ADDRESSING_STYLE", default="") or None,
            "location": env("AWS_S3_PREFIX", default=""),
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
            "signature_version": "s3v4",
        },
    }

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Due Diligence <no-reply@localhost>")
# The address in invite links and e-mails. Unset, it is the development server's own address
# (`make run ADDRESS=127.0.0.1:8123` passes it as DEV_SERVER_ADDRESS), so links printed to the
# console open on the port actually served.
DEV_SERVER_ADDRESS = env("DEV_SERVER_ADDRESS", default="127.0.0.1:8000")
SITE_URL = env("SITE_URL", default=f"http://{DEV_SERVER_ADDRESS}")

REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery: with no broker configured the tasks run in-process, so a laptop needs no Redis.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=None)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# An unacknowledged task (its worker died) goes back to the queue after `visibility_timeout`
# seconds; workers look for such tasks every `unacked_restore_interval` seconds.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
    "unacked_restore_interval": env.int("CELERY_UNACKED_RESTORE_INTERVAL", default=60),
    "unacked_restore_throttle": 1,
}
CELERY_TASK_IGNORE_RESULT = True
# Producers and workers of one deployment share this queue; a test gives its worker and beat their own.
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", default="celery")
# Workers and beat log through LOGGING below, in the same format as the web process.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# Scoring: hard and soft time limits of one scoring task, and an artificial pause inside a run that
# only fault-injection tests set (to kill a worker in the middle of a run).
SCORING_TIME_LIMIT = env.int("SCORING_TIME_LIMIT", default=90)
SCORING_SOFT_TIME_LIMIT = env.int("SCORING_SOFT_TIME_LIMIT", default=60)
SCORING_FAULT_DELAY_SECONDS = env.float("SCORING_FAULT_DELAY_SECONDS", default=0)
# The same for report rendering: the topology test kills a worker in the middle of a render.
REPORT_FAULT_DELAY_SECONDS = env.float("REPORT_FAULT_DELAY_SECONDS", default=0)
# How often beat runs the scoring outbox sweep.
SCORING_SWEEP_SECONDS = env.float("SCORING_SWEEP_SECONDS", default=60)
# How often beat queues again the invite e-mails that could not reach the broker.
INVITE_EMAIL_SWEEP_SECONDS = env.float("INVITE_EMAIL_SWEEP_SECONDS", default=300)
# Beat's heartbeat for /healthz: sent this often, and beat counts as down once the last one is older
# than BEAT_STALE_SECONDS.
BEAT_HEARTBEAT_SECONDS = env.float("BEAT_HEARTBEAT_SECONDS", default=60)
BEAT_STALE_SECONDS = env.float("BEAT_STALE_SECONDS", default=300)

# The hour (server time zone) at which beat sends the daily notification digest.
NOTIFICATION_DIGEST_HOUR = env.int("NOTIFICATION_DIGEST_HOUR", default=7)
# The hour at which beat opens the re-assessments whose time has come (once a day).
REASSESSMENT_HOUR = env.int("REASSESSMENT_HOUR", default=6)
# A number of seconds here replaces the daily runs of the lifecycle's jobs (re-assessments, evidence
# expiry, remediation reminders) by runs that often (tests, demos); each job is idempotent per day.
LIFECYCLE_CHECK_SECONDS = env.float("LIFECYCLE_CHECK_SECONDS", default=0)

INVITE_EXPIRY_DAYS = env.int("INVITE_EXPIRY_DAYS", default=30)

# Webhooks. Endpoint secrets are encrypted at rest with a key derived from WEBHOOK_SECRET_KEY (by
# default from SECRET_KEY, so changing SECRET_KEY without setting this makes stored secrets
# unreadable: set it explicitly in production). A failed delivery is tried again after each of the
# WEBHOOK_RETRY_DELAYS (seconds), then marked failed: by default 6 attempts over about an hour.
WEBHOOK_SECRET_KEY = env("WEBHOOK_SECRET_KEY", default="")
WEBHOOK_RETRY_DELAYS = env.list("WEBHOOK_RETRY_DELAYS", cast=float, default=[60, 300, 600, 1200, 1800])
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=5)
# How often beat sends again the deliveries that are due but whose task never reached a worker.
WEBHOOK_SWEEP_SECONDS = env.float("WEBHOOK_SWEEP_SECONDS", default=60)
# Plain http is accepted for loopback receivers only, and not at all where this is off (production).
WEBHOOK_ALLOW_HTTP_LOOPBACK = env.bool("WEBHOOK_ALLOW_HTTP_LOOPBACK", default=True)
# Where on, no request goes to a host that resolves to a loopback, private or reserved address (so
# a webhook cannot be aimed at the servers inside the hospital's network or the cloud metadata).
WEBHOOK_REFUSE_PRIVATE_ADDRESSES = env.bool("WEBHOOK_REFUSE_PRIVATE_ADDRESSES", default=False)
# An invite link keeps working at least this many days past the evaluation's due date.
INVITE_GRACE_DAYS = env.int("INVITE_GRACE_DAYS", default=7)
EVIDENCE_MAX_BYTES = env.int("EVIDENCE_MAX_BYTES", default=25 * 1024 * 1024)
# A CHAI Applied Model Card larger than this is refused before it is parsed.
MODEL_CARD_MAX_BYTES = env.int("MODEL_CARD_MAX_BYTES", default=1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Strict CSP: no inline script or style anywhere; every asset is served by the app itself.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "api.schema.ApiAutoSchema",
    "DEFAULT_PAGINATION_CLASS": "api.pagination.ApiPagination",
    "PAGE_SIZE": 50,
    # Closed by default: every API view names its authentication and the permission of each action.
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.ApiTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.HasOrgPerm"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "api.errors.api_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
# Requests per caller: "vendor" per client address on the invite-token endpoints, "token" per API token.
API_THROTTLE_RATES = {
    "vendor": env("API_VENDOR_RATE", default="120/min"),
    "token": env("API_TOKEN_RATE", default="600/min"),
}
# Failed token authentications per client address: (attempts, window in seconds), then 429.
API_AUTH_FAILURE_LIMIT = (env.int("API_AUTH_FAILURE_LIMIT", default=20), 15 * 60)
SPECTACULAR_SETTINGS = {
    "TITLE": "Clinical AI Due Diligence API",
    "DESCRIPTION": (
        "Evaluations of clinical AI vendors for procurement and GRC systems. Organization endpoints take a "
        "personal API token (`Authorization: Bearer …`); vendor endpoints take the invite token "
        "(`Authorization: Invite …`). Every error has the body "
        '`{"errors": [{"path": …, "message": …, "code": …}]}`.'
    ),
    "VERSION": "1.0.0",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SERVE_INCLUDE_SCHEMA": False,
    "ENUM_NAME_OVERRIDES": {
        "EvaluationStatusEnum": "procurement.models.Evaluation.Status",
        "TemplateStatusEnum": "questionnaires.models.Template.Status",
        "ScoreRunStatusEnum": "procurement.models.ScoreRun.Status",
        "RiskTierEnum": "procurement.models.Evaluation.RiskTier",
        "RemediationStatusEnum": "procurement.models.RemediationItem.Status",
        "RemediationSourceEnum": "procurement.models.RemediationItem.Source",
        "ModelVersionActionEnum": "procurement.models.ModelVersion.Action",
        "TemplateUpgradeActionEnum": ["keep", "confirm", "archive", "choice_removed", "empty"],
    },
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "api.schema.postprocess"],
    "SWAGGER_UI_DIST": "SIDECAR",
    # Deep links put a link inside each operation's expand button, which screen readers and
    # keyboards cannot tell apart (axe: nested-interactive).
    "SWAGGER_UI_SETTINGS": {"deepLinking": False},
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Logs: one JSON object per line in production (LOG_FORMAT=json), console lines elsewhere. Invite
# and API tokens are redacted from every line (config.log_filters); see config.log_context for what
# a request's or a task's line carries.
LOG_FORMAT = env("LOG_FORMAT", default="console")
LOG_LEVEL = env("LOG_LEVEL", default="INFO")
LOGGING = logging_config(log_format=LOG_FORMAT, level=LOG_LEVEL)
configure_structlog()
# The client address comes from accounts.client (TRUSTED_PROXY_COUNT), not from django-ipware,
# which would believe any X-Forwarded-For.
DJANGO_STRUCTLOG_IP_LOGGING_ENABLED = False
# One line per request (request_finished); request_started only at DEBUG.
DJANGO_STRUCTLOG_STATUS_START_LOG_LEVEL = logging.DEBUG
# Published tasks carry the request's context (request_id, user_id, organization, invite_id).
DJANGO_STRUCTLOG_CELERY_ENABLED = True

# Error reporting to Sentry, only when SENTRY_DSN is set; events are scrubbed of tokens, answers and
# file names before they leave (config.error_reporting).
SENTRY_DSN = env("SENTRY_DSN", default="")
if SENTRY_DSN:
    init_error_reporting(
        dsn=SENTRY_DSN,
        environment=env("SENTRY_ENVIRONMENT", default="production"),
        release=env("SENTRY_RELEASE", default=""),
        sample_rate=env.float("SENTRY_SAMPLE_RATE", default=1.0),
    )
