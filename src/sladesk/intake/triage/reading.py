"""Reading an email: its parts (subject, new text, forwarded, quoted history), and the hits of a table in them."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from sladesk.intake.triage.signals import CODE, HYPOTHETICAL, MESSAGE, WORD
from sladesk.intake.triage.words import NEEDLES, Row, Table, fold

# ---- reading: the parts of an email -----------------------------------------------------------------
WEIGHTS = {"subject": 1.0, "new": 1.0, "forwarded": 0.8, "quoted": 0.2}


@dataclass(frozen=True)
class Part:
    kind: str  # subject, new, forwarded, quoted
    raw: str
    low: str  # folded

    @property
    def weight(self) -> float:
        return WEIGHTS[self.kind]

    @property
    def informs(self) -> bool:
        """Whether it may say what the request is (quoted history does not)."""
        return self.kind != "quoted"

    @functools.cached_property
    def words(self) -> list[re.Match[str]]:
        return list(WORD.finditer(self.low))

    @functools.cached_property
    def tokens(self) -> tuple[str, ...]:
        return tuple(w.group() for w in self.words)

    @functools.cached_property
    def present(self) -> frozenset[str]:
        """The signals' needles this part holds: a row none of whose needles is here cannot match."""
        return frozenset(n for n in NEEDLES if n in self.low)

    def finditer(self, row: Row) -> Iterator[re.Match[str]]:
        if row.needles and self.present.isdisjoint(row.needles):
            return iter(())
        return row.pattern.finditer(self.low)


def _part(kind: str, raw: str) -> Part:
    return Part(kind, raw, fold(raw))


_PREFIX = re.compile(r"^\s*((?:re|res|aw|enc|fw|fwd|tr)\s*:\s*)+", re.IGNORECASE)
_REPLY_MARK = re.compile(r"^\s*(em|on|no dia)\b.{0,240}\b(escreveu|wrote)\s*:?\s*$")
_ORIGINAL = re.compile(r"^\s*-{2,}\s*(original message|mensagem original)\s*-{2,}\s*$")
_FORWARD_MARK = re.compile(
    r"^\s*(-{2,}\s*(forwarded message|mensagem encaminhada)\s*-{2,}|begin forwarded message:"
    r"|inicio da mensagem encaminhada:)\s*$"
)
_RULE = re.compile(r"^\s*_{8,}\s*$")
_HEADER = re.compile(
    r"^\s*\*?(de|from|para|to|cc|cco|bcc|enviad[oa]|enviad[oa] em|sent|data|date|assunto|subject)\*?\s*:"
)
_CLOSING = re.compile(
    r"^\s*(att|atte|at\.te|atenciosamente|abs|abraco|abracos|obrigad[oa]|grat[oa]|cordialmente|saudacoes"
    r"|--|enviado do meu|enviado de|sent from my)\b"
)
_INLINE_CLOSING = re.compile(r"[.!?,]\s+(att|abs|obrigad[oa])\b[^.!?]{0,30}$")
_ROLE = re.compile(
    r"^\s*(gestor|gestora|gerente|vendedor|vendedora|diretor|diretora|coordenador|coordenadora|supervisor"
    r"|supervisora|analista|comercial|administrativo|ti)\b"
)
_PHONE = re.compile(r"^[\s()+\d.-]{8,}$")


MAX_TEXT = 20_000  # characters of the body read: a request says what it is at its start
MAX_SUBJECT = 500


def read(subject: str, text: str) -> list[Part]:
    """The email as parts: subject, new text, forwarded message, quoted history (those present)."""
    subject = subject[:MAX_SUBJECT]
    kind = _subject_kind(subject)
    lines = text[:MAX_TEXT].replace("\r\n", "\n").replace("\r", "\n").split("\n")
    new: list[str] = []
    quoted: list[str] = []
    older: list[Part] = []
    for i, line in enumerate(lines):
        starts = _marker(lines, i, kind == "forwarded")
        if starts:
            older.append(_part(starts, "\n".join(_unsigned(_without_headers(lines[i + 1 :])))))
            break
        if line.lstrip().startswith(">"):
            quoted.append(re.sub(r"^\s*(>\s?)+", "", line))
        else:
            new.append(line)
    head = [_part(kind, _PREFIX.sub("", subject))] if subject.strip() else []
    tail = [_part("quoted", "\n".join(quoted))] if quoted else []
    return [*head, _part("new", "\n".join(_unsigned(new))), *older, *tail]


def _subject_kind(subject: str) -> str:
    prefix = _PREFIX.match(subject)
    if not prefix:
        return "subject"
    first = fold(prefix.group(0)).split(":")[0].strip()
    return "quoted" if first in ("re", "res", "aw") else "forwarded"


def _marker(lines: list[str], i: int, forwarded_subject: bool) -> str:
    """The kind of the older part that starts at line ``i`` ("" when none starts there)."""
    line = fold(lines[i])
    two = f"{line} {fold(lines[i + 1])}" if i + 1 < len(lines) else line
    if _FORWARD_MARK.match(line):
        return "forwarded"
    if _REPLY_MARK.match(line) or _REPLY_MARK.match(two):
        return "quoted"
    outlook = _HEADER.match(line) and re.match(r"^\s*\*?(de|from)\b", line)
    headers = bool(outlook) and any(_HEADER.match(fold(x)) for x in lines[i + 1 : i + 3])
    if headers or _RULE.match(line) or _ORIGINAL.match(line):
        return "forwarded" if forwarded_subject else "quoted"
    return ""


def _without_headers(lines: list[str]) -> list[str]:
    """An older part without its leading headers and its ">" marks."""
    lines = [re.sub(r"^\s*(>\s?)+", "", x) for x in lines]
    i = 0
    while i < len(lines) and (not lines[i].strip() or _HEADER.match(fold(lines[i])) or _marker(lines, i, False)):
        i += 1
    return lines[i:]


def _unsigned(lines: list[str]) -> list[str]:
    """``lines`` without the signature: from a closing line on, then a trailing block of names."""
    for i, line in enumerate(lines):
        if _CLOSING.match(fold(line)) and len(line.split()) <= 5:
            lines = lines[:i]
            break
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    end = len(lines)
    while end > 1 and end > len(lines) - 4 and _name_like(lines[end - 1]):
        end -= 1
    if any(x.strip() for x in lines[:end]):
        lines = lines[:end]
    if lines:
        found = _INLINE_CLOSING.search(fold(lines[-1]))
        lines[-1] = lines[-1][: found.start() + 1] if found else lines[-1]
    return lines


def _name_like(line: str) -> bool:
    """A signature's line: a name, a role, a phone, an email."""
    words = line.replace("|", " ").replace("-", " ").split()
    low = fold(line).strip()
    if not words or ":" in line:
        return False
    if _ROLE.match(low) or _PHONE.match(line) or re.fullmatch(r"\S+@\S+", low):
        return True
    if low.startswith(("loja", "filial", "unidade")):
        return False
    return len(words) <= 4 and all(w[0].isupper() for w in words) and not line.rstrip().endswith(("?", "."))


# ---- hits -------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Hit:
    part: Part
    start: int
    end: int
    weight: float

    @property
    def text(self) -> str:
        return " ".join(self.part.raw[self.start : self.end].split())


def hits(parts: Iterable[Part], rows: Table) -> list[Hit]:
    """Every match of ``rows`` in ``parts``, weighed by the row and the part."""
    return [Hit(p, m.start(), m.end(), row.weight * p.weight) for p in parts for row in rows for m in p.finditer(row)]


@dataclass(frozen=True)
class Reading:
    parts: list[Part]
    _found: dict[int, list[Hit]] = field(default_factory=dict, compare=False, repr=False)

    @property
    def informing(self) -> list[Part]:
        return [p for p in self.parts if p.informs]

    def find(self, rows: Table, quoted_too: bool = False) -> list[Hit]:
        """The hits of ``rows`` (one of this module's tables: searched once per reading)."""
        found = self._found.get(id(rows))
        if found is None:
            found = self._found[id(rows)] = hits(self.parts, rows)
        return list(found) if quoted_too else [h for h in found if h.part.informs]

    def messages(self) -> list[Hit]:
        """An error's text quoted ("aparece 'Falha ao salvar'"), or a code written like ERR_SYNC."""
        codes = [Hit(p, m.start(), m.end(), 1) for p in self.informing for m in CODE.finditer(p.raw)]
        return self.find(MESSAGE) + codes


def real(found: list[Hit]) -> list[Hit]:
    """The hits not said as a hypothesis ("se um dia o Oto ficar fora do ar")."""
    kept = []
    for hit in found:
        since = max(0, hit.start - 200)  # a hypothesis is said just before ("se um dia o Oto ficar")
        sentence = max(since - 1, *(hit.part.low.rfind(c, since, hit.start) for c in ".!?\n")) + 1
        if not HYPOTHETICAL.search(hit.part.low, sentence, hit.end):
            kept.append(hit)
    return kept


def total(found: list[Hit]) -> float:
    """The weight of the hits, each place in the text counted once (at its heaviest)."""
    best: dict[tuple[int, int], float] = {}
    for hit in found:
        key = (id(hit.part), hit.start)
        best[key] = max(best.get(key, 0.0), hit.weight)
    return sum(best.values())


def quote(found: Sequence[Hit], limit: int = 3) -> str:
    """The writer's words of the heaviest hits, quoted: '"fora do ar" e "todas as lojas"'."""
    texts: list[str] = []
    taken: list[Hit] = []
    for hit in sorted(found, key=lambda h: -h.weight):  # stable: a table's first rows are its surest
        text = hit.text if len(hit.text) <= 40 else hit.text[:37] + "..."
        overlaps = any(o.part is hit.part and o.start < hit.end and hit.start < o.end for o in taken)
        if not overlaps and text.lower() not in (t.lower() for t in texts):
            texts.append(text)
            taken.append(hit)
    shown = [f'"{t}"' for t in texts[:limit]]
    return " e ".join([", ".join(shown[:-1]), shown[-1]]) if len(shown) > 1 else "".join(shown)
