"""Whether our own mail server authenticated the sender: its Authentication-Results header
(RFC 8601), and only its own (a sender can write any header, including one in our server's
name below the one our server adds: only the topmost of our server's counts). Pure."""

from __future__ import annotations

import re
from collections.abc import Sequence

_PREFIX = re.compile(r"\s*authentication-results\s*:", re.I)
_METHOD = re.compile(r"([a-z][a-z0-9_-]*)\s*(?:/\s*[0-9]+\s*)?=\s*([a-z]+)", re.I)
# Methods a sloppy server writes one after the other without the ";" between them.
_METHODS = {"spf", "dkim", "dmarc", "arc", "iprev", "auth", "sender-id", "domainkeys", "dkim-atps", "bimi"}


def verdict(results: Sequence[str], authserv_id: str) -> str:
    """ "pass", "fail" or "none" (no header of ``authserv_id``) for the topmost header of that
    server: "fail" when dmarc=fail, or when neither spf nor dkim passed."""
    wanted = authserv_id.strip().lower()
    for value in results:
        server, found = read_results(value)
        if wanted and server == wanted:
            if "fail" in found.get("dmarc", ()):
                return "fail"
            passed = "pass" in found.get("spf", ()) or "pass" in found.get("dkim", ())
            return "pass" if passed else "fail"
    return "none"


def read_results(value: str) -> tuple[str, dict[str, list[str]]]:
    """The authserv-id (lower-case) and each method's results (lower-case), in order."""
    statements = _statements(_PREFIX.sub("", value, count=1))
    server = statements[0].split()[0].strip('"').lower() if statements and statements[0].split() else ""
    found: dict[str, list[str]] = {}
    for statement in statements[1:]:
        words = statement.split()
        for i, word in enumerate(words):
            method = _METHOD.fullmatch(word) or _METHOD.fullmatch(" ".join(words[i : i + 3]))
            if method is None or (i > 0 and method.group(1).lower() not in _METHODS):
                continue
            found.setdefault(method.group(1).lower(), []).append(method.group(2).lower())
    return server, found


def _statements(value: str) -> list[str]:
    """The ";"-separated statements, without (comments), nested or not: a ";" or a "(" inside
    a quoted string does not count."""
    statements: list[str] = []
    out: list[str] = []
    depth, quoted, escaped = 0, False, False
    for c in value:
        keep = depth == 0
        if escaped:
            escaped = False
        elif c == "\\":
            escaped = True
        elif c == '"' and depth == 0:
            quoted = not quoted
        elif c == "(" and not quoted:
            depth, keep = depth + 1, False
        elif c == ")" and not quoted and depth:
            depth, keep = depth - 1, False
        elif c == ";" and not quoted and depth == 0:
            statements.append(" ".join("".join(out).split()))
            out, keep = [], False
        if keep:
            out.append(c)
    statements.append(" ".join("".join(out).split()))
    return statements
