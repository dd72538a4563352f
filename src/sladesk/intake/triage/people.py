"""Who and where: the affected person matched against the customer's directory, and the store named."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from sladesk.intake.triage.reading import Part, Reading
from sladesk.intake.triage.signals import ALL_STORES, EVERYONE, WORD
from sladesk.intake.triage.words import fold


@dataclass(frozen=True)
class Candidate:
    """A person of the requester's customer, from the directory."""

    name: str
    email: str
    store: str  # "" when none


# ---- who and where ------------------------------------------------------------------------------------------
STORE_AT = re.compile(r"\b(?:loja|lojas|filial|filiais|unidade)\b\s*:?\s*(?:da |de |do )?")
GENERIC_STORE_WORDS = frozenset({"loja", "filial", "unidade", "shopping", "de", "do", "da", "dos", "das", "e"})
PERSON_CUES = frozenset(
    {"vendedor", "vendedora", "gerente", "usuario", "usuaria", "gestor", "gestora", "o", "a", "do", "da", "pro", "pra"}
    | {"com", "ao", "para", "sr", "sra"}
)
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
FIRST_PERSON = re.compile(
    r"\b(?:meu|minha) (?:usuario|login|acesso|conta|senha|perfil)\b|\bcomigo\b|\bsou eu\b|\bso (?:pra|para) mim\b"
)
GROUP = re.compile(r"\b(?:os|as|varios|varias|todos os|uns) (?:\w+ )?(?:vendedor|vendedora|gerente|usuario)\w*")
ROLE_CUE = (
    r"\b(?:vendedor|vendedora|gerente|usuario|usuaria|gestor|gestora|funcionari[oa]|colaborador[a]?"
    r"|nome del[ea] e|usuario afetado)\w*\s*:?\s*"
)
NAMED = (  # "o vendedor Marcos", "a nova gerente, a Fernanda Costa", "a Camila Torres como vendedora"
    re.compile(rf"{ROLE_CUE}(?:o |a )?([^\W\d_]+(?: [^\W\d_]+)?)"),
    re.compile(rf"{ROLE_CUE}[^.\n]{{0,40}}?[,:]\s*(?:o |a )?([^\W\d_]+(?: [^\W\d_]+)?)"),
)
NAMED_AS = re.compile(r"\b([^\W\d_]+ [^\W\d_]+),? como (?:vendedor|vendedora|gerente|gestor|gestora)\b")
PRODUCT_WORDS = frozenset({"oto", "context", "web", "app", "android", "iphone", "ios", "ipad"})
LIST_NAME = re.compile(r"^\s*(?:\d+[.)-]|[-*•])\s*([^\W\d_]+(?: [^\W\d_]+){1,2})\s*$", re.MULTILINE)
VOCATIVE = re.compile(
    r"^\s*(?:(?:oi|ola|bom dia|boa tarde|boa noite|prezad[oa]s?|car[oa]s?)\s*,?\s+)?[^\W\d_]+(?: [^\W\d_]+)?\s*[,!]"
)


@dataclass(frozen=True)
class Directory:
    """A customer's people, indexed by email, by name (whole, first, first and last, first two) and by the
    words of their stores' names."""

    by_email: dict[str, Candidate]
    by_alias: dict[tuple[str, ...], tuple[Candidate, ...]]
    stores: dict[tuple[str, ...], tuple[str, ...]]  # folded words -> the directory's store names
    longest: int
    starts: frozenset[str]  # the first words of names and stores: any other word starts neither

    @classmethod
    def of(cls, people: Sequence[Candidate]) -> Directory:
        return _directory(tuple(people))

    @classmethod
    def build(cls, people: tuple[Candidate, ...]) -> Directory:
        by_alias: dict[tuple[str, ...], tuple[Candidate, ...]] = {}
        stores: dict[tuple[str, ...], tuple[str, ...]] = {}
        for person in people:
            for alias in _aliases(person.name):
                by_alias[alias] = (*by_alias.get(alias, ()), person)
            for key in _store_keys(person.store):
                if person.store not in stores.get(key, ()):
                    stores[key] = (*stores.get(key, ()), person.store)
        longest = max((len(a) for a in by_alias), default=1)
        starts = frozenset(k[0] for k in (*by_alias, *stores))
        return cls({p.email.lower(): p for p in people if p.email}, by_alias, stores, longest, starts)


@functools.lru_cache(maxsize=32)
def _directory(people: tuple[Candidate, ...]) -> Directory:
    """Built once for the messages of one customer in a row."""
    return Directory.build(people)


def _aliases(name: str) -> set[tuple[str, ...]]:
    words = tuple(WORD.findall(fold(name)))
    return {words, words[:1], words[:2], (words[0], words[-1])} if words else set()


def _store_keys(store: str) -> set[tuple[str, ...]]:
    """The words that name a store: its whole name, its name without "Loja", each distinctive word."""
    words = tuple(WORD.findall(fold(store)))
    bare = tuple(w for w in words if w not in GENERIC_STORE_WORDS)
    return {k for k in (words, bare, *((w,) for w in bare)) if k}


@dataclass(frozen=True)
class Mention:
    part: int  # the index of the part (an earlier part's mention comes first)
    at: int
    people: tuple[Candidate, ...]  # the directory's people it may be (empty: someone it does not know)


@dataclass(frozen=True)
class Facts:
    """Who and where, as the request says."""

    person: Candidate | None
    store: str
    mentions: list[Mention]
    everyone: bool


def who_and_where(reading: Reading, directory: Directory) -> Facts:
    """The affected person (when the directory knows them), the store, everyone named."""
    mentions = sorted(
        (m for i, p in enumerate(reading.informing) for m in (*_known(i, p, directory), *_strangers(i, p))),
        key=lambda m: (m.part, m.at),
    )
    stores = [
        name for _, _, name in sorted(s for i, p in enumerate(reading.informing) for s in _stores(i, p, directory))
    ]
    person = _resolve(mentions, stores)
    store = "" if reading.find(ALL_STORES) else (stores[0] if stores else (person.store if person else ""))
    return Facts(person, store, mentions, bool(reading.find(EVERYONE)))


def _known(index: int, part: Part, directory: Directory) -> Iterator[Mention]:
    """The directory's people named in ``part``: by email, or by name (a first name alone must be
    written with a capital or after a cue such as "vendedor" or "o"); a greeting's name is skipped."""
    for m in EMAIL.finditer(part.low):
        known = directory.by_email.get(m.group().strip("."))
        yield Mention(index, m.start(), (known,) if known else ())
    vocative = VOCATIVE.match(part.low)
    skip = vocative.end() if vocative else 0
    i = 0
    while i < len(part.tokens):
        size, people = _alias_at(part, directory, i) if part.tokens[i] in directory.starts else (0, ())
        if people and part.words[i].start() >= skip:
            yield Mention(index, part.words[i].start(), people)
        i += size or 1


def _alias_at(part: Part, directory: Directory, i: int) -> tuple[int, tuple[Candidate, ...]]:
    for size in range(min(directory.longest, len(part.tokens) - i), 0, -1):
        people = directory.by_alias.get(part.tokens[i : i + size])
        cued = part.raw[part.words[i].start()].isupper() or (i > 0 and part.tokens[i - 1] in PERSON_CUES)
        if people and (size > 1 or cued):
            return size, people
    return 0, ()


def _strangers(index: int, part: Part) -> Iterator[Mention]:
    """People named by their role ("a vendedora Joana") or in a list of names, known or not."""
    for pattern in (*NAMED, LIST_NAME):
        for m in pattern.finditer(part.low):
            if part.raw[m.start(1)].isupper():
                yield Mention(index, m.start(1), ())
    for m in NAMED_AS.finditer(part.low):  # "a Camila Torres como vendedora": both words a name's
        words = part.raw[m.start(1) : m.end(1)].split()
        if all(w[0].isupper() and fold(w) not in PRODUCT_WORDS for w in words):
            yield Mention(index, m.start(1), ())


def _stores(index: int, part: Part, directory: Directory) -> Iterator[tuple[int, int, str]]:
    """The stores named in ``part``: after "loja", "filial" ..., or a name of two words or more anywhere."""
    for m in STORE_AT.finditer(part.low):
        name = _known_store_at(part.low, m.end(), directory) or _written_store(part, m)
        if name:
            yield index, m.start(), name
    for i, token in enumerate(part.tokens):
        if token in directory.starts:
            names = directory.stores.get(part.tokens[i : i + 3], ()) or directory.stores.get(part.tokens[i : i + 2], ())
            if len(names) == 1 and i + 1 < len(part.tokens):
                yield index, part.words[i].start(), names[0]


def _known_store_at(low: str, at: int, directory: Directory) -> str:
    words = WORD.findall(low, at, at + 60)
    for size in (3, 2, 1):
        names = directory.stores.get(tuple(words[:size]), ())
        if len(names) == 1:
            return names[0]
    return ""


def _written_store(part: Part, cue: re.Match[str]) -> str:
    """A store the directory does not know, as written: "Loja: Filial Gravataí", "loja Shopping Total"."""
    line_end = part.low.find("\n", cue.end())
    line = part.raw[cue.start() : line_end if line_end >= 0 else len(part.raw)]
    if re.match(r"lojas?\s*:", part.low[cue.start() :]):
        value = re.split(r"[.,;(]", line.split(":", 1)[1])[0].strip()
        return "" if re.search(r"\btodas\b", fold(value)) else value
    if cue.group().split()[0].endswith("s"):  # "lojas", "filiais": several
        return ""
    after = re.match(r"[^\W_]+(?: [^\W_]+){0,2}", part.raw[cue.end() : cue.end() + 60])
    taken: list[str] = []
    for word in after.group().split() if after else []:
        if not (word[0].isupper() or word.isdigit()):
            break
        taken.append(word)
    return (
        " ".join([part.raw[cue.start() : cue.start() + len(cue.group().split()[0].rstrip(":"))], *taken])
        if taken
        else ""
    )


def _resolve(mentions: list[Mention], stores: list[str]) -> Candidate | None:
    """The first person named whom the directory identifies, if need be by the store named."""
    for mention in mentions:
        if len(mention.people) == 1:
            return mention.people[0]
        in_store = [p for p in mention.people if p.store in stores]
        if len(in_store) == 1:
            return in_store[0]
    return None
