"""Settings for Mengkeju.

Every deployment value comes from the environment through the strict helpers in
``mengkeju.lib.env``; with nothing set the platform runs for development on SQLite under ``var/``
with Celery tasks executed in-process.  See the table in README.md.
"""

import secrets
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from mengkeju.lib.env import env_bool, env_int, env_list, env_str, env_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("MENGKEJU_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", True)


# Values copied from examples and tutorials; any key containing one of these is refused with DEBUG off.
WEAK_SECRET_KEY_PARTS = ("change", "secret", "example", "insecure", "default", "password", "mengkeju", "django")


def secret_key_problem(key: str) -> str | None:
    """Why ``key`` is too weak for production, or None: at least 50 characters, at least 10 different
    ones, none of ``WEAK_SECRET_KEY_PARTS`` (Django's own deploy check asks for 50 and 5)."""
    if len(key) < 50:
        return f"too short ({len(key)} characters, at least 50 needed)"
    if len(set(key)) < 10:
        return f"too few different characters ({len(set(key))}, at least 10 needed)"
    lowered = key.lower()
    for part in WEAK_SECRET_KEY_PARTS:
        if part in lowered:
            return f"looks like a default or example value (contains {part!r})"
    return None


def _secret_key() -> str:
    key = env_str("SECRET_KEY")
    if key and not DEBUG:
        problem = secret_key_problem(key)
        if problem:
            raise ImproperlyConfigured(
                f"SECRET_KEY: {problem}; refusing to start with DEBUG off. Generate one with: "
                "python -c 'import secrets; print(secrets.token_urlsafe(50))'"
            )
    if key:
        return key
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY: required when DEBUG is off")
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50), encoding="utf-8")
        key_file.chmod(0o600)
    return key_file.read_text(encoding="utf-8").strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_url("SITE_URL", "http://127.0.0.1:8000", schemes=("http", "https"))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "axes",
    "mengkeju.core",
    "mengkeju.regions",
    "mengkeju.postings",
    "needs",
    "achievements",
    "matching",
    "mengkeju.notifications",
    "mengkeju.savedsearches",
    "mengkeju.deals",
    "mengkeju.messaging",
    "mengkeju.dashboard",
]

MIDDLEWARE = [
    "mengkeju.lib.server_timing.server_timing_middleware",  # first: it times everything below
    "mengkeju.core.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "mengkeju.lib.security.PermissionsPolicyMiddleware",
    # last: turns a locked-out login attempt into the lockout page (see "Login throttling" below)
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "mengkeju.urls"
WSGI_APPLICATION = "mengkeju.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "mengkeju.core.context_processors.navigation",
                "mengkeju.notifications.context_processors.unread",
                "mengkeju.messaging.context_processors.unread",
            ],
        },
    },
]

# Database: SQLite under var/ unless DATABASE_URL names another one (PostgreSQL in production).
DATABASE_URL = env_url(
    "DATABASE_URL",
    f"sqlite:///{VAR_DIR / 'mengkeju.sqlite3'}",
    schemes=("sqlite", "postgres", "postgresql", "pgsql"),
)
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60, minimum=0))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "core.User"
# django-axes first: it refuses a locked-out account or address before the password is even checked
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "workbench"
LOGOUT_REDIRECT_URL = "home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Internationalisation: Chinese first, English available.
LANGUAGE_CODE = env_str("LANGUAGE_CODE", "zh-hans")
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
if LANGUAGE_CODE not in dict(LANGUAGES):
    raise ImproperlyConfigured(f"LANGUAGE_CODE: must be one of {', '.join(dict(LANGUAGES))}, got {LANGUAGE_CODE!r}")
# locale/ holds the catalogue made by makemessages; locale.d/<area>/ holds catalogues of areas written
# since (merged into locale/ from time to time).  Django merges all of them, the first path winning.
LOCALE_PATHS = [BASE_DIR / "locale", *sorted(p for p in (BASE_DIR / "locale.d").glob("*") if p.is_dir())]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}


def _email_settings(url: str) -> dict:
    """EMAIL_URL: console://, locmem://, smtp://user:pass@host:port, smtps://... (implicit TLS)
    or smtp+tls://... (STARTTLS); ?from=address sets DEFAULT_FROM_EMAIL."""
    parts = urlsplit(url)
    backends = {
        "console": "django.core.mail.backends.console.EmailBackend",
        "locmem": "django.core.mail.backends.locmem.EmailBackend",
        "smtp": "django.core.mail.backends.smtp.EmailBackend",
        "smtps": "django.core.mail.backends.smtp.EmailBackend",
        "smtp+tls": "django.core.mail.backends.smtp.EmailBackend",
    }
    result = {"EMAIL_BACKEND": backends[parts.scheme]}
    if parts.scheme.startswith("smtp"):
        try:
            port = parts.port
        except ValueError:
            raise ImproperlyConfigured(f"EMAIL_URL: bad port in {url!r}") from None
        result |= {
            "EMAIL_HOST": parts.hostname or "localhost",
            "EMAIL_PORT": port or (465 if parts.scheme == "smtps" else 587 if parts.scheme == "smtp+tls" else 25),
            "EMAIL_HOST_USER": unquote(parts.username or ""),
            "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
            "EMAIL_USE_SSL": parts.scheme == "smtps",
            "EMAIL_USE_TLS": parts.scheme == "smtp+tls",
        }
    sender = parse_qs(parts.query).get("from")
    if sender:
        result["DEFAULT_FROM_EMAIL"] = sender[0]
    return result


DEFAULT_FROM_EMAIL = "蒙科聚 <noreply@mengkeju.local>"
globals().update(
    _email_settings(env_url("EMAIL_URL", "console://", schemes=("console", "locmem", "smtp", "smtps", "smtp+tls")))
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery: with REDIS_URL the tasks go to real workers over Redis; without it they run in-process.
REDIS_URL = env_url("REDIS_URL", None, schemes=("redis", "rediss", "unix"))
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"  # with a host kombu does not warn at every start
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_TASK_ALWAYS_EAGER = REDIS_URL is None
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A worker killed mid-task (kill -9, OOM, lost machine): its unacknowledged task goes back to the queue
# CELERY_VISIBILITY_TIMEOUT seconds after it was taken: a running worker sweeps for such tasks every 10 s
# (and once at start-up), so recovery takes at most the timeout + 10 s after the kill.
# Every task's hard time limit must stay below that timeout, or a task still running would be handed to a
# second worker. See docs/operations.md.
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 100, minimum=1)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 90, minimum=1)
CELERY_VISIBILITY_TIMEOUT = env_int("CELERY_VISIBILITY_TIMEOUT", 120, minimum=2)
if CELERY_TASK_SOFT_TIME_LIMIT >= CELERY_TASK_TIME_LIMIT:
    raise ImproperlyConfigured("CELERY_TASK_SOFT_TIME_LIMIT: must be below CELERY_TASK_TIME_LIMIT")
if CELERY_VISIBILITY_TIMEOUT <= CELERY_TASK_TIME_LIMIT:
    raise ImproperlyConfigured(
        "CELERY_VISIBILITY_TIMEOUT: must be above CELERY_TASK_TIME_LIMIT (a task still running would be redelivered)"
    )
# Sending a task while the broker is down fails fast (the caller logs it and the outbox row stays pending):
# connect timeout in seconds, one quick retry.
CELERY_BROKER_CONNECTION_TIMEOUT = env_int("CELERY_BROKER_CONNECT_TIMEOUT", 2, minimum=1)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
    "unacked_restore_interval": 10,  # seconds between sweeps for abandoned tasks
    "unacked_restore_throttle": 1,  # every sweep scans (kombu's default scans every 10th: 100 s)
    "socket_connect_timeout": CELERY_BROKER_CONNECTION_TIMEOUT,
    "socket_timeout": 10,  # a broker gone without closing the connection: publishing fails after 10 s
    "max_retries": 1,
}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = CELERY_BROKER_CONNECTION_TIMEOUT
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
    # reconnecting to the result store: once, quickly (Celery's default retries 20 times, ~20 s)
    "retry_policy": {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2},
}
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# The whole periodic schedule lives here; each entry also exists as a management command.
CELERY_BEAT_SCHEDULE = {
    "expire-postings": {  # python manage.py expire_postings
        "task": "mengkeju.postings.tasks.expire_postings",
        "schedule": crontab(minute=5, hour="*/1"),
    },
    "nightly-full-match": {  # python manage.py match --all
        "task": "matching.tasks.match_full_nightly",
        "schedule": crontab(minute=30, hour=2),
    },
    "resend-pending-mail": {  # python manage.py send_pending_mail
        "task": "mengkeju.notifications.tasks.resend_pending_mail",
        "schedule": crontab(minute="*/5"),
    },
    "watch-deals": {  # python manage.py watch_deals
        "task": "mengkeju.deals.tasks.watch_deals",
        "schedule": crontab(minute=15, hour="*/1"),
    },
    "match-pending": {  # python manage.py match_pending
        "task": "matching.tasks.match_outbox_flush",
        "schedule": crontab(minute="*"),
    },
    "fail-stalled-runs": {  # python manage.py fail_stalled_runs
        "task": "matching.tasks.match_runs_fail_stalled",
        "schedule": crontab(minute="*/5"),
    },
    "search-digests": {  # python manage.py send_search_digests (daily and weekly saved-search alerts)
        "task": "mengkeju.savedsearches.tasks.send_search_digests",
        "schedule": crontab(minute=0, hour=8),
    },
}
# Corpus term associations (matching.associations, PPMI + SVD): measured and off by default (docs/matching.md,
# "Ablations"). On: the matcher adds the active learned associations to each need's query, and a weekly beat
# entry learns them again from the index (python manage.py learn_associations --activate does the same).
MATCHING_ASSOCIATIONS = env_bool("MATCHING_ASSOCIATIONS", False)
if MATCHING_ASSOCIATIONS:
    CELERY_BEAT_SCHEDULE["learn-associations"] = {  # python manage.py learn_associations --activate
        "task": "matching.tasks.associations_learn",
        "schedule": crontab(minute=0, hour=3, day_of_week=0),
    }
# Full runs: needs per chunk task, and how long a run may go without progress before it is failed.
MATCHING_CHUNK_SIZE = env_int("MATCHING_CHUNK_SIZE", 200, minimum=1)
MATCHING_RUN_STALL_SECONDS = env_int("MATCHING_RUN_STALL_SECONDS", 900, minimum=60)
# Full runs on real workers retrieve candidates from the capped posting lists read into each worker's memory
# (matching.sparse_index, ~70 bytes a row, ~340 MB and ~16 s to read at 100k achievements) while the
# achievements' index has at most this many postings; 0 = always from the database (the in-process default).
MATCHING_RUN_MEMORY_INDEX = env_int("MATCHING_RUN_MEMORY_INDEX", 0 if CELERY_TASK_ALWAYS_EAGER else 200_000, minimum=0)
# ... and also every achievement's parsed features (~30 kB each: a worker of ~3.4 GB and ~30 s more to read at 100k),
# while there are at most this many achievements (and the lists are in memory); 0 = through MATCHING_SIDE_CACHE.
MATCHING_RUN_MEMORY_SIDES = env_int("MATCHING_RUN_MEMORY_SIDES", 0 if CELERY_TASK_ALWAYS_EAGER else 120_000, minimum=0)
# import_postings: processes analysing a large file's postings (search terms, matcher features); 0: one per CPU
IMPORT_WORKERS = env_int("IMPORT_WORKERS", 0, minimum=0)

CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": CELERY_BROKER_CONNECTION_TIMEOUT, "socket_timeout": 5},
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# Security: strict defaults once DEBUG is off (manage.py check --deploy is clean).
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load-balancer probes over plain HTTP
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_PROXY", False) else None
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# Content Security Policy (django-csp): scripts, styles, images and fonts from this site only, no inline
# code or style attributes, no plugins, no framing, forms post to this site only.  See docs/security.md.
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
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
# Permissions-Policy (mengkeju.lib.security): no page needs a camera, microphone, location or payment.
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
    "payment=(), usb=(), interest-cohort=()"
)

# Login throttling (django-axes), on the site's login page and the Django admin's alike: after
# AXES_FAILURE_LIMIT failed attempts for one user name, or from one address, further attempts for it
# are refused for AXES_COOLOFF_HOURS, even with the right password.  A successful login resets the
# counter of its user name.  Behind a proxy set BEHIND_PROXY=1 so the client address is taken from
# X-Forwarded-For (AXES_IPWARE_* below); otherwise everyone would share the proxy's address.
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_HOURS", 1, minimum=1)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "mengkeju.core.views.locked_out"
AXES_USERNAME_FORM_FIELD = "username"
AXES_VERBOSE = False
if env_bool("BEHIND_PROXY", False):
    AXES_IPWARE_PROXY_COUNT = env_int("PROXY_COUNT", 1, minimum=1)
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]

PAGE_SIZE = env_int("PAGE_SIZE", 20, minimum=1)
# libraries and the review queue count exactly up to this many rows, then say "about N" (PostgreSQL's
# estimate; mengkeju/lib/pagination.py)
EXACT_COUNT_UP_TO = env_int("EXACT_COUNT_UP_TO", 10000, minimum=1)
MATCH_TOP_K = env_int("MATCH_TOP_K", 10, minimum=1)

# Deal pipeline (mengkeju/deals/watch.py): a deal with no stage change and no message for this many days
# is stalled (highlighted, its broker reminded); proposals not reviewed and pairs not contacted within
# these many days escalate to the admins.
DEAL_STALLED_DAYS = env_int("DEAL_STALLED_DAYS", 14, minimum=1)
REVIEW_PROMISE_DAYS = env_int("REVIEW_PROMISE_DAYS", 3, minimum=1)
CONTACT_PROMISE_DAYS = env_int("CONTACT_PROMISE_DAYS", 7, minimum=1)

# Uploaded files (message attachments) live under MEDIA_ROOT and are served only through views that check
# access; MEDIA_ROOT is never exposed as a public URL.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MESSAGE_ATTACHMENT_MAX_MB = env_int("MESSAGE_ATTACHMENT_MAX_MB", 10, minimum=1)

# Logs: one line per record, key=value (LOG_FORMAT=kv, default) or JSON (LOG_FORMAT=json), each with the
# request id of the request being served ("-" outside requests); see mengkeju.lib.logs.
LOG_FORMAT = env_str("LOG_FORMAT", "kv")
if LOG_FORMAT not in ("kv", "json"):
    raise ImproperlyConfigured(f"LOG_FORMAT: must be kv or json, got {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "mengkeju.lib.logs.RequestIdFilter"}},
    "formatters": {
        "kv": {"()": "mengkeju.lib.logs.KeyValueFormatter"},
        "json": {"()": "mengkeju.lib.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request_id"]},
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"jieba": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}

# /healthz: the outboxes' oldest pending item older than this (seconds) is reported as "stale"
HEALTHZ_OUTBOX_MAX_AGE = env_int("HEALTHZ_OUTBOX_MAX_AGE", 900, minimum=1)
