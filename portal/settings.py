"""Settings of the MultiLine Management Portal: environment variables only, working defaults."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from portal.lib.env import (
    check_url,
    database_from_url,
    email_from_url,
    envbool,
    envint,
    envlist,
    envrate,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))
# What the portal writes is its own: files 0600 and folders 0700 under var/ (the SQLite database and
# its WAL, .eml and SMS files, the key) and wherever else it writes (uploads, exports in /tmp).
os.umask(0o077)
VAR_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
if VAR_DIR.stat().st_uid == os.getuid():
    VAR_DIR.chmod(0o700)  # A var/ made before by a looser umask is closed too.

DEBUG = envbool("DEBUG", False)
TESTING = "PYTEST_VERSION" in os.environ
EMBEDDED = not os.environ.get("DATABASE_URL")  # The embedded default: SQLite and files under var/.
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not (DEBUG or TESTING or EMBEDDED):
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    # The embedded default keeps a generated key under var/ (never committed).
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        from django.utils.crypto import get_random_string

        with os.fdopen(os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as out:
            out.write(get_random_string(50))
    SECRET_KEY = key_file.read_text().strip()
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver", "[::1]"])
PUBLIC_URL = check_url(
    "PUBLIC_URL", os.environ.get("PUBLIC_URL", "http://127.0.0.1:8000"), {"http", "https"}
).rstrip("/")
CSRF_TRUSTED_ORIGINS = [PUBLIC_URL]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks",
    "django_tasks_db",
    "ninja",  # Serves Swagger UI from the package: no CDN.
    "csp",  # Content-Security-Policy.
    "portal.organizations",
    "portal.access",
    "portal.permissions",
    "portal.numbers",
    "portal.accounts",
    "portal.invitations",
    "portal.batches",
    "portal.audit",
    "portal.alerts",
    "portal.jobs",
    "portal.dashboard",
    "portal.scim",
    "portal.front",
    # Sign-in (docs/security.md "Sign-in and sessions"): lockouts, second factors, the policy.
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_email",
    "portal.signin",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "portal.audit.middleware.AuditContext",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Below WhiteNoise: static files keep their caching; every other answer is no-store.
    "portal.front.middleware.NoStore",
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "portal.front.middleware.ApiErrorShape",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # The admin's language and time zone (Preferences); English for the API and SCIM.
    "portal.access.middleware.LanguageAndTimeZone",
    # Timeouts, a forced password change, the second factor (portal/signin/middleware.py).
    "portal.signin.middleware.SignInPolicy",
    "portal.front.middleware.DomainErrors",
    "portal.lib.uploads.UploadLimit",
    "portal.front.middleware.BadInput",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # Last: turns a lockout into the lockout page.
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "portal" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.access.context.admin_context",
            ],
            # {{ value|when }}: every date and time the portal shows (portal/lib/dates.py).
            "builtins": ["portal.lib.dates"],
        },
    },
]

DATABASES = {
    "default": database_from_url(
        "DATABASE_URL",
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'portal.sqlite3'}",
        sqlite_default=str(VAR_DIR / "portal.sqlite3"),
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
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
# django-axes checks the lockout before the password (docs/security.md "Sign-in and sessions").
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "accounts:list"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("it", "Italian"),
    ("de", "German"),
    ("fr", "French"),
    ("es", "Spanish"),
]
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True
# One catalog for the whole portal (docs/architecture.md, "How to add a language"): make messages
# extracts the marked strings, the .po files are translated, and the compiled .mo files are
# committed, so a fresh install needs no gettext tools.
LOCALE_PATHS = [BASE_DIR / "portal" / "locale"]
# Each language's date formats ("8 dicembre 2026"), over Django's own (portal/lib/dates.py).
FORMAT_MODULE_PATH = ["portal.lib.formats"]

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Static files are public (a proxy may serve them): readable by all, unlike the rest.
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
        "OPTIONS": {"file_permissions_mode": 0o644, "directory_permissions_mode": 0o755},
    },
}
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = VAR_DIR / "media"

# Mail: EMAIL_URL, default writes .eml files under var/mail/.
_email = email_from_url(
    "EMAIL_URL",
    os.environ.get("EMAIL_URL", f"file://{VAR_DIR / 'mail'}"),
    file_default=str(VAR_DIR / "mail"),
)
globals().update(_email)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "MultiLine <no-reply@multiline.test>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Invitations go out in the organization's name (docs/running.md, "Mail in the customer's name"):
# its sender name and address — on a domain of SENDER_DOMAINS, else PORTAL_FROM_EMAIL — and its
# Reply-To; Message-IDs carry MESSAGE_ID_DOMAIN (the portal's own host by default).
PORTAL_FROM_EMAIL = os.environ.get("PORTAL_FROM_EMAIL", "no-reply@multiline.test")
SENDER_DOMAINS = [d.lower() for d in envlist("SENDER_DOMAINS", [])]
MESSAGE_ID_DOMAIN = os.environ.get("MESSAGE_ID_DOMAIN") or (
    urlsplit(PUBLIC_URL).hostname or "localhost"
)
# Optional DKIM signing of every message the portal sends: a PEM private key file, its selector
# and the signing domain (d=), published by the operator as <selector>._domainkey.<domain>.
DKIM_KEY_FILE = os.environ.get("DKIM_KEY_FILE", "")
DKIM_SELECTOR = os.environ.get("DKIM_SELECTOR", "multiline")
DKIM_DOMAIN = os.environ.get("DKIM_DOMAIN", "")

# SMS: file:///folder (default var/sms/), console://, http(s)://gateway (token in SMS_TOKEN).
SMS_URL = check_url(
    "SMS_URL",
    os.environ.get("SMS_URL", f"file://{VAR_DIR / 'sms'}"),
    {"file", "console", "http", "https"},
)
SMS_TOKEN = os.environ.get("SMS_TOKEN", "")

# Background work: django-tasks on the database, or on Redis (RQ) when REDIS_URL is set.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    check_url("REDIS_URL", REDIS_URL, {"redis", "rediss", "unix"})
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
INSTALLED_APPS += ["django_rq"]
# TEST_REDIS_URL lets parallel test runs on one machine use separate Redis databases.
RQ_QUEUES = {
    "default": {
        "URL": REDIS_URL or os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0"),
        "DEFAULT_TIMEOUT": 3600,
    }
}
RQ = {"JOB_CLASS": "django_tasks_rq.Job"}
# API bearer tokens: how long a new one lives unless its issuer says otherwise, and at most.
API_TOKEN_MAX_DAYS = envint("API_TOKEN_MAX_DAYS", 365, minimum=1)
API_TOKEN_DEFAULT_DAYS = min(envint("API_TOKEN_DEFAULT_DAYS", 90, minimum=1), API_TOKEN_MAX_DAYS)
# Self-healing workers (docs/running.md): every worker writes a heartbeat into the batches, bulk
# jobs and invitations it is running every WORKER_HEARTBEAT seconds; every WORKER_SWEEP_INTERVAL
# seconds one of the workers queues again what lost its worker (no heartbeat for WORKER_DEAD_AFTER
# seconds) or its task (queued that long with no task waiting for it). A batch or bulk job is queued
# again automatically at most WORKER_MAX_RECOVERIES times, then marked failed with the reason.
WORKER_HEARTBEAT = envint("WORKER_HEARTBEAT", 5, minimum=1)
WORKER_DEAD_AFTER = envint("WORKER_DEAD_AFTER", 30, minimum=2)
WORKER_SWEEP_INTERVAL = envint("WORKER_SWEEP_INTERVAL", 15, minimum=1)
WORKER_MAX_RECOVERIES = envint("WORKER_MAX_RECOVERIES", 5, minimum=0)
# Seconds before the 2nd, 3rd… attempt at sending an invitation after a temporary failure.
try:
    INVITATION_RETRY_DELAYS = tuple(
        int(v) for v in envlist("INVITATION_RETRY_DELAYS", ["30", "120", "600", "1800", "3600"])
    )
except ValueError:
    raise ImproperlyConfigured(
        "INVITATION_RETRY_DELAYS must be whole seconds separated by commas"
    ) from None
# A delivery task records its "sent" invitations in groups: every INVITATION_SENT_GROUP messages
# or INVITATION_SENT_WAIT_MS milliseconds, whichever comes first (one commit per group). A worker
# killed before a group's record sends that group again (docs/invitations.md); 1: one by one.
INVITATION_SENT_GROUP = envint("INVITATION_SENT_GROUP", 20, minimum=1)
INVITATION_SENT_WAIT_MS = envint("INVITATION_SENT_WAIT_MS", 200, minimum=0)
if not INVITATION_RETRY_DELAYS or min(INVITATION_RETRY_DELAYS) < 0:
    raise ImproperlyConfigured("INVITATION_RETRY_DELAYS must be whole seconds separated by commas")
if WORKER_DEAD_AFTER <= WORKER_HEARTBEAT:
    raise ImproperlyConfigured("WORKER_DEAD_AFTER must be longer than WORKER_HEARTBEAT")

# A cache shared by every process (throttling counts there): Redis when REDIS_URL is set, else the
# database's cache table (created by `multiline migrate`). Never a per-process memory cache.
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "portal_cache",
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
    }
THROTTLE_CACHE = "default"
# Activation pages and API (docs/security.md): attempts per client address, and per invitation
# (its link, or the email/device number a code is typed for). Over the limit: 429, Retry-After.
ACTIVATION_RATE_PER_ADDRESS = envrate("ACTIVATION_RATE_PER_ADDRESS", "60/m")
ACTIVATION_RATE_PER_INVITATION = envrate("ACTIVATION_RATE_PER_INVITATION", "10/m")
# Self-service renewal of an expired invitation: at most this many per account in 24 hours.
INVITATION_RENEWALS_PER_DAY = envint("INVITATION_RENEWALS_PER_DAY", 3, minimum=0)
# Behind PROXY_COUNT reverse proxies the client's address is taken from X-Forwarded-For.
PROXY_COUNT = envint("PROXY_COUNT", 0)

# Batch import limits.
BATCH_MAX_ROWS = envint("BATCH_MAX_ROWS", 1000, minimum=1)
BATCH_MAX_BYTES = envint("BATCH_MAX_BYTES", 5 * 1024 * 1024, minimum=1024)
BATCH_CHUNK_ROWS = envint("BATCH_CHUNK_ROWS", 1000, minimum=1)
DATA_UPLOAD_MAX_MEMORY_SIZE = BATCH_MAX_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = BATCH_MAX_BYTES + 1024 * 1024
# The largest file any form takes (a batch, or a file of numbers: 5 MB), enforced while the body
# streams in (portal/lib/uploads.py): over it, 413 before the rest is read.
UPLOAD_MAX_BYTES = max(BATCH_MAX_BYTES, 5 * 1024 * 1024)
FILE_UPLOAD_HANDLERS = [
    "portal.lib.uploads.LimitedUpload",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# Accounts screen page size.
PAGE_SIZE = envint("PAGE_SIZE", 50, minimum=1)

# The client address recorded in the audit log (and used for sign-in lockouts): REMOTE_ADDR, unless
# the portal runs behind a reverse proxy that sets a header with it. Name that header here (e.g.
# X-Forwarded-For) only when every request passes through that proxy: a client could write it too.
# TRUSTED_PROXY_COUNT: how many trusted proxies append to it (the address is taken that far from
# the right). See docs/security.md, "What is audited".
_proxy_header = os.environ.get("TRUSTED_PROXY_IP_HEADER", "").strip()
TRUSTED_PROXY_IP_HEADER = (
    ("HTTP_" + _proxy_header.upper().replace("-", "_")) if _proxy_header else ""
)
TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", 1, minimum=1)

# Security headers (docs/security.md "Secrets, throttling and headers"). Served over HTTPS
# (PUBLIC_URL https://...): plain HTTP is redirected and browsers are told to keep to HTTPS.
HTTPS = PUBLIC_URL.startswith("https://")

# Sign-in and sessions (docs/security.md "Sign-in and sessions"). A name, or an address, is locked
# for SIGNIN_LOCKOUT_MINUTES after SIGNIN_FAILURE_LIMIT failed sign-ins (each rule on its own).
AXES_FAILURE_LIMIT = envint("SIGNIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=envint("SIGNIN_LOCKOUT_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_CLIENT_IP_CALLABLE = "portal.audit.middleware.client_ip"  # Same address as the audit log.
AXES_LOCKOUT_CALLABLE = "portal.signin.views.locked"  # 429 in the portal's layout.
AXES_DISABLE_ACCESS_LOG = True  # The audit log records sign-ins already.
# Signed out after SESSION_IDLE_TIMEOUT seconds without a request, and SESSION_ABSOLUTE_TIMEOUT
# seconds after signing in, whatever happened in between.
SESSION_IDLE_TIMEOUT = envint("SESSION_IDLE_TIMEOUT", 30 * 60, minimum=60)
SESSION_ABSOLUTE_TIMEOUT = envint("SESSION_ABSOLUTE_TIMEOUT", 12 * 3600, minimum=60)
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_TIMEOUT
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
if HTTPS:  # Secure, host-only, path /: no subdomain can set or read them.
    SESSION_COOKIE_NAME, CSRF_COOKIE_NAME = "__Host-sessionid", "__Host-csrftoken"
# A password reset link works once, for this many seconds. Reset requests beyond the rate (per
# client address, and per address typed) send nothing, with the same answer.
PASSWORD_RESET_TIMEOUT = envint("PASSWORD_RESET_TIMEOUT", 3600, minimum=300)
PASSWORD_RESET_RATE = envrate("PASSWORD_RESET_RATE", "5/h")
# Second factor (django-otp): the issuer shown in authenticator apps; the email PIN's validity.
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "MultiLine")
OTP_EMAIL_TOKEN_VALIDITY = envint("OTP_EMAIL_TOKEN_VALIDITY", 600, minimum=60)
# The code's email is portal.lib.emails.signin_code (signin.services.send_code), not django-otp's.
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", HTTPS)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # supervisors ask gunicorn directly, over plain HTTP
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 365 * 24 * 3600 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", False)
if envbool("SECURE_PROXY_SSL_HEADER", False):  # Only behind a proxy that always sets it.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# No inline script, no inline style, nothing from another origin. The invitation template editor
# alone allows inline style: its preview is the HTML email itself (see docs/security.md).
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
    },
}
# No page of the portal uses these browser features.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "ambient-light-sensor",
        "autoplay",
        "bluetooth",
        "browsing-topics",
        "camera",
        "display-capture",
        "encrypted-media",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "local-fonts",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}

# Logs and error reports never show an activation link or code (portal/lib/redact.py); gunicorn's
# own logs get the same with --logger-class portal.lib.redact.GunicornLogger (multiline serve).
LOG_LEVEL = os.environ.get("LOG_LEVEL", "")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "redact": {"()": "portal.lib.redact.RedactSecrets"},
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
    },
    "formatters": {
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["redact"]},
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["redact"],
        },
        "mail_admins": {
            "class": "django.utils.log.AdminEmailHandler",
            "filters": ["require_debug_false", "redact"],
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL or "WARNING"},
    "loggers": {
        "portal": {"level": LOG_LEVEL or "INFO"},
        "django": {"handlers": ["mail_admins"], "level": "INFO"},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
    },
}
DEFAULT_EXCEPTION_REPORTER = "portal.lib.redact.Reporter"
DEFAULT_EXCEPTION_REPORTER_FILTER = "portal.lib.redact.ReportFilter"
