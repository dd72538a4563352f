"""Settings from the environment fail loudly and say what is expected."""

from __future__ import annotations

from pathlib import Path

import pytest

from sladesk.config import env
from tests.conftest import run_sladesk


def test_it_defaults_to_a_sqlite_file_in_the_data_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLADESK_DATA_DIR", str(tmp_path / "desk"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert env.database_url() == f"sqlite:///{tmp_path / 'desk' / 'sladesk.sqlite3'}"
    assert (tmp_path / "desk").is_dir()


def test_it_reads_postgres_urls() -> None:
    config = env.database_config("postgres://sladesk@127.0.0.1:5432/desk")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["NAME"], config["HOST"], config["PORT"]) == ("desk", "127.0.0.1", 5432)


def test_postgres_statements_are_prepared_unless_told_not_to(monkeypatch: pytest.MonkeyPatch) -> None:
    url = "postgres://sladesk@127.0.0.1:5432/desk"
    monkeypatch.delenv("SLADESK_PG_PREPARED", raising=False)
    options = env.database_config(url)["OPTIONS"]
    assert (options["server_side_binding"], options["prepare_threshold"]) == (True, 5)
    monkeypatch.setenv("SLADESK_PG_PREPARED", "false")  # a pooler that cannot keep them
    options = env.database_config(url).get("OPTIONS", {})
    assert "server_side_binding" not in options and "prepare_threshold" not in options
    monkeypatch.setenv("SLADESK_PG_PREPARED", "sometimes")
    with pytest.raises(env.ConfigError, match="SLADESK_PG_PREPARED='sometimes': expected true or false"):
        env.database_config(url)


@pytest.mark.parametrize(
    "url",
    ["mysql://root@localhost/x", "sqlite:///relative.sqlite3", "postgres://127.0.0.1:5432", "nonsense"],
)
def test_it_refuses_database_urls_it_cannot_use(url: str) -> None:
    with pytest.raises(env.ConfigError, match="DATABASE_URL="):
        env.database_config(url)


def test_it_refuses_a_bad_flag(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLADESK_DEBUG", "maybe")
    with pytest.raises(env.ConfigError, match="SLADESK_DEBUG='maybe': expected true or false"):
        env.flag("SLADESK_DEBUG")


def test_it_keeps_one_secret_key_per_data_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLADESK_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("SLADESK_SECRET_KEY", raising=False)
    first = env.secret_key()
    assert env.secret_key() == first
    assert len(first) > 40


def test_the_command_line_says_what_is_wrong_with_database_url(tmp_path: Path) -> None:
    result = run_sladesk("migrate", env={"DATABASE_URL": "mysql://x/y", "SLADESK_DATA_DIR": str(tmp_path)})
    assert result.returncode == 1
    assert (
        "DATABASE_URL='mysql://x/y': expected sqlite:////absolute/path.sqlite3 or postgres://" in result.stderr.decode()
    )


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("SLADESK_PORT", "abc", "SLADESK_PORT='abc': expected a whole number from 1 to 65535"),
        ("SLADESK_PORT", "70000", "SLADESK_PORT='70000': expected a whole number from 1 to 65535"),
        ("SLADESK_WEB_WORKERS", "abc", "SLADESK_WEB_WORKERS='abc': expected a whole number from 1 to 64"),
        ("SLADESK_LOGIN_FAILURE_LIMIT", "abc", "SLADESK_LOGIN_FAILURE_LIMIT='abc': expected a whole number from 1 to"),
        ("SLADESK_LOGIN_FAILURE_LIMIT", "0", "SLADESK_LOGIN_FAILURE_LIMIT='0': expected a whole number from 1 to 100"),
        ("SLADESK_LOGIN_FAILURE_LIMIT", "-1", "SLADESK_LOGIN_FAILURE_LIMIT='-1': expected a whole number from 1 to"),
        ("DATABASE_URL", "postgres://desk:s3cret@db:abc/desk", "DATABASE_URL='postgres://desk:***@db:abc/desk': "
         "expected postgres://user[:password]@host[:port]/name with a port from 1 to 65535"),
        ("DATABASE_URL", "postgres://desk@db:0/desk", "DATABASE_URL='postgres://desk@db:0/desk': expected"),
        ("SLADESK_LOG_LEVEL", "loud", "SLADESK_LOG_LEVEL='loud': expected one of DEBUG, INFO, WARNING"),
        ("SLADESK_HTTPS", "maybe", "SLADESK_HTTPS='maybe': expected true or false"),
    ],
)  # fmt: skip
def test_the_command_line_says_in_one_line_what_a_variable_expects(
    tmp_path: Path, variable: str, value: str, message: str
) -> None:
    result = run_sladesk("up", "--no-demo", env={"SLADESK_DATA_DIR": str(tmp_path), variable: value})
    assert result.returncode == 1
    err = result.stderr.decode()
    assert err.startswith(f"sladesk: {message}")
    assert err.count("\n") == 1  # one line, no traceback
    assert result.stdout == b""


def test_a_password_in_a_database_url_is_never_printed() -> None:
    with pytest.raises(env.ConfigError) as caught:
        env.database_config("postgres://desk:s3cret@db:99999/desk")
    assert "s3cret" not in str(caught.value)
    assert "postgres://desk:***@db:99999/desk" in str(caught.value)


def test_it_accepts_a_postgres_url_without_port_or_host() -> None:
    assert env.database_config("postgres:///desk")["NAME"] == "desk"
    assert env.database_config("postgres://desk@db/desk")["HOST"] == "db"


def test_the_data_directory_and_the_secret_key_are_private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLADESK_DATA_DIR", str(tmp_path / "desk"))
    monkeypatch.delenv("SLADESK_SECRET_KEY", raising=False)
    env.secret_key()
    assert (tmp_path / "desk").stat().st_mode & 0o777 == 0o700
    assert (tmp_path / "desk" / "secret_key").stat().st_mode & 0o777 == 0o600
    assert [p.name for p in (tmp_path / "desk").iterdir()] == ["secret_key"]  # no draft left behind
