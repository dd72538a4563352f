"""Reading settings from the environment, failing loudly when a value is wrong.

No Django import here: the command line uses it too.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

# What the desk writes is its own: sessions, password hashes, people's data, mail, imports.
# Directories 0700 and files 0600, whoever creates them (SQLite, Django, the mail code).
PRIVATE_UMASK = 0o077


class ConfigError(RuntimeError):
    """A setting from the environment that cannot be used."""


def keep_files_private() -> None:
    """Every file and directory this process (and its children) creates is its owner's alone."""
    os.umask(PRIVATE_UMASK)


def data_dir() -> Path:
    """SLADESK_DATA_DIR (default ./var): raw mail, attachments, outbox, SQLite file."""
    path = Path(os.environ.get("SLADESK_DATA_DIR") or "var").resolve()
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
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


POSTGRES_URL = "postgres://user[:password]@host[:port]/name"


def database_config(url: str) -> dict[str, Any]:
    """DATABASE_URL as a Django DATABASES entry; only SQLite and PostgreSQL."""
    shown = _without_password(url)
    scheme = url.partition("://")[0] if "://" in url else ""
    if scheme == "sqlite":
        path = url[len("sqlite:///") :] if url.startswith("sqlite:///") else ""
        if not path.startswith("/") or path == "/":
            raise ConfigError(f"DATABASE_URL={shown!r}: expected sqlite:////absolute/path.sqlite3")
        return {"ENGINE": "sladesk.config.sqlite3", "NAME": path, "OPTIONS": SQLITE_OPTIONS}
    if scheme in ("postgres", "postgresql"):
        return _postgres(url, shown)
    raise ConfigError(f"DATABASE_URL={shown!r}: expected sqlite:////absolute/path.sqlite3 or {POSTGRES_URL}")


def _postgres(url: str, shown: str) -> dict[str, Any]:
    import dj_database_url

    try:
        port = urlsplit(url).port
    except ValueError:  # not a number, out of range, or a broken host
        port = 0
    if port is not None and not 1 <= port <= 65535:
        raise ConfigError(f"DATABASE_URL={shown!r}: expected {POSTGRES_URL} with a port from 1 to 65535")
    try:
        config: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=60))
    except ValueError:
        raise ConfigError(f"DATABASE_URL={shown!r}: expected {POSTGRES_URL}") from None
    if not config.get("NAME"):
        raise ConfigError(f"DATABASE_URL={shown!r}: the PostgreSQL URL names no database")
    if flag("SLADESK_PG_PREPARED", default=True):
        # Parameters sent apart from the statement, and a statement run five times on a
        # connection prepared there (psycopg's default): the intake runs the same few for every
        # email, and the server then skips parsing and planning them (16 % more emails a second).
        # Off for a pooler that cannot keep prepared statements (PgBouncer before 1.21 in
        # transaction mode).
        config["OPTIONS"] = {**config.get("OPTIONS", {}), "server_side_binding": True, "prepare_threshold": 5}
    return config


def _without_password(url: str) -> str:
    """The URL as it may be printed: a password in it becomes ***."""
    scheme, sep, rest = url.partition("://")
    netloc, slash, path = rest.partition("/")
    userinfo, at, host = netloc.rpartition("@")
    if not (sep and at and ":" in userinfo):
        return url
    return f"{scheme}://{userinfo.split(':', 1)[0]}:***@{host}{slash}{path}"


def secret_key() -> str:
    """SLADESK_SECRET_KEY, else one generated once and kept in the data directory."""
    key = os.environ.get("SLADESK_SECRET_KEY", "").strip()
    if key:
        return key
    path = data_dir() / "secret_key"
    if not path.exists():
        # Written whole under another name, then linked in place: processes starting together
        # (the web server, the worker) all read the one key that won, never a half-written one.
        draft = path.with_name(f".secret_key.{os.getpid()}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(50))
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
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


def choice(name: str, default: str, allowed: tuple[str, ...]) -> str:
    """One of ``allowed`` (compared without case), or the default when unset."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    for option in allowed:
        if value.casefold() == option.casefold():
            return option
    raise ConfigError(f"{name}={value!r}: expected one of {', '.join(allowed)}")


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
