"""The directory CSV columns and how one cell is read and written.

Each reader takes the stripped cell text and returns a value or raises
``ValueError`` with the problem in words (the importer adds file, line and column).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from datetime import date

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator

CONTRACT_COLUMNS = (
    "customer",
    "customer_name",
    "model",
    "partner",
    "support_seats",
    "platforms",
    "csm",
    "partner_hours",
    "training",
    "starts_on",
    "ends_on",
)
PEOPLE_COLUMNS = ("customer", "store", "name", "email", "phone", "role", "support_seat", "manager_email")
HEADERS = {"contracts": CONTRACT_COLUMNS, "people": PEOPLE_COLUMNS}

YES, NO = "sim", "não"
_YES_NO = {
    **dict.fromkeys(("sim", "yes", "true", "1"), True),
    **dict.fromkeys(("não", "nao", "no", "false", "0"), False),
}
PLATFORMS = ("oto", "context")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
MAX_SEATS = 2_147_483_647  # PositiveIntegerField on every database


# A customer code goes into URLs (``/directory/c/<code>/``) and file names: letters and digits
# of ASCII, then also ``.``, ``_`` and ``-`` (not first: no ``..`` nor ``-x`` that reads as an option).
CODE_MAX = 64
CODE_ALLOWED = (
    f"ASCII letters and digits, then also '.', '_' and '-' (at most {CODE_MAX} characters, a letter or digit first)"
)
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def code(cell: str) -> str:
    if not cell:
        raise ValueError("is required")
    if len(cell) > CODE_MAX:
        raise ValueError(f"is longer than {CODE_MAX} characters")
    if not _CODE.fullmatch(cell):
        raise ValueError(f"'{cell}' is not a customer code: only {CODE_ALLOWED}")
    return cell


def is_code(value: str) -> bool:
    return len(value) <= CODE_MAX and _CODE.fullmatch(value) is not None


# Cells a spreadsheet would run as a formula (OWASP, "CSV injection"): the export writes them
# behind a ' and the import takes that ' away again, so an export re-imported changes nothing.
# A cell that already starts with ' before one of these gets one more, for the same reason.
_FORMULA = re.compile(r"'*[=+\-@\t\r]")


def neutralise(cell: str) -> str:
    """A cell as the export writes it: ``'`` before a formula (``=1+1`` is written ``'=1+1``)."""
    return "'" + cell if _FORMULA.match(cell) else cell


def unneutralise(cell: str) -> str:
    """The importer's reading of ``neutralise``: one ``'`` fewer before a formula."""
    return cell[1:] if cell[:1] == "'" and _FORMULA.match(cell, 1) else cell


# Characters no cell may hold: C0 and C1 controls (NUL among them: PostgreSQL refuses it in
# text), DEL, and the Unicode line and paragraph separators.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_CONTROL_BUT_LINE_ENDS = re.compile("[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")


def control_character(cell: str) -> str:
    """The first control character in the cell, said as U+XXXX with its position, or ""."""
    found = _CONTROL.search(cell)
    if found is None:
        return ""
    return f"U+{ord(found.group()):04X} at character {found.start() + 1}"


def has_control(text: str) -> bool:
    """Whether the text holds a control character other than the line ends CR and LF."""
    return _CONTROL_BUT_LINE_ENDS.search(text) is not None


def text(max_length: int, required: bool = True) -> Callable[[str], str]:
    def read(cell: str) -> str:
        if required and not cell:
            raise ValueError("is required")
        if len(cell) > max_length:
            raise ValueError(f"is longer than {max_length} characters")
        return cell

    return read


def choice(options: Sequence[str]) -> Callable[[str], str]:
    def read(cell: str) -> str:
        value = cell.lower()
        if value not in options:
            raise ValueError(f"'{cell}' is not one of {', '.join(options)}")
        return value

    return read


def yes_no(cell: str) -> bool:
    """sim/não/yes/no/true/false/1/0 in any case (also "nao"); an empty cell is "não"."""
    if not cell:
        return False
    try:
        return _YES_NO[cell.lower()]
    except KeyError:
        raise ValueError(f"'{cell}' is not a yes/no value (sim, não, yes, no, true, false, 1, 0)") from None


def write_yes_no(value: bool) -> str:
    return YES if value else NO


def count(cell: str) -> int:
    if not cell.isascii() or not cell.isdigit() or int(cell) > MAX_SEATS:
        raise ValueError(f"'{cell}' is not a whole number (0 or more)")
    return int(cell)


def platforms(cell: str) -> tuple[bool, bool]:
    """``oto``, ``context`` or ``oto;context`` (either order) as (oto, context)."""
    names = [name.strip().lower() for name in cell.split(";")]
    if not cell or any(name not in PLATFORMS for name in names) or len(set(names)) != len(names):
        raise ValueError(f"'{cell}' is not oto, context or oto;context")
    return "oto" in names, "context" in names


def write_platforms(oto: bool, context: bool) -> str:
    return ";".join(name for name, on in zip(PLATFORMS, (oto, context), strict=True) if on)


def iso_date(cell: str) -> date:
    if not _DATE.fullmatch(cell):
        raise ValueError(f"'{cell}' is not a date YYYY-MM-DD")
    try:
        return date.fromisoformat(cell)
    except ValueError:
        raise ValueError(f"'{cell}' is not a date YYYY-MM-DD (no such day)") from None


def optional_date(cell: str) -> date | None:
    return iso_date(cell) if cell else None


class _EmailValidator(EmailValidator):
    """Django's email check, its patterns compiled here once rather than reached through a lazy
    object on every call (a third of the time of reading a large people file)."""

    user_regex = re.compile(EmailValidator.user_regex.pattern, EmailValidator.user_regex.flags)
    domain_regex = re.compile(EmailValidator.domain_regex.pattern, EmailValidator.domain_regex.flags)
    literal_regex = re.compile(EmailValidator.literal_regex.pattern, EmailValidator.literal_regex.flags)


_validate_email = _EmailValidator()


def email(cell: str) -> str:
    if not cell:
        raise ValueError("is required")
    if len(cell) > 254:
        raise ValueError("is longer than 254 characters")
    try:
        _validate_email(cell)
    except ValidationError:
        raise ValueError(f"'{cell}' is not a valid email address") from None
    return cell.lower()


@functools.lru_cache(maxsize=4096)
def optional_email(cell: str) -> str:
    """A manager's email: a few of them, each on many rows, so each is checked once."""
    return email(cell) if cell else ""
