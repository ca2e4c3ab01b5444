"""Settings, driven by the environment.

DATABASE_URL   default: SQLite file var/pharmcrm.sqlite3 (WAL mode)
SECRET_KEY     default: generated once into var/secret_key
DEBUG          default: off ("1"/"true" turns it on)
ALLOWED_HOSTS  comma separated, default "127.0.0.1,localhost"
MEDIA_ROOT     uploaded files, default var/media (never served directly)
QUALIFICATION_MAX_UPLOAD_MB  size limit of one qualification scan, default 10
"""

import json
import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parents[3]  # the repository root
PACKAGE_DIR = Path(__file__).resolve().parents[1]
VAR_DIR = Path(os.environ.get("PHARMCRM_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = _env_bool("DEBUG")
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",  # serves the bundled Swagger UI assets for /api/v1/docs (no CDN)
    "pharmcrm.core",
    "pharmcrm.org",
    "pharmcrm.customers",
    "pharmcrm.contacts",
    "pharmcrm.catalog",
    "pharmcrm.qualifications",
    "pharmcrm.agency",
    "pharmcrm.activities",
    "pharmcrm.tickets",
    "pharmcrm.tenders",
    "pharmcrm.notifications",
    "pharmcrm.inventory",
    "pharmcrm.invoicing",
    "pharmcrm.sales",
    "pharmcrm.payments",
    "pharmcrm.opportunities",
    "pharmcrm.quotations",
    "pharmcrm.analytics",
    "pharmcrm.api",
    "pharmcrm.web",
    "pharmcrm.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "pharmcrm.core.request_memo.RequestMemoMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

AUTHENTICATION_BACKENDS = ["pharmcrm.org.auth.UserBackend"]

ROOT_URLCONF = "pharmcrm.config.urls"
WSGI_APPLICATION = "pharmcrm.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "pharmcrm.web.context.navigation",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'pharmcrm.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DATABASES["default"]["TEST"] = {"NAME": os.environ.get("TEST_DATABASE_NAME") or None}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "org.User"
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:desktop"
LOGOUT_REDIRECT_URL = "web:login"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 6}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
FORMAT_MODULE_PATH = ["pharmcrm.config.formats"]  # money grouped by thousands in Chinese too
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
# Uploaded files (qualification scans). Never served as a URL: only through permission-checked views.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT") or VAR_DIR / "media")

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 12
CSRF_COOKIE_HTTPONLY = False  # htmx reads it to send X-CSRFToken
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# Product settings (the names stay English; labels in the UI are translated).
PHARMCRM = {
    "LIST_PAGE_SIZE": 20,
    "LIST_MAX_PAGE_SIZE": 200,
    "EXACT_COUNT_LIMIT": 10000,
    "EXPORT_MAX_ROWS": 50000,
    # Excel imports (customers, contacts): file size and rows per file
    "IMPORT_MAX_BYTES": int(float(os.environ.get("IMPORT_MAX_MB", "10")) * 1024 * 1024),
    "IMPORT_MAX_ROWS": 100_000,
    # qualification documents: reminder steps (days before expiry; the first is the "expiring" window)
    "QUALIFICATION_WARNING_DAYS": (90, 30, 7),
    "QUALIFICATION_MAX_UPLOAD_BYTES": int(float(os.environ.get("QUALIFICATION_MAX_UPLOAD_MB", "10")) * 1024 * 1024),
    # stock (库存/批号): batches expiring within this many days are "near expiry" (近效期)
    "INVENTORY_EXPIRY_WARNING_DAYS": int(os.environ.get("INVENTORY_EXPIRY_WARNING_DAYS", "180")),
    # tenders (投标): reminders this many days before each deadline (Asia/Shanghai dates)
    "TENDER_REMINDER_DAYS": [7, 3, 1],
}

# Notifications outside the app (notifications/delivery.py, docs/notifications.md): by email to
# recipients who have an address, and to WeCom / DingTalk group robots, sent after commit by a
# background thread ("thread"), by `manage.py crm_deliver` only ("worker") or in the request
# ("inline", tests); failures are retried with back-off.
PHARMCRM.update({
    "NOTIFY_EMAIL": _env_bool("NOTIFY_EMAIL"),
    # [{"name": "华东销售群", "type": "wecom" | "dingtalk", "url": "https://…", "secret": "SEC…" (DingTalk
    #   signing, optional), "kinds": ["ticket_overdue", …] (optional: all kinds when absent)}]
    "NOTIFY_ROBOTS": json.loads(os.environ.get("NOTIFY_ROBOTS") or "[]"),
    "NOTIFY_DELIVERY": os.environ.get("NOTIFY_DELIVERY", "thread"),
    "NOTIFY_MAX_ATTEMPTS": 6,
    "SITE_URL": os.environ.get("SITE_URL", "").rstrip("/"),  # links in emails and robot messages
})
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_SSL = _env_bool("EMAIL_USE_SSL")
EMAIL_USE_TLS = _env_bool("EMAIL_USE_TLS")
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "pharmcrm@localhost")

APP_NAME = _("Pharma CRM")
