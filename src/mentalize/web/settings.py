"""Django settings, all from the environment (``docs/clinic.md`` lists every variable).

``mentalize serve`` sets ``MENTALIZE_DATA_DIR`` and friends before Django starts; tests set them
in ``tests/web/conftest.py``. Importing this module creates the data directory and its two secret
files if they do not exist yet, so the first run needs no set-up step.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

from mentalize import environment
from mentalize.web import datadir

WEB_DIR = Path(__file__).resolve().parent


def database_from_url(url: str) -> dict[str, object]:
    """``postgresql://user:password@host:port/name?sslmode=require`` as a Django DATABASES entry.

    Only PostgreSQL is accepted: SQLite is configured by the data directory, and anything else
    has not been tested.
    """
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql"}:
        raise datadir.ClinicConfigError(
            f"MENTALIZE_DATABASE_URL: scheme {parts.scheme!r} is not supported; "
            "use postgresql://user@host:5432/name (or leave it unset for SQLite)"
        )
    name = unquote(parts.path.lstrip("/"))
    if not name:
        raise datadir.ClinicConfigError("MENTALIZE_DATABASE_URL: no database name after the host")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name,
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
        # libpq waits forever for an unresponsive host by default; a bounded wait lets a request
        # fail with the 503 page instead of holding a worker thread (?connect_timeout= overrides).
        "OPTIONS": {"connect_timeout": 5, **dict(parse_qsl(parts.query))},
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
    }


def _sqlite(directory: Path) -> dict[str, object]:
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(datadir.writable_database(directory / "clinic.sqlite3")),
        # IMMEDIATE: a write transaction takes the lock at BEGIN, so two requests never both read
        # the audit chain's head and then fight over who appends (see mentalize.web.audit).
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
        "TEST": {"NAME": str(directory / "test-clinic.sqlite3")},
    }


DATA_DIR = datadir.ensure_data_dir(datadir.data_dir())
SECRET_KEY = datadir.secret_key(DATA_DIR)
MENTALIZE_ENCRYPTION_KEY = datadir.encryption_key(DATA_DIR)
MENTALIZE_ANALYSIS_MODEL = (environment.get("MENTALIZE_CLINIC_MODEL") or "auto").strip()
MENTALIZE_MAX_UPLOAD_BYTES = 5 * 1024 * 1024


def _whole_number(name: str, default: int) -> int:
    """A positive whole-number setting from the environment, or one line naming the variable."""
    text = (environment.get(name) or str(default)).strip()
    if not text.isdigit() or int(text) < 1:
        raise datadir.ClinicConfigError(
            f"{name}: {text[:20]!r} is not a whole number of at least 1"
        )
    return int(text)


# The most turns one uploaded transcript may have. The byte limit alone lets 2 MB of one-word
# turns (400,000 of them) through, which took minutes of worker time and gigabytes of memory;
# a real session has hundreds of turns, a long group session a few thousand (docs/clinic.md).
MENTALIZE_MAX_TURNS = _whole_number("MENTALIZE_MAX_TURNS", 5000)
# The longest one analysis may run in a worker before it is stopped and the session marked
# failed with a reason (analysis/tasks.py): a bound even for inputs the turn limit lets through.
MENTALIZE_ANALYSIS_MAX_SECONDS = _whole_number("MENTALIZE_ANALYSIS_MAX_SECONDS", 300)
# How long a patient's one-time questionnaire link stays open (docs/clinic.md).
MENTALIZE_QUESTIONNAIRE_LINK_HOURS = int(
    environment.get("MENTALIZE_QUESTIONNAIRE_LINK_HOURS", "24") or "24"
)

_database_url = (environment.get("MENTALIZE_DATABASE_URL") or "").strip()
DATABASES = {"default": database_from_url(_database_url) if _database_url else _sqlite(DATA_DIR)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", *environment.listing("MENTALIZE_ALLOWED_HOSTS")]
CSRF_TRUSTED_ORIGINS = environment.listing("MENTALIZE_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    # TOTP second factor (accounts/mfa.py); before accounts, whose admin unregisters the device
    # admin (it would show each user's secret key).
    "django_otp",
    "django_otp.plugins.otp_totp",
    "mentalize.web.accounts",
    "mentalize.web.audit",
    "mentalize.web.records",
    "mentalize.web.api",
    "mentalize.web.questionnaire_links",
    "django_tasks",
    "django_tasks_db",
    "mentalize.web.analysis",
]

# Analyses run off the request path: an upload stores the transcript and a queued task in one
# transaction; `mentalize serve` starts worker processes that take tasks from this same database
# (SQLite or PostgreSQL, no broker to install). See mentalize.web.analysis and docs/clinic.md.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # A NUL in the path or query string: 400 before any view (PostgreSQL text cannot hold one).
    "mentalize.web.request_guard.RejectNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "mentalize.web.middleware.NoApiSlashRedirectMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A log-in lasts MENTALIZE_SESSION_MAX_HOURS at most, however active (session_limits.py).
    "mentalize.web.session_limits.AbsoluteSessionLimitMiddleware",
    # Second factor: who verified a TOTP code this session; then nothing but log-out and the code
    # page until they have (and, with MENTALIZE_REQUIRE_MFA, until they have enrolled).
    "django_otp.middleware.OTPMiddleware",
    "mentalize.web.accounts.mfa.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "mentalize.web.middleware.PrivacyHeadersMiddleware",
    "axes.middleware.AxesMiddleware",
    # The database down, full or read-only: a 503 with one clear line, not a 500 (middleware.py).
    "mentalize.web.middleware.DatabaseUnavailableMiddleware",
    # Changes others made to the user's account (a supervisor, a password ...), shown once per
    # log-in after the second factor's gate (accounts/notices.py).
    "mentalize.web.accounts.notices.AccountNoticeMiddleware",
]

ROOT_URLCONF = "mentalize.web.urls"
WSGI_APPLICATION = "mentalize.web.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [WEB_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    }
]

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Sessions end after inactivity: every request pushes the expiry forward by SESSION_COOKIE_AGE.
SESSION_COOKIE_AGE = int(environment.get("MENTALIZE_SESSION_MINUTES") or "30") * 60
# ...and after this many hours from log-in however active they are (OWASP ASVS 3.3.2).
MENTALIZE_SESSION_MAX_HOURS = float(environment.get("MENTALIZE_SESSION_MAX_HOURS") or "12")
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_NAME = "mentalize_session"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Strict"
CSRF_COOKIE_NAME = "mentalize_csrf"
# Secure cookies when the clinic is reached over TLS: `mentalize serve` turns this on for any
# non-loopback host; behind a TLS proxy on the same machine set MENTALIZE_SECURE_COOKIES=1.
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = environment.flag("MENTALIZE_SECURE_COOKIES")
if environment.flag("MENTALIZE_BEHIND_TLS_PROXY"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = int(environment.get("MENTALIZE_HSTS_SECONDS") or str(365 * 24 * 3600))
SECURE_CONTENT_TYPE_NOSNIFF = True
# same-origin, not no-referrer: with no-referrer browsers send "Origin: null" on form posts and
# Django's CSRF check (rightly) refuses them. Nothing is sent to any other origin either way.
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"  # the session report alone allows its own session page to frame it

# TOTP second factor (docs/clinic.md): optional per user; required for everyone when this is on.
MENTALIZE_REQUIRE_MFA = environment.flag("MENTALIZE_REQUIRE_MFA")
OTP_TOTP_ISSUER = "mentalize clinic"
# Wrong codes wait 1, 2, 4, 8 ... seconds before the next try is even checked (django-otp).
OTP_TOTP_THROTTLE_FACTOR = 1

# Login throttling (django-axes): five failures lock the account name for 15 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "clinic/locked.html"
AXES_VERBOSE = False
# Locking by account name alone is deliberate: behind a reverse proxy every request comes from the
# proxy's address, so an IP lock would shut the whole clinic out after five typos. Rotating
# user agents or cookies (what axes.W006 warns about) does not get around a per-name lock.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

DATA_UPLOAD_MAX_MEMORY_SIZE = MENTALIZE_MAX_UPLOAD_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = MENTALIZE_MAX_UPLOAD_BYTES + 1024 * 1024

LANGUAGE_CODE = "en-gb"
TIME_ZONE = (environment.get("MENTALIZE_TIME_ZONE") or "UTC").strip()
USE_I18N = False
USE_TZ = True
STATIC_URL = "static/"

# Django's default logging, without request bodies; paths carry ids only, never clinical text.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # One-time questionnaire links carry their token in the path; no log line shows it.
    "filters": {
        "link_tokens": {"()": "mentalize.web.questionnaire_links.redact.RedactLinkTokens"},
        # The database down or full: one line per request, not a traceback (middleware.py).
        "outages": {"()": "mentalize.web.middleware.OneLineOutages"},
        # An ordinary refusal (403, 404, 400): "403 GET /path", no traceback; 5xx keep theirs.
        # First, so that link_tokens redacts the path it writes.
        "client_errors": {"()": "mentalize.web.middleware.OneLineClientErrors"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["client_errors", "link_tokens", "outages"],
        }
    },
    "loggers": {
        "django": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        "mentalize.web": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

# Uploads stay in memory and stop at the limit: a transcript is never written to a temporary
# file in the clear, and a huge file is refused without being read to the end.
FILE_UPLOAD_HANDLERS = [
    "mentalize.web.uploads.SizeLimitUploadHandler",
    "mentalize.web.uploads.MemoryOnlyUploadHandler",
]
