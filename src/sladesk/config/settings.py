"""Django settings: everything that varies comes from the environment (env.py)."""

from __future__ import annotations

import os
from pathlib import Path

from sladesk.config import env

env.keep_files_private()  # before anything is written: directories 0700, files 0600
DATA_DIR = env.data_dir()
SECRET_KEY = env.secret_key()
DEBUG = env.flag("SLADESK_DEBUG")
ALLOWED_HOSTS = env.listing("SLADESK_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.listing("SLADESK_CSRF_TRUSTED_ORIGINS", [])
# The policy file in force; empty means the default policy shipped in the package.
SLADESK_POLICY = os.environ.get("SLADESK_POLICY", "")
# Where `sladesk up` listens, and how many web processes serve the desk.
LISTEN_HOST = os.environ.get("SLADESK_HOST", "").strip() or "127.0.0.1"
LISTEN_PORT = env.integer("SLADESK_PORT", 8000, 1, 65535)
WEB_WORKERS = env.integer("SLADESK_WEB_WORKERS", 2, 1, 64)

# Behind a TLS proxy (SLADESK_HTTPS=true, see the README): cookies travel only over HTTPS,
# browsers are told to use nothing else for a year (HSTS), the proxy's X-Forwarded-Proto
# says whether a request came over HTTPS, and plain HTTP is redirected, except /healthz,
# which `sladesk up` and monitoring ask over the loopback.
HTTPS = env.flag("SLADESK_HTTPS")
if HTTPS:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 365 * 24 * 3600
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    # The lockout counts failures by the client's address, not by the proxy's (security.py).
    AXES_CLIENT_IP_CALLABLE = "sladesk.config.security.client_address"
# HSTS preload is a promise to browser vendors that is slow to take back: the owner of the
# domain decides it, not the desk (check --deploy would otherwise ask for it).
SILENCED_SYSTEM_CHECKS = ["security.W021"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "sladesk.policies",
    "sladesk.directory",
    "sladesk.staff",
    "sladesk.tickets",
    "sladesk.outbound",
    "sladesk.intake",
    "sladesk.notifications",
    "sladesk.oncall",
    "sladesk.ops",
]

MIDDLEWARE = [
    "sladesk.config.security.ContentSecurityPolicyMiddleware",  # first: static files get it too
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "sladesk.config.urls"
WSGI_APPLICATION = "sladesk.config.wsgi.application"

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
                "sladesk.tickets.context.desk",
                "sladesk.notifications.context.unread",
            ],
        },
    },
]

DATABASES = {"default": env.database_config(env.database_url())}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Tests on a file, not in memory: several threads and processes then write to the test
    # database at once as they would to the desk's, each on its own connection.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test-sladesk.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
AXES_FAILURE_LIMIT = env.integer("SLADESK_LOGIN_FAILURE_LIMIT", 5, 1, 100)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]  # one office behind one address is not locked out together
AXES_LOCKOUT_CALLABLE = "sladesk.config.views.locked_out"  # the login page says when it is locked
AXES_VERBOSE = False
AXES_USERNAME_CALLABLE = "sladesk.config.views.axes_username"  # the email's case is not another account
AXES_HANDLER = "sladesk.config.lockout.SprayLockoutHandler"  # also a limit per address (password spraying)
LOGIN_IP_FAILURE_LIMIT = env.integer("SLADESK_LOGIN_IP_FAILURE_LIMIT", 20, 1, 10_000)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"

LANGUAGE_CODE = "pt-br"
LANGUAGES = [("pt-br", "Português (Brasil)"), ("en", "English")]
LOCALE_PATHS = [Path(__file__).resolve().parent.parent / "locale"]
TIME_ZONE = "America/Sao_Paulo"  # shown; stored in UTC
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise serves from the app directories (finders) and wants it
WHITENOISE_USE_FINDERS = True

# Mail leaves through the outbox: to the relay of SLADESK_SMTP_URL, or else as one .eml file
# per message into the data directory's outbox/ folder.
EMAIL_BACKEND = os.environ.get("SLADESK_EMAIL_BACKEND", "sladesk.outbound.backends.EmlFolderBackend")
EMAIL_FILE_PATH = DATA_DIR / "outbox"
SMTP_URL = os.environ.get("SLADESK_SMTP_URL", "").strip()
if SMTP_URL:
    globals().update(env.smtp_relay(SMTP_URL))
DEFAULT_FROM_EMAIL = os.environ.get("SLADESK_FROM_EMAIL", "suporte@sladesk.example")
# Where the desk is reached from outside: links in the notifications sent to agents.
PUBLIC_URL = (os.environ.get("SLADESK_PUBLIC_URL", "").strip() or f"http://127.0.0.1:{LISTEN_PORT}").rstrip("/")
if not PUBLIC_URL.startswith(("http://", "https://")):
    raise env.ConfigError(
        f"SLADESK_PUBLIC_URL={PUBLIC_URL!r}: expected the desk's address, e.g. https://suporte.example.com"
    )

# Mail in (sladesk.intake): the listener's port, the size limit of every way in, the IMAP
# mailbox to poll, the one server whose Authentication-Results count, automatic replies.
SMTP_PORT = env.integer("SLADESK_SMTP_PORT", 8025, 1, 65535)
MAX_MESSAGE_BYTES = env.integer("SLADESK_MAX_MESSAGE_BYTES", 25_000_000, 1_000, 1_000_000_000)
MAX_ATTACHMENT_BYTES = env.integer("SLADESK_MAX_ATTACHMENT_BYTES", 15_000_000, 1_000, 1_000_000_000)
IMAP_URL = os.environ.get("SLADESK_IMAP_URL", "").strip()
TRUSTED_AUTHSERV_ID = os.environ.get("SLADESK_TRUSTED_AUTHSERV_ID", "").strip()
AUTO_REPLIES_PER_HOUR = env.integer("SLADESK_AUTO_REPLIES_PER_HOUR", 3, 0, 1000)

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.choice("SLADESK_LOG_LEVEL", "INFO", LOG_LEVELS)},
}
