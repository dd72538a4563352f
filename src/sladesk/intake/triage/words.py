"""Folding (lower case, no accents, the same length) and the tables of patterns the signals are written in."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass


# ---- folding: lower case, no accents, the same length ----------------------------------------------
class _Fold(dict[int, str]):
    def __missing__(self, code: int) -> str:
        ch = chr(code)
        bare = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c)).lower()
        out = bare if len(bare) == 1 else (ch.lower() if len(ch.lower()) == 1 else ch)
        self[code] = out
        return out


_FOLD = _Fold()


def fold(text: str) -> str:
    """``text`` in lower case without accents, character for character (the same length)."""
    return text.translate(_FOLD)


# ---- signals: tables of patterns on folded text ------------------------------------------------------
@dataclass(frozen=True)
class Row:
    """A signal: its pattern, its weight, and literal prefixes one of which starts every match (the
    pattern runs only on a part that holds one of them; none known: it always runs)."""

    pattern: re.Pattern[str]
    weight: float
    needles: tuple[str, ...]


Table = tuple[Row, ...]
NEEDLES: set[str] = set()  # every row's needles: each part notes once which it holds


def table(*rows: tuple[str, float]) -> Table:
    made = tuple(Row(re.compile(pattern), weight, needles(pattern)) for pattern, weight in rows)
    NEEDLES.update(n for row in made for n in row.needles)
    return made


def needles(pattern: str) -> tuple[str, ...]:
    """The literal prefixes of ``pattern``'s alternatives (leading \\b skipped, one leading group opened),
    or () when an alternative has no literal prefix of two characters or more."""
    found = _prefixes(pattern)
    return tuple(dict.fromkeys(found)) if found else ()


def _prefixes(pattern: str) -> list[str] | None:
    out: list[str] = []
    for alternative in _alternatives(pattern):
        found = _alternative_prefixes(alternative)
        if not found:
            return None
        out += found
    return out


def _alternatives(pattern: str) -> list[str]:
    """``pattern`` split at its top-level "|"."""
    parts, depth, start, i, in_class = [], 0, 0, 0, False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if in_class or c == "[":
            in_class = c != "]" if in_class else True
        elif c in "()":
            depth += 1 if c == "(" else -1
        elif c == "|" and depth == 0:
            parts.append(pattern[start:i])
            start = i + 1
        i += 1
    return [*parts, pattern[start:]]


def _alternative_prefixes(alternative: str) -> list[str] | None:
    while alternative.startswith("\\b"):
        alternative = alternative[2:]
    if alternative.startswith("(?:"):
        end = _closing(alternative)
        if end < 0 or alternative[end + 1 : end + 2] in ("?", "*", "{"):
            return None
        return _prefixes(alternative[3:end])
    run = ""
    for c in alternative:
        if c in "?*{":  # the character before is optional
            run = run[:-1]
            break
        if c in "\\[](){}+.|^$":
            break
        run += c
    return [run] if len(run) >= 2 else None


def _closing(text: str) -> int:
    """The index of the ")" that closes the group opened at 0 (-1 if none)."""
    depth, i = 0, 0
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        depth += {"(": 1, ")": -1}.get(text[i], 0)
        if depth == 0:
            return i
        i += 1
    return -1
