"""Settings shared by every environment.

Every value that differs between machines is read here, from the environment, once;
``local``, ``test`` and ``production`` only change defaults.
"""

import datetime
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()

# --- Core -------------------------------------------------------------------------

# Development mode; the local settings default it on, production off.
DEBUG = env.bool("DJANGO_DEBUG", default=False)
# Required when DEBUG is off: the service refuses to start without it.
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not DEBUG and not SECRET_KEY:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off.")
# Host names this service answers to, comma-separated.
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
# Absolute base URL used for links in emails and feeds.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
# Path of the staff admin.
ADMIN_URL = env.str("DJANGO_ADMIN_URL", default="admin/")

# --- Database ---------------------------------------------------------------------

# With no DATABASE_URL the service runs on an embedded SQLite file.
DATABASES = {
    "default": env.db(
        "DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'tracker.sqlite3'}"
    )
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Reuse connections, but check them before use so a restarted server is survived.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
else:
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("timeout", 20)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Applications -----------------------------------------------------------------

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "csp",
    "axes",
    "agencies",
    "rulings",
    "tracker",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # A database that cannot be reached is a 503 with Retry-After, never a 500.
    "tracker.health.DatabaseUnavailableMiddleware",
    # Before WhiteNoise, so static files carry the policy too.
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # NUL characters and invalid UTF-8 in a query string or JSON body are a 400 here.
    "tracker.api.validation.RejectMalformedTextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: turns a locked-out login into its 429 page.
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
            ],
        },
    },
]

# django-axes first: it refuses a locked-out username and address before any password check.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- Browser security ------------------------------------------------------------

# Content Security Policy (django-csp): scripts, styles and everything else only from this
# site; no inline script or style, no framing, forms post only here. ``data:`` images are
# the icons that the Swagger UI's stylesheet embeds.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
# Nothing is uploaded anywhere: file parts of a multipart post are read and dropped,
# never kept in memory or written to disk.
FILE_UPLOAD_HANDLERS = []

# --- Staff login lockout (django-axes) ---------------------------------------------

# Failed logins of one username from one address before that pair is locked out.
AXES_FAILURE_LIMIT = env.int("DJANGO_LOGIN_FAILURE_LIMIT", default=5)
# Minutes a locked-out username and address wait before they may try again.
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("DJANGO_LOGIN_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True

# --- Email ------------------------------------------------------------------------

# smtp://host:port (smtp+tls:// for STARTTLS, smtps:// for implicit TLS); with none set,
# mail is written as files under var/mail so it can be read.
EMAIL_URL = env.str("EMAIL_URL", default="")
if EMAIL_URL:
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = BASE_DIR / "var" / "mail"
EMAIL_TIMEOUT = 20
# Sender address of digests and confirmations.
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="tracker@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery -----------------------------------------------------------------------

# With no broker, jobs run in-process as they are enqueued (the embedded default).
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
if CELERY_TASK_ALWAYS_EAGER:
    CELERY_BROKER_URL = "memory://"  # never used: eager jobs do not touch a broker
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "UTC"
# Late acknowledgement means an unacked task is redelivered after this many seconds;
# every task's time limit and retry countdown stays far below it.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    "socket_connect_timeout": 2,
    # Seconds a publish may wait on a broker that hangs: an edit answers within a few seconds.
    "socket_timeout": 2,
}
# Publishing must fail fast when the broker is down: the outbox row makes up for it.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Seconds between full flag reconciliations (hourly by default).
FLAGS_RECONCILE_INTERVAL = env.int("FLAGS_RECONCILE_INTERVAL", default=3600)
# Seconds between sweeps of recomputes that were written but not yet done.
FLAGS_SWEEP_INTERVAL = env.int("FLAGS_SWEEP_INTERVAL", default=30)
# Seconds between heartbeats of the background jobs; /readyz fails after three are missed.
HEARTBEAT_INTERVAL = env.int("HEARTBEAT_INTERVAL", default=30)

# --- Digests ----------------------------------------------------------------------

# When the digests go out: crontab fields "minute hour day-of-month month day-of-week", UTC.
DIGESTS_DAILY_CRON = env.str("DIGESTS_DAILY_CRON", default="0 7 * * *")
DIGESTS_WEEKLY_CRON = env.str("DIGESTS_WEEKLY_CRON", default="0 7 * * mon")
# Subscribers per batch task (one SMTP connection per batch).
DIGESTS_BATCH_SIZE = env.int("DIGESTS_BATCH_SIZE", default=500)
# Seconds a confirmation link stays valid.
DIGESTS_CONFIRM_MAX_AGE = env.int("DIGESTS_CONFIRM_MAX_AGE", default=3 * 24 * 3600)
# Seconds before a repeated subscription request may send another email to that address.
DIGESTS_CONFIRM_RESEND_INTERVAL = env.int("DIGESTS_CONFIRM_RESEND_INTERVAL", default=3600)
# Subscription requests allowed per client IP address per hour (form and API together).
DIGESTS_SUBSCRIBE_RATE = env.int("DIGESTS_SUBSCRIBE_RATE", default=20)
# Sending attempts before a digest is given up as failed (its rulings stay recorded).
DIGESTS_MAX_SEND_ATTEMPTS = env.int("DIGESTS_MAX_SEND_ATTEMPTS", default=8)
# Seconds between sweeps for digests built but never tried (their batch's worker died).
DIGESTS_SWEEP_INTERVAL = env.int("DIGESTS_SWEEP_INTERVAL", default=60)
# Seconds after being built that a digest never tried counts as abandoned by its batch.
DIGESTS_SWEEP_AFTER = env.int("DIGESTS_SWEEP_AFTER", default=60)

# --- REST framework ---------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.DjangoModelPermissionsOrAnonReadOnly"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # JSON only: the API takes no form posts and no file uploads.
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "tracker.api.schema.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "tracker.api.pagination.PageNumberPagination",
    "EXCEPTION_HANDLER": "tracker.api.exceptions.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "tracker.api.throttling.AnonRateThrottle",
        "tracker.api.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        # Requests per anonymous client (by IP address).
        "anon": env.str("API_THROTTLE_ANON", default="100/minute"),
        # Requests per authenticated user.
        "user": env.str("API_THROTTLE_USER", default="1000/minute"),
    },
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Regulatory-status tracker API",
    "DESCRIPTION": (
        "Public agencies that used a facial-recognition search built on scraped photos, "
        "the regulators that ruled on that use, and the flags that follow."
    ),
    "VERSION": "1.0.0",
    # The docs page loads Swagger UI from this site's static files, so the CSP stays 'self'.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        # OpenAPI links between operations (a created record -> read it, change it).
        "tracker.api.schema.add_links",
    ],
    "SERVE_INCLUDE_SCHEMA": False,
    # Separate request and response components, so read-only fields stay out of requests.
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "RulingStatusEnum": "rulings.models.Ruling.Status",
        "RulingOutcomeEnum": "rulings.models.Ruling.Outcome",
        "RulingScopeEnum": "rulings.models.Ruling.Scope",
        "AgencyKindEnum": "agencies.models.Agency.Kind",
        "FlagSeverityEnum": "tracker.models.flags.Flag.Severity",
        "FlagTimingEnum": "tracker.models.flags.Flag.Timing",
        "JurisdictionLevelEnum": "agencies.jurisdictions.Level",
    },
}

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
}
