"""The holidays library's answers kept on disk: always what the library says, whatever is
found in the file, whoever writes it at the same time."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import holidays as holidays_lib
import pytest

from sladesk.core import holiday_cache as module
from sladesk.core.holiday_cache import HolidayCache, library_identity, spec_key
from sladesk.core.holidays import _library_year, check_country

SPECS = [
    ("BR", None, ("public",), None),
    ("BR", "RS", ("public",), "pt_BR"),
    ("BR", "SP", ("public", "optional"), "en_US"),
    ("US", "CA", ("public",), "en_US"),  # 2027 holds the observed New Year's Day of 2028
    ("DE", "BY", ("public",), "de"),
    ("GB", "SCT", ("public",), None),
]
YEARS = (1999, 2024, 2026, 2027, 2028, 2040)


def library(country: str, subdivision: str | None, categories: tuple[str, ...], language: str | None, year: int):
    return holidays_lib.country_holidays(
        country, subdiv=subdivision, years=year, categories=categories, language=language
    )


@pytest.fixture
def use_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Callable[[], HolidayCache]:
    """A new process's cache, as often as called: the same file, read again."""

    def use() -> HolidayCache:
        cache = HolidayCache(tmp_path / "holidays.json", library_identity() or "")
        monkeypatch.setattr(module, "_CACHE", cache)
        return cache

    return use


def test_it_knows_this_library() -> None:
    identity = library_identity()
    assert identity is not None
    assert "holidays-" in identity and "python_dateutil-" in identity


@pytest.mark.parametrize("spec", SPECS, ids=str)
def test_it_gives_back_exactly_what_the_library_said(spec, use_cache) -> None:
    use_cache()
    for year in YEARS:
        assert list(_library_year(*spec, year).items()) == list(library(*spec, year).items())
    again = use_cache()
    for year in YEARS:
        kept = again.year(spec_key(*spec), year)
        assert kept is not None
        assert list(kept.items()) == list(library(*spec, year).items())  # the same order too


def test_it_remembers_the_countries_the_library_knows(use_cache) -> None:
    use_cache()
    assert check_country("BR", "RS") is None
    assert check_country("XX", None) == "the holidays library has no country 'XX'"
    assert check_country("BR", "ZZ")  # the library's own words
    again = use_cache()
    assert again.knows_country("BR", "RS")
    assert not again.knows_country("XX", None)
    assert not again.knows_country("BR", "ZZ")  # refusals are always asked of the library


def _kept_file(tmp_path: Path) -> dict:
    return json.loads((tmp_path / "holidays.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    "spoil",
    [
        lambda data: b"",
        lambda data: b"{not json",
        lambda data: json.dumps(data)[:-40].encode(),
        lambda data: b"[]",
        lambda data: json.dumps({**data, "identity": "another library"}).encode(),
        lambda data: json.dumps({**data, "format": 0}).encode(),
        lambda data: json.dumps({**data, "years": []}).encode(),
        lambda data: json.dumps({**data, "years": {k: 1 for k in data["years"]}}).encode(),
        lambda data: json.dumps({**data, "countries": [1]}).encode(),
        lambda data: json.dumps(_each_year(data, [["2027-13-01", "Nunca"]])).encode(),
        lambda data: json.dumps(_each_year(data, [["2027-01-01", "Ano Novo", "extra"]])).encode(),
        lambda data: json.dumps(_each_year(data, [["2027-01-01", 1]])).encode(),
        lambda data: json.dumps(_each_year(data, [7])).encode(),
        lambda data: json.dumps(_each_year(data, "2027-01-01")).encode(),
    ],
)
def test_it_asks_the_library_again_when_the_file_is_not_right(spoil, use_cache, tmp_path: Path) -> None:
    spec = SPECS[1]
    use_cache()
    _library_year(*spec, 2027)
    (tmp_path / "holidays.json").write_bytes(spoil(_kept_file(tmp_path)))
    use_cache()
    assert list(_library_year(*spec, 2027).items()) == list(library(*spec, 2027).items())
    assert use_cache().year(spec_key(*spec), 2027) == dict(library(*spec, 2027))  # and the file is right again


def _each_year(data: dict, value: object) -> dict:
    return {**data, "years": {key: {year: value for year in years} for key, years in data["years"].items()}}


def test_it_keeps_one_file_per_library_and_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a language, or with one it does not have, the library reads the locale."""
    monkeypatch.setenv("LANG", "pt_BR.UTF-8")
    brazilian = library_identity()
    monkeypatch.setenv("LANG", "C.UTF-8")
    assert library_identity() != brazilian


def test_it_keeps_nothing_for_an_install_that_does_not_list_its_files(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    package = tmp_path / "holidays"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (tmp_path / "holidays-9.9.dist-info").mkdir()
    (tmp_path / "holidays-9.9.dist-info" / "RECORD").write_text("__editable__.holidays-9.9.pth,,\n")
    fake = SimpleNamespace(origin=str(package / "__init__.py"))
    monkeypatch.setattr(module.importlib.util, "find_spec", lambda name: fake)
    assert library_identity() is None


# ---- between processes ------------------------------------------------------------------------
def _python(code: str, cache_home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache_home)}
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True, timeout=120
    )


REPLAY = (
    "import sys;"
    "from sladesk.core.policy import load_default_policy;"
    "from sladesk.core.replay import replay_one;"
    "p = load_default_policy();"
    "r = replay_one(p, {'received_at': '2027-03-01T10:00:00-03:00', 'channel': 'email',"
    " 'now': '2027-12-31T11:00:00-03:00'});"
    "print(r['metrics']['resolution']['due'], 'holidays' in sys.modules)"
)


def test_a_second_process_never_imports_the_library(tmp_path: Path) -> None:
    first = _python(REPLAY, tmp_path).stdout.split()
    second = _python(REPLAY, tmp_path).stdout.split()
    assert first[1] == "True"
    assert second == [first[0], "False"]
    assert [p.name for p in (tmp_path / "sladesk").iterdir()] == [p.name for p in (tmp_path / "sladesk").glob("*.json")]


def test_it_does_without_a_cache_it_cannot_write(tmp_path: Path) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    assert _python(REPLAY, blocked).stdout.split()[1] == "True"
    assert _python(REPLAY, blocked).stdout.split()[1] == "True"  # nothing kept, nothing broken


def test_writers_at_the_same_time_leave_a_file_that_is_right(tmp_path: Path) -> None:
    code = (
        "import sys;"
        "from sladesk.core.holidays import _library_year;"
        "[_library_year('BR', 'RS', ('public',), 'pt_BR', y) for y in range(int(sys.argv[1]), int(sys.argv[1]) + 8)]"
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    writers = [subprocess.Popen([sys.executable, "-c", code, str(start)], env=env) for start in range(2000, 2048, 8)]
    assert [w.wait(timeout=120) for w in writers] == [0] * len(writers)
    files = list((tmp_path / "sladesk").iterdir())
    assert len(files) == 1  # no temporary file left behind
    data = json.loads(files[0].read_text(encoding="utf-8"))
    kept = data["years"][spec_key("BR", "RS", ("public",), "pt_BR")]
    assert kept  # a lost race loses answers, never the file
    for year, days in kept.items():
        assert [[date.fromisoformat(d), n] for d, n in days] == [
            [d, n] for d, n in library("BR", "RS", ("public",), "pt_BR", int(year)).items()
        ]
