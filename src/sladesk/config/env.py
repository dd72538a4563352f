"""Reading settings from the environment, failing loudly when a value is wrong.

No Django import here: the command line uses it too.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit


class ConfigError(RuntimeError):
    """A setting from the environment that cannot be used."""


def data_dir() -> Path:
    """SLADESK_DATA_DIR (default ./var): raw mail, attachments, outbox, SQLite file."""
    path = Path(os.environ.get("SLADESK_DATA_DIR") or "var").resolve()
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"SLADESK_DATA_DIR={path}: cannot create the directory ({exc.strerror})") from exc
    return path


def database_url() -> str:
    url = os.environ.get("DATABASE_URL", "").strip()
    return url or f"sqlite:///{data_dir() / 'sladesk.sqlite3'}"


# SQLite as a server would want it: a transaction that writes takes the write lock when it
# begins (IMMEDIATE), so a second writer waits for it (busy timeout, seconds) instead of failing
# when its read would have to become a write; WAL lets readers go on while one writes; FULL
# syncs each commit, so what the desk acknowledged survives a power cut.
SQLITE_OPTIONS: dict[str, Any] = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 30,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL",
}


def database_config(url: str) -> dict[str, Any]:
    """DATABASE_URL as a Django DATABASES entry; only SQLite and PostgreSQL."""
    scheme = urlsplit(url).scheme
    if scheme == "sqlite":
        path = url[len("sqlite:///") :] if url.startswith("sqlite:///") else ""
        if not path.startswith("/") or path == "/":
            raise ConfigError(f"DATABASE_URL={url!r}: expected sqlite:////absolute/path.sqlite3")
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": path, "OPTIONS": SQLITE_OPTIONS}
    if scheme in ("postgres", "postgresql"):
        import dj_database_url

        config: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=60))
        if not config.get("NAME"):
            raise ConfigError(f"DATABASE_URL={url!r}: the PostgreSQL URL names no database")
        return config
    raise ConfigError(
        f"DATABASE_URL={url!r}: expected sqlite:////absolute/path.sqlite3 or postgres://user@host:port/name"
    )


def secret_key() -> str:
    """SLADESK_SECRET_KEY, else one generated once and kept in the data directory."""
    key = os.environ.get("SLADESK_SECRET_KEY", "").strip()
    if key:
        return key
    path = data_dir() / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


def flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name}={value!r}: expected true or false")


def listing(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name, "")
    return [x.strip() for x in value.split(",") if x.strip()] or default


def integer(name: str, default: int, lo: int, hi: int) -> int:
    """A whole number in [lo, hi] from the environment, or the default when unset."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ConfigError(f"{name}={value!r}: expected a whole number from {lo} to {hi}") from None
    if not lo <= number <= hi:
        raise ConfigError(f"{name}={value!r}: expected a whole number from {lo} to {hi}")
    return number


def smtp_relay(url: str) -> dict[str, Any]:
    """SLADESK_SMTP_URL (smtp://user:password@host:587 with STARTTLS when the server offers
    it is not assumed: add ?starttls=true; smtps://... for TLS from the start) as Django's
    EMAIL_* settings."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ConfigError(f"SLADESK_SMTP_URL={url!r}: expected smtp://[user:password@]host[:port] or smtps://...")
    try:
        port = parts.port or (465 if parts.scheme == "smtps" else 25)
    except ValueError:
        raise ConfigError(f"SLADESK_SMTP_URL={url!r}: the port must be a number") from None
    query = dict(pair.split("=", 1) for pair in parts.query.split("&") if "=" in pair)
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parts.hostname,
        "EMAIL_PORT": port,
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_SSL": parts.scheme == "smtps",
        "EMAIL_USE_TLS": parts.scheme == "smtp" and query.get("starttls", "").lower() in ("1", "true", "yes"),
        "EMAIL_TIMEOUT": 30,
    }
