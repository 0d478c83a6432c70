"""Django settings, read from the environment (see README "Environment variables")."""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from marketplace.env import env_bool, env_float, env_int, env_list, env_str
from marketplace.ids import ID_SCHEMA

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

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
    "drf_spectacular_sidecar",  # Swagger UI from our static files (CSP: no CDN)
    "csp",
    "django_htmx",
    "marketplace",
    "factories",
    "orders",
    "matching",
    "production",
    "shops",
    # tooling apart from the product, which never imports them: the demo data and screenshots
    # (seed_demo, screenshots) and the database benchmarks (matching_bench, bulk_upload_bench)
    "demo",
    "bench",
]

MIDDLEWARE = [
    # first: every later log line of the request carries its id (marketplace/logging.py)
    "marketplace.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "marketplace.security.RequestSizeLimitMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # a signed-in user's language (marketplace/languages.py)
    "marketplace.languages.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "web.urls"
WSGI_APPLICATION = "marketplace.wsgi.application"
ASGI_APPLICATION = "marketplace.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "marketplace.context_processors.unread_notifications",
            ],
        },
    },
]

# Database: DATABASE_URL, default a SQLite file in the repository (git-ignored).
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share the file: WAL and immediate transactions avoid
    # "database is locked" on concurrent writes.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

AUTH_USER_MODEL = "marketplace.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/dashboard/"
LOGOUT_REDIRECT_URL = "/"

# Chinese first; English for everyone who asks for it (browser, or the language switcher).
LANGUAGE_CODE = env_str("LANGUAGE_CODE", "zh-hans")
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Uploads (milestone photos). Served by Django only when DEBUG is on; in production by the
# proxy (docs/operations.md).
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT") or BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # the user's language when the request names none (marketplace/languages.py)
        "marketplace.languages.TokenAuthentication",
        "marketplace.languages.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": env_int("API_PAGE_SIZE", 50),
    "DEFAULT_FILTER_BACKENDS": [
        "marketplace.filters.FilterBackend",  # ids and date-times checked (filters.py)
        "rest_framework.filters.OrderingFilter",
    ],
    # documents the error answers (400/401/403/404/409/413/429/503) of every operation
    "DEFAULT_SCHEMA_CLASS": "marketplace.schema.AutoSchema",
    # Rates of the throttles in marketplace/throttling.py ("N/second|minute|hour|day").
    "DEFAULT_THROTTLE_RATES": {
        # password guesses: the login page and POST /api/auth/token/, per client address
        "login": env_str("THROTTLE_LOGIN_RATE", "10/minute"),
        # sign-ups: the register page and POST /api/auth/register/, per client address
        "register": env_str("THROTTLE_REGISTER_RATE", "20/hour"),
        # match runs started by hand (API and staff page), per user
        "match_runs": env_str("THROTTLE_MATCH_RUN_RATE", "30/hour"),
        # what-ifs asked for through the API, per user
        "what_ifs": env_str("THROTTLE_WHAT_IF_RATE", "30/hour"),
        # instant quotes (API and the order form as the seller types), per user
        "quotes": env_str("THROTTLE_QUOTE_RATE", "120/minute"),
    },
    # Proxies in front of the app that append to X-Forwarded-For (0: use REMOTE_ADDR, so
    # that a client cannot dodge the throttles with a forged header).
    "NUM_PROXIES": env_int("NUM_PROXIES", 0),
    "EXCEPTION_HANDLER": "marketplace.errors.api_exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Idle-capacity manufacturing marketplace API",
    "DESCRIPTION": (
        "Factories post idle capacity, sellers post production orders, "
        "an OR-Tools optimizer matches them."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI and Redoc from drf-spectacular-sidecar's static files, not a CDN (CSP)
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "OrderStatusEnum": "orders.models.OrderStatus",
        "MatchRunStatusEnum": "matching.models.MatchRunStatus",
        "AssignmentStatusEnum": "matching.models.AssignmentStatus",
        "RoleEnum": "marketplace.models.Role",
        "DeclineReasonEnum": "matching.models.DeclineReason",
        "UnmatchedReasonEnum": "orders.models.UnmatchedReason",
        "MilestoneKindEnum": "orders.models.MilestoneKind",
        "OrderEventActionEnum": "orders.models.OrderEventAction",
        "SelfServiceRoleEnum": "marketplace.services.SELF_SERVICE_ROLE_CHOICES",
        "WhatIfKindEnum": "matching.models.WhatIfKind",
        "DisputeReasonEnum": "production.models.DisputeReason",
    },
    # the path ids of marketplace.routers.IdRouter
    "PATH_CONVERTER_OVERRIDES": {"id": ID_SCHEMA},
}

# --- Marketplace rules ----------------------------------------------------
# Capacity windows and due dates may reach this far ahead.
PLANNING_HORIZON_DAYS = env_int("PLANNING_HORIZON_DAYS", 730)

# --- After the match: offers, production, scores, notifications -------------
# An offer lapses this long after it is made (the order is then matched elsewhere).
OFFER_EXPIRY_HOURS = env_float("OFFER_EXPIRY_HOURS", 24.0)
# A factory that lets this many offers in a row expire is paused until its owner resumes.
FACTORY_AUTO_PAUSE_AFTER_EXPIRED = env_int("FACTORY_AUTO_PAUSE_AFTER_EXPIRED", 3)
# A factory may answer an offer with a counter-offer: a unit price at most this many percent
# above the offer's and a finish at most this many days after the offer's; the seller has
# this many hours to answer it (then it lapses and the order is matched again).
COUNTER_MAX_PRICE_INCREASE_PERCENT = env_int("COUNTER_MAX_PRICE_INCREASE_PERCENT", 20)
COUNTER_MAX_EXTRA_DAYS = env_int("COUNTER_MAX_EXTRA_DAYS", 14)
COUNTER_EXPIRY_HOURS = env_float("COUNTER_EXPIRY_HOURS", 24.0)
# Milestone photos: at most this many bytes, of these image formats (Pillow names).
MILESTONE_PHOTO_MAX_BYTES = env_int("MILESTONE_PHOTO_MAX_BYTES", 5 * 1024 * 1024)
MILESTONE_PHOTO_FORMATS = env_list("MILESTONE_PHOTO_FORMATS", ["JPEG", "PNG", "WEBP"])
MILESTONE_PHOTO_MAX_PIXELS = env_int("MILESTONE_PHOTO_MAX_PIXELS", 40_000_000)
# A milestone is late (and the factory reminded) this many days after it was due.
MILESTONE_REMINDER_GRACE_DAYS = env_int("MILESTONE_REMINDER_GRACE_DAYS", 1)
# Disputes (production/disputes.py): the seller may open one on a part up to this many days
# after confirming delivery.
DISPUTE_WINDOW_DAYS = env_int("DISPUTE_WINDOW_DAYS", 14)
# Probation (factories/probation.py): a new factory takes orders of at most
# PROBATION_MAX_UNITS units and PROBATION_MAX_VALUE CNY until PROBATION_ORDERS of its parts
# were delivered on time without an upheld dispute (0 turns probation off).
PROBATION_ORDERS = env_int("PROBATION_ORDERS", 3)
PROBATION_MAX_UNITS = env_int("PROBATION_MAX_UNITS", 5000)
PROBATION_MAX_VALUE = env_int("PROBATION_MAX_VALUE", 50_000)
# Factory scores (production/scores.py): the last SCORES_RECENT_ORDERS delivered parts
# within SCORES_WINDOW_DAYS, each shrunk towards a prior worth SCORES_PRIOR_WEIGHT orders.
SCORES_WINDOW_DAYS = env_int("SCORES_WINDOW_DAYS", 365)
SCORES_RECENT_ORDERS = env_int("SCORES_RECENT_ORDERS", 50)
SCORES_PRIOR_WEIGHT = env_float("SCORES_PRIOR_WEIGHT", 5.0)
SCORES_PRIOR_QUALITY = env_float("SCORES_PRIOR_QUALITY", 4.0)
SCORES_PRIOR_ON_TIME = env_float("SCORES_PRIOR_ON_TIME", 0.9)
# Track record (production/track_record.py): lead times and delays of each factory's last
# TRACK_RECORD_RECENT_PARTS shipped parts per category, shrunk towards the category's last
# TRACK_RECORD_PRIOR_PARTS parts marketplace-wide, worth TRACK_RECORD_PRIOR_WEIGHT parts;
# the demonstrated daily output replaces the declared one (never above it) for matching
# once DEMONSTRATED_MIN_PARTS parts measured it.
TRACK_RECORD_RECENT_PARTS = env_int("TRACK_RECORD_RECENT_PARTS", 50)
TRACK_RECORD_PRIOR_PARTS = env_int("TRACK_RECORD_PRIOR_PARTS", 1000)
TRACK_RECORD_PRIOR_WEIGHT = env_float("TRACK_RECORD_PRIOR_WEIGHT", 5.0)
DEMONSTRATED_MIN_PARTS = env_int("DEMONSTRATED_MIN_PARTS", 3)
# A sample order may name the bulk quantity expected after it: the factory that accepted the
# sample keeps that much of its capacity (after the sample's finish) for this many days, or
# until the bulk order is placed or the sample rejected (matching/selectors.py). 0: no holds.
SAMPLE_HOLD_DAYS = env_int("SAMPLE_HOLD_DAYS", 14)
# Price guidance (matching/guidance.py): a run's write spends at most this long telling each
# factory owner the prices at which its idle windows would have been filled. 0: none.
MATCHING_PRICE_GUIDANCE_SECONDS = env_float("MATCHING_PRICE_GUIDANCE_SECONDS", 2.0)
# Shops (shops/, docs/shops.md): a webhook delivery older or newer than this is refused; demand
# is units sold a day over the last SHOP_DEMAND_DAYS (at least SHOP_DEMAND_MIN_DAYS since the
# first sale); a production order is drafted when the stock-out day less the P90 lead time
# (SHOP_DEFAULT_LEAD_DAYS without any learned one) and SHOP_REORDER_BUFFER_DAYS has come, for
# SHOP_COVER_DAYS of sales in whole lots.
SHOP_WEBHOOK_TOLERANCE_SECONDS = env_int("SHOP_WEBHOOK_TOLERANCE_SECONDS", 300)
SHOP_DEMAND_DAYS = env_int("SHOP_DEMAND_DAYS", 28)
SHOP_DEMAND_MIN_DAYS = env_int("SHOP_DEMAND_MIN_DAYS", 7)
SHOP_DEFAULT_LEAD_DAYS = env_int("SHOP_DEFAULT_LEAD_DAYS", 21)
SHOP_REORDER_BUFFER_DAYS = env_int("SHOP_REORDER_BUFFER_DAYS", 3)
SHOP_COVER_DAYS = env_int("SHOP_COVER_DAYS", 30)
# Email: the console in development; SMTP (EMAIL_HOST...) when EMAIL_BACKEND says so.
EMAIL_BACKEND = env_str("EMAIL_BACKEND") or (
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend"
)
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH") or str(BASE_DIR / "sent-emails")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "marketplace@localhost")

# --- Bulk upload of orders (orders/bulk_upload.py) -------------------------
BULK_UPLOAD_MAX_ROWS = env_int("BULK_UPLOAD_MAX_ROWS", 10_000)
BULK_UPLOAD_MAX_BYTES = env_int("BULK_UPLOAD_MAX_BYTES", 10 * 1024 * 1024)
# what an XLSX may unpack to (zip-bomb guard)
BULK_UPLOAD_MAX_UNPACKED_BYTES = env_int("BULK_UPLOAD_MAX_UNPACKED_BYTES", 200 * 1024 * 1024)

# --- Security (`manage.py check --deploy` is clean with DEBUG off) ----------
# Behind a TLS-terminating proxy: the header it sets, e.g. "HTTP_X_FORWARDED_PROTO,https".
_proxy_ssl_header = env_list("SECURE_PROXY_SSL_HEADER", [])
if _proxy_ssl_header:
    if len(_proxy_ssl_header) != 2:
        raise ImproperlyConfigured("SECURE_PROXY_SSL_HEADER must be 'HEADER_NAME,value'.")
    SECURE_PROXY_SSL_HEADER = (_proxy_ssl_header[0], _proxy_ssl_header[1])
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = env_str("SECURE_REFERRER_POLICY", "same-origin")
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): everything from our own origin. Inline style
# attributes (calendar bars, htmx's indicator styles, Swagger UI) need 'unsafe-inline' for
# styles; scripts are files only (no inline handlers), images may be data: URIs (admin,
# Swagger UI).
_SELF = "'self'"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [_SELF],
        "script-src": [_SELF],
        "style-src": [_SELF, "'unsafe-inline'"],
        "img-src": [_SELF, "data:"],
        "font-src": [_SELF, "data:"],
        "connect-src": [_SELF],
        "object-src": ["'none'"],
        "base-uri": [_SELF],
        "form-action": [_SELF],
        "frame-ancestors": ["'none'"],
    },
}
if env_str("CSP_REPORT_URI"):
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["report-uri"] = [env_str("CSP_REPORT_URI")]
# Request size: bodies (without files) are read into memory up to DATA_UPLOAD_MAX_MEMORY_SIZE;
# uploaded files above FILE_UPLOAD_MAX_MEMORY_SIZE go to a temporary file. A request larger
# than MAX_REQUEST_BYTES is refused with 413 before it is read (marketplace/security.py);
# it must leave room for the largest upload (bulk upload, milestone photo) plus the form.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 2_621_440)
FILE_UPLOAD_MAX_MEMORY_SIZE = env_int("FILE_UPLOAD_MAX_MEMORY_SIZE", 2_621_440)
MAX_REQUEST_BYTES = env_int(
    "MAX_REQUEST_BYTES", max(BULK_UPLOAD_MAX_BYTES, MILESTONE_PHOTO_MAX_BYTES) + 1024 * 1024
)
if MAX_REQUEST_BYTES < max(BULK_UPLOAD_MAX_BYTES, MILESTONE_PHOTO_MAX_BYTES, 1):
    raise ImproperlyConfigured(
        "MAX_REQUEST_BYTES must leave room for BULK_UPLOAD_MAX_BYTES and MILESTONE_PHOTO_MAX_BYTES."
    )
# Throttle counters (marketplace/throttling.py) and other cached data live in Redis, shared
# by every web process (the local-memory cache would count per process).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env_str("CACHE_URL")
        or env_str("REDIS_URL")
        or env_str("REDIS_DEFAULT_URL")
        or "redis://127.0.0.1:6379/0",
        "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "marketplace"),
    }
}

# --- Matching -------------------------------------------------------------
MATCHING_TIME_LIMIT_SECONDS = env_float("MATCHING_TIME_LIMIT_SECONDS", 10.0)
MATCHING_WORKERS = env_int("MATCHING_WORKERS", 2)
MATCHING_RUSH_WEIGHT = env_int("MATCHING_RUSH_WEIGHT", 4)
# Production starts this many days after the run at the earliest (time to accept).
MATCHING_LEAD_DAYS = env_int("MATCHING_LEAD_DAYS", 1)
# Seconds between scheduled runs (Celery beat); 0 disables the schedule.
MATCHING_SCHEDULE_SECONDS = env_int("MATCHING_SCHEDULE_SECONDS", 300)
# Runs triggered by order or capacity changes wait this long, so bursts coalesce.
MATCHING_EVENT_DELAY_SECONDS = env_int("MATCHING_EVENT_DELAY_SECONDS", 30)
MATCHING_AUTO_RUN_ON_CHANGE = env_bool("MATCHING_AUTO_RUN_ON_CHANGE", True)
# A run with several independent shards has them solved by the Celery workers as a chord.
MATCHING_SHARDS_ON_WORKERS = env_bool("MATCHING_SHARDS_ON_WORKERS", True)
# Stable re-optimisation: an unanswered offer moves to another factory only when that
# saves more than this (fen, 100 fen = 1 CNY) plus this share of its current cost.
MATCHING_MOVE_PENALTY_FEN = env_int("MATCHING_MOVE_PENALTY_FEN", 5_000)
MATCHING_MOVE_THRESHOLD_PERCENT = env_int("MATCHING_MOVE_THRESHOLD_PERCENT", 5)
# Reliability in the objective: a factory of reliability r% (mean of its quality and
# on-time scores) counts (100 - r)% of this share of its unit price dearer.
MATCHING_RELIABILITY_PREMIUM_PERCENT = env_int("MATCHING_RELIABILITY_PREMIUM_PERCENT", 10)
# Fairness (off at 0): a unit placed at a factory whose windows are all free weighs this many
# percent more than one at a fully booked factory (docs/matching.md, "Fairness").
MATCHING_FAIRNESS_PERCENT = env_int("MATCHING_FAIRNESS_PERCENT", 0)
# Acceptance-aware offers (off by default): each capability's share of offers accepted within
# SCORES_WINDOW_DAYS (declines and expiries count against; shrunk towards 80% worth 4 offers)
# scales the solver's stage-1 weight, so offers go where they are likely to be accepted.
MATCHING_ACCEPT_RATES = env_bool("MATCHING_ACCEPT_RATES", False)
# Per-pair acceptance estimates (matching.solver.acceptance): each (order, window) pair weighed
# by the chance, fitted on the answers of the last SCORES_WINDOW_DAYS, that the factory accepts
# that order's offer at its price, distance and the window's load; replaces the capability
# rates above where both are on
MATCHING_PAIR_ACCEPT = env_bool("MATCHING_PAIR_ACCEPT", False)
# Lead times with confidence: an order is planned to finish its factory's learned delay
# before its latest finish, the P90 delay for rush orders (the P50 when this is off), the
# P50 delay for the others (production/track_record.py, docs/matching.md).
MATCHING_RUSH_PLANS_P90 = env_bool("MATCHING_RUSH_PLANS_P90", True)
# Pooling (拼单): orders that allow it, each below a factory's minimum, may share one lot in
# a window whose pooled units reach the minimum (docs/matching.md#pooling-拼单); off: never.
MATCHING_POOLING = env_bool("MATCHING_POOLING", True)
# Attempts of a shard that fails before the whole run is marked failed.
MATCHING_SHARD_RETRIES = env_int("MATCHING_SHARD_RETRIES", 2)
# A run's task that meets a database error (a lock, a lost connection) is retried this many
# times, the n-th retry after a random 0..BACKOFF x 2^n seconds; then the run fails.
MATCHING_TASK_RETRIES = env_int("MATCHING_TASK_RETRIES", 3)
MATCHING_RETRY_BACKOFF_SECONDS = env_int("MATCHING_RETRY_BACKOFF_SECONDS", 2)
# Size caps: a run with more orders to place (open and movable offered) or more eligible
# (order, window) pairs fails at once with a message and writes nothing.
MATCHING_MAX_ORDERS = env_int("MATCHING_MAX_ORDERS", 100_000)
MATCHING_MAX_PAIRS = env_int("MATCHING_MAX_PAIRS", 3_000_000)
# The sweeper (match_run_schedule) sends again a run still queued this long after it was
# due (its message was lost, e.g. Redis restarted without persistence).
MATCHING_RESEND_QUEUED_AFTER_SECONDS = env_int("MATCHING_RESEND_QUEUED_AFTER_SECONDS", 60)
TRANSPORT_KM_PER_DAY = env_float("TRANSPORT_KM_PER_DAY", 500.0)
TRANSPORT_HANDLING_DAYS = env_int("TRANSPORT_HANDLING_DAYS", 1)
TRANSPORT_COST_BASE_FEN_PER_UNIT = env_int("TRANSPORT_COST_BASE_FEN_PER_UNIT", 20)
TRANSPORT_COST_FEN_PER_UNIT_PER_100KM = env_int("TRANSPORT_COST_FEN_PER_UNIT_PER_100KM", 10)

# --- Celery ---------------------------------------------------------------
# Without REDIS_URL, the default address; `make run` (manage.py run_services) probes it and,
# when nothing answers there, starts an embedded Redis and sets REDIS_URL (and the Celery
# URLs) for its processes (marketplace/local_redis.py).
REDIS_DEFAULT_URL = env_str("REDIS_DEFAULT_URL") or "redis://127.0.0.1:6379/0"
REDIS_URL = env_str("REDIS_URL") or REDIS_DEFAULT_URL
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL") or REDIS_URL
# Shard results of a sharded run meet in a chord, which needs a result backend.
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND") or REDIS_URL
CELERY_RESULT_EXPIRES = env_int("CELERY_RESULT_EXPIRES", 3600)
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "marketplace")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Shutdown. SIGTERM is a cold shutdown when the worker runs with REMAP_SIGTERM=SIGQUIT (set
# it in the worker's environment): running tasks get this many seconds to finish, then they
# are cancelled and their messages (acks_late) go straight back to the queue for another
# worker, instead of waiting out the visibility timeout. On idle too, so that tasks held
# for a countdown (retries, delayed runs) are put back as well.
CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT = env_float("CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT", 10.0)
CELERY_WORKER_ENABLE_SOFT_SHUTDOWN_ON_IDLE = True
# The solver runs two stages within MATCHING_TIME_LIMIT_SECONDS; loading and
# writing need a margin on top. The hard limit kills a stuck task; the broker
# only redelivers an unacknowledged task after visibility_timeout, which must
# exceed the hard limit so a running task is never delivered twice.
CELERY_TASK_SOFT_TIME_LIMIT = env_int(
    "CELERY_TASK_SOFT_TIME_LIMIT", int(MATCHING_TIME_LIMIT_SECONDS * 2 + 60)
)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", CELERY_TASK_SOFT_TIME_LIMIT + 60)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", CELERY_TASK_TIME_LIMIT + 300),
    # Redis: every consumer looks for messages unacknowledged past the visibility timeout
    # (their worker died) every this many seconds and puts them back in their queue.
    "unacked_restore_interval": env_int("CELERY_UNACKED_RESTORE_INTERVAL", 10),
    "unacked_restore_throttle": 1,
}
if not (
    MATCHING_TIME_LIMIT_SECONDS
    < CELERY_TASK_SOFT_TIME_LIMIT
    < CELERY_TASK_TIME_LIMIT
    < CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
):
    raise ImproperlyConfigured(
        "Need MATCHING_TIME_LIMIT_SECONDS < CELERY_TASK_SOFT_TIME_LIMIT "
        "< CELERY_TASK_TIME_LIMIT < CELERY_VISIBILITY_TIMEOUT."
    )
# The sweeper (match_run_schedule) fails a run still 'running' this long after its last sign
# of life (its claim, or a shard done): its worker is gone for good. A killed worker's message
# comes back only after the visibility timeout (found within the restore interval), and the
# task it redelivers may then run up to the hard limit before it shows progress, so the
# sweeper must wait past all of that, or it fails a run that was about to resume.
REDELIVERED_WITHIN_SECONDS = (
    CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    + CELERY_BROKER_TRANSPORT_OPTIONS["unacked_restore_interval"]
    + CELERY_TASK_TIME_LIMIT
)
MATCHING_LOST_RUN_AFTER_SECONDS = env_int(
    "MATCHING_LOST_RUN_AFTER_SECONDS", REDELIVERED_WITHIN_SECONDS + 60
)
if MATCHING_LOST_RUN_AFTER_SECONDS <= REDELIVERED_WITHIN_SECONDS:
    raise ImproperlyConfigured(
        "Need MATCHING_LOST_RUN_AFTER_SECONDS > CELERY_VISIBILITY_TIMEOUT "
        "+ CELERY_UNACKED_RESTORE_INTERVAL + CELERY_TASK_TIME_LIMIT: a killed worker's run "
        "must be redelivered before the sweeper fails it."
    )
CELERY_BEAT_SCHEDULE = {
    "expire-offers": {
        "task": "matching.tasks.offers_expire_task",
        "schedule": float(env_int("OFFERS_EXPIRE_EVERY_SECONDS", 60)),
    },
    "remind-late-milestones": {
        "task": "production.tasks.milestone_reminders_send_task",
        "schedule": float(env_int("MILESTONE_REMINDERS_EVERY_SECONDS", 3600)),
    },
    # parts in trouble (a milestone overdue, a delay past the due date): propose a standby
    "propose-standby-factories": {
        "task": "production.tasks.standby_switches_propose_task",
        "schedule": float(env_int("STANDBY_CHECK_EVERY_SECONDS", 3600)),
    },
    "draft-replenishments": {
        "task": "shops.tasks.replenishments_propose_task",
        "schedule": float(env_int("REPLENISHMENTS_EVERY_SECONDS", 3600)),
    },
    "recompute-factory-scores": {
        "task": "production.tasks.factory_scores_recompute_task",
        "schedule": float(env_int("FACTORY_SCORES_EVERY_SECONDS", 3600)),
    },
    "learn-track-records": {
        "task": "production.tasks.track_records_learn_task",
        "schedule": float(env_int("TRACK_RECORDS_EVERY_SECONDS", 3600)),
    },
    # what-ifs whose message was lost are sent again; those whose worker was lost fail
    "sweep-what-ifs": {"task": "matching.tasks.what_ifs_sweep_task", "schedule": 60.0},
}
if MATCHING_SCHEDULE_SECONDS > 0:
    CELERY_BEAT_SCHEDULE["scheduled-match-run"] = {
        "task": "matching.tasks.match_run_schedule_task",
        "schedule": float(MATCHING_SCHEDULE_SECONDS),
    }

# --- Operations: logs, /healthz, /metrics (docs/operations.md) -------------
# LOG_FORMAT=json: one JSON object per line (timestamp, level, logger, message, request_id,
# run_id, task_id); plain: readable lines with the ids appended. JSON unless DEBUG.
LOG_FORMAT = env_str("LOG_FORMAT", "plain" if DEBUG else "json").strip().lower()
if LOG_FORMAT not in ("json", "plain"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or plain, got {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "marketplace.logging.ContextFilter"}},
    "formatters": {
        "plain": {"()": "marketplace.logging.PlainFormatter"},
        "json": {"()": "marketplace.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["context"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
# /healthz: the time each check may take; a worker is alive when it wrote its heartbeat
# (every WORKER_HEARTBEAT_SECONDS) within HEALTH_WORKER_MAX_AGE_SECONDS.
HEALTH_CHECK_TIMEOUT_SECONDS = env_float("HEALTH_CHECK_TIMEOUT_SECONDS", 1.0)
WORKER_HEARTBEAT_SECONDS = env_float("WORKER_HEARTBEAT_SECONDS", 10.0)
HEALTH_WORKER_MAX_AGE_SECONDS = env_float(
    "HEALTH_WORKER_MAX_AGE_SECONDS", 3 * WORKER_HEARTBEAT_SECONDS
)
# warnings (not failures) in /healthz: queue longer than this, a run queued for longer
HEALTH_QUEUE_DEPTH_WARN = env_int("HEALTH_QUEUE_DEPTH_WARN", 100)
HEALTH_QUEUED_RUN_WARN_SECONDS = env_float(
    "HEALTH_QUEUED_RUN_WARN_SECONDS",
    MATCHING_EVENT_DELAY_SECONDS + CELERY_TASK_TIME_LIMIT + 60,
)
# /metrics asks for "Authorization: Bearer <METRICS_TOKEN>" when set; open when empty.
METRICS_TOKEN = env_str("METRICS_TOKEN", "")
# probes and scrapers call gunicorn directly over plain HTTP: no redirect to https for them
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^metrics$"]
# The load test's bare DRF create endpoint (loadtest/reference.py); never in production.
LOADTEST_REFERENCE_ENDPOINT = env_bool("LOADTEST_REFERENCE_ENDPOINT", False)
