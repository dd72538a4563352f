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
