"""Text that goes into an email header (a subject, a name): one line, no control characters.

Cleaned where it enters the desk (a ticket's subject when the ticket is created), so that an
email never fails later because of what a customer or an agent typed."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def one_line(text: str) -> str:
    """Line breaks, tabs and other control or separator characters become one space each run."""
    if text.isascii() and text.isprintable():  # none of those characters (the usual subject)
        return _SPACES.sub(" ", text).strip()
    kept = "".join(" " if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") else c for c in text)
    return _SPACES.sub(" ", kept).strip()
