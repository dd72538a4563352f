"""The ``holidays`` library's answers, kept on disk from one process to the next.

Importing the library costs more than the rest of ``sladesk sla replay`` takes to start
(about 50 ms, and 80 ms more for the first country: its package imports every country).
What it says for a country, subdivision, categories, language and year never changes while
the same library is installed, so its answers (and which countries and subdivisions it
knows) are kept in one small JSON file per installed library, under the user's cache
directory (``$XDG_CACHE_HOME/sladesk``, else ``~/.cache/sladesk``):

- the file belongs to one *identity*: the Python version, the ``RECORD`` of the installed
  ``holidays`` and ``python-dateutil`` distributions (every file of each with its sha256:
  another version or build is another identity) and the locale variables the library reads
  when no language, or one it does not have, is asked for. An install whose ``RECORD`` does
  not list its files (an editable one), or anything unexpected, has no identity: no cache;
- a file of another identity, or one that cannot be read or does not have the expected
  shape, is ignored (its answers are asked of the library again and the file rewritten);
- a file is written whole to a temporary file and renamed over the old one, so a reader
  never sees half of it; what another process wrote meanwhile is merged in first, and a
  lost race only loses an answer, asked again next time. A cache that cannot be written
  (no home, a read-only disk) is simply not kept.

Only the library's answers are kept: a policy's own additions are computed every time.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import sys
import threading
import zlib
from datetime import date
from pathlib import Path
from typing import Any

FORMAT = 1
# What the library reads of the environment: gettext's choice of a language.
_LOCALE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")
# The code that computes holidays: each package and its distribution's dist-info name.
_DISTRIBUTIONS = (("holidays", "holidays"), ("dateutil", "python_dateutil"))
_MAX_YEARS = 20_000  # answers kept in one file; past that it starts again


def spec_key(country: str, subdivision: str | None, categories: tuple[str, ...], language: str | None) -> str:
    """What the library is asked, as one string (a JSON list)."""
    return json.dumps([country, subdivision, list(categories), language], ensure_ascii=False)


class HolidayCache:
    """One cache file: read once (on first use), its answers in memory, written whole."""

    def __init__(self, path: Path | None, identity: str) -> None:
        self.path = path
        self.identity = identity
        self._lock = threading.Lock()
        self._years: dict[str, dict[str, Any]] | None = None  # spec key -> year -> [[iso date, name], ...]
        self._countries: set[str] = set()  # spec keys of (country, subdivision) the library knows

    def year(self, key: str, year: int) -> dict[date, str] | None:
        """The library's holidays of ``year`` for ``key``, or None when not kept (or malformed)."""
        kept = self._loaded().get(key, {}).get(str(year))
        if not isinstance(kept, list):
            return None
        out: dict[date, str] = {}
        try:
            for day, name in kept:
                if not (isinstance(day, str) and isinstance(name, str)):
                    return None
                out[date.fromisoformat(day)] = name
        except (TypeError, ValueError):  # not pairs, or not dates
            return None
        return out

    def keep_year(self, key: str, year: int, holidays: dict[date, str]) -> None:
        if not all(type(day) is date and type(name) is str for day, name in holidays.items()):
            return  # not what the cache can give back exactly
        years = self._loaded()
        with self._lock:
            years.setdefault(key, {})[str(year)] = [[day.isoformat(), name] for day, name in holidays.items()]
            self._write(years)

    def knows_country(self, country: str, subdivision: str | None) -> bool:
        self._loaded()
        return _country_key(country, subdivision) in self._countries

    def keep_country(self, country: str, subdivision: str | None) -> None:
        years = self._loaded()
        with self._lock:
            self._countries.add(_country_key(country, subdivision))
            self._write(years)

    def _loaded(self) -> dict[str, dict[str, Any]]:
        """The answers kept, the file read on first use."""
        years = self._years
        if years is None:
            with self._lock:
                years = self._years
                if years is None:
                    years, countries = self._read()
                    self._countries |= countries
                    self._years = years
        return years

    def _read(self) -> tuple[dict[str, dict[str, Any]], set[str]]:
        """What the file holds for this identity; nothing when it is absent, another
        identity's, or not what this module writes."""
        if self.path is None:
            return {}, set()
        try:
            data = json.loads(self.path.read_bytes())
        except (OSError, ValueError):
            return {}, set()
        if not (isinstance(data, dict) and data.get("format") == FORMAT and data.get("identity") == self.identity):
            return {}, set()
        years, countries = data.get("years"), data.get("countries")
        if not (isinstance(years, dict) and isinstance(countries, list)):
            return {}, set()
        if not all(isinstance(v, dict) for v in years.values()) or not all(isinstance(c, str) for c in countries):
            return {}, set()
        return years, set(countries)

    def _write(self, years: dict[str, dict[str, Any]]) -> None:
        """The answers in memory, with what the file holds now, written to the file at once
        (under ``self._lock``)."""
        if self.path is None:
            return
        on_disk, countries = self._read()  # another process may have added answers since
        for key, kept in on_disk.items():
            for year, holidays in kept.items():
                years.setdefault(key, {}).setdefault(year, holidays)
        self._countries |= countries
        if sum(len(kept) for kept in years.values()) > _MAX_YEARS:
            years.clear()  # an unusual use: start again rather than grow without end
        text = json.dumps(
            {"format": FORMAT, "identity": self.identity, "countries": sorted(self._countries), "years": years},
            ensure_ascii=False,
            separators=(",", ":"),
        )
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            temporary.write_text(text, encoding="utf-8")
            temporary.replace(self.path)  # atomic: a reader sees the old file or the new one
        except OSError:  # not kept this time
            with contextlib.suppress(OSError):
                temporary.unlink(missing_ok=True)


def _country_key(country: str, subdivision: str | None) -> str:
    return json.dumps([country, subdivision], ensure_ascii=False)


def library_identity() -> str | None:
    """Everything the library's answers depend on besides the question, as text; None
    when it cannot be told (then nothing is cached)."""
    parts = [f"sladesk holiday cache {FORMAT}", sys.version]
    for package, distribution in _DISTRIBUTIONS:
        try:
            spec = importlib.util.find_spec(package)
        except (ImportError, ValueError):
            return None
        if spec is None or spec.origin is None:
            return None
        site = Path(spec.origin).parent.parent
        try:
            records = [entry / "RECORD" for entry in site.iterdir() if _is_dist_info(entry.name, distribution)]
            if len(records) != 1:
                return None
            record = records[0].read_bytes()
        except OSError:
            return None
        if f"{package}/__init__.py,".encode() not in record:
            return None  # its files are not listed: an editable install, which may change under us
        parts.append(f"{records[0]} {len(record)} {zlib.crc32(record):08x} {zlib.adler32(record):08x}")
    parts.extend(f"{name}={os.environ.get(name, '')}" for name in _LOCALE_VARIABLES)
    return "\n".join(parts)


def _is_dist_info(name: str, distribution: str) -> bool:
    return name.endswith(".dist-info") and name.lower().startswith(f"{distribution}-")


def cache_directory() -> Path | None:
    base = Path(os.environ.get("XDG_CACHE_HOME") or ".")
    if base.is_absolute():  # the XDG rule: a relative value is ignored
        return base / "sladesk"
    try:
        return Path.home() / ".cache" / "sladesk"
    except RuntimeError:  # no home directory
        return None


_CACHE: HolidayCache | None = None
_CACHE_LOCK = threading.Lock()


def holiday_cache() -> HolidayCache:
    """This process's cache (one identity: the library does not change while it runs)."""
    global _CACHE
    cache = _CACHE
    if cache is None:
        with _CACHE_LOCK:
            cache = _CACHE
            if cache is None:
                identity = library_identity()
                directory = cache_directory() if identity is not None else None
                path = None
                if identity is not None and directory is not None:
                    path = directory / f"holidays-{zlib.crc32(identity.encode()):08x}.json"
                cache = _CACHE = HolidayCache(path, identity or "")
    return cache
