"""Settings of the MultiLine Management Portal: environment variables only, working defaults."""

from __future__ import annotations

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from portal.lib.env import (
    check_url,
    database_from_url,
    email_from_url,
    envbool,
    envint,
    envlist,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

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

        key_file.write_text(get_random_string(50))
        key_file.chmod(0o600)
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
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "portal.front.middleware.DomainErrors",
    "portal.api.ApiVia",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "accounts:list"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("it", "Italian"), ("de", "German"), ("fr", "French"), ("es", "Spanish")]
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
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

# SMS: file:///folder (default var/sms/), console://, http(s)://gateway (token in SMS_TOKEN).
SMS_URL = check_url(
    "SMS_URL", os.environ.get("SMS_URL", f"file://{VAR_DIR / 'sms'}"), {"file", "console", "http", "https"}
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

# Batch import limits.
BATCH_MAX_ROWS = envint("BATCH_MAX_ROWS", 1000, minimum=1)
BATCH_MAX_BYTES = envint("BATCH_MAX_BYTES", 5 * 1024 * 1024, minimum=1024)
BATCH_CHUNK_ROWS = envint("BATCH_CHUNK_ROWS", 1000, minimum=1)
DATA_UPLOAD_MAX_MEMORY_SIZE = BATCH_MAX_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = BATCH_MAX_BYTES + 1024 * 1024

# Accounts screen page size.
PAGE_SIZE = envint("PAGE_SIZE", 50, minimum=1)

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = PUBLIC_URL.startswith("https://")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {"portal": {"level": os.environ.get("LOG_LEVEL", "INFO")}},
}
