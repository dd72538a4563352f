"""Django settings: everything that varies comes from the environment (env.py)."""

from __future__ import annotations

import os
from pathlib import Path

from sladesk.config import env

DATA_DIR = env.data_dir()
SECRET_KEY = env.secret_key()
DEBUG = env.flag("SLADESK_DEBUG")
ALLOWED_HOSTS = env.listing("SLADESK_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.listing("SLADESK_CSRF_TRUSTED_ORIGINS", [])
# The policy file in force; empty means the default policy shipped in the package.
SLADESK_POLICY = os.environ.get("SLADESK_POLICY", "")

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
    "sladesk.ops",
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
AXES_FAILURE_LIMIT = int(os.environ.get("SLADESK_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]  # one office behind one address is not locked out together
AXES_LOCKOUT_CALLABLE = "sladesk.config.views.locked_out"  # the login page says when it is locked
AXES_VERBOSE = False
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

# Mail in (sladesk.intake): the listener's port, the size limit of every way in, the IMAP
# mailbox to poll, the one server whose Authentication-Results count, automatic replies.
SMTP_PORT = env.integer("SLADESK_SMTP_PORT", 8025, 1, 65535)
MAX_MESSAGE_BYTES = env.integer("SLADESK_MAX_MESSAGE_BYTES", 25_000_000, 1_000, 1_000_000_000)
MAX_ATTACHMENT_BYTES = env.integer("SLADESK_MAX_ATTACHMENT_BYTES", 15_000_000, 1_000, 1_000_000_000)
IMAP_URL = os.environ.get("SLADESK_IMAP_URL", "").strip()
TRUSTED_AUTHSERV_ID = os.environ.get("SLADESK_TRUSTED_AUTHSERV_ID", "").strip()
AUTO_REPLIES_PER_HOUR = env.integer("SLADESK_AUTO_REPLIES_PER_HOUR", 3, 0, 1000)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("SLADESK_LOG_LEVEL", "INFO")},
}
