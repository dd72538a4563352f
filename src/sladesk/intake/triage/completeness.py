"""The policy's required information: a recogniser per known key, and "Campo: valor" lines for any."""

from __future__ import annotations

import re
from collections.abc import Callable

from sladesk.intake.triage.people import FIRST_PERSON, GROUP, Facts
from sladesk.intake.triage.reading import Reading
from sladesk.intake.triage.rules import Rules
from sladesk.intake.triage.signals import (
    DOWN,
    ERROR,
    FIELD,
    FIELD_NAMES,
    LIST_ITEM,
    SCORES,
    STEPS,
    STOPWORDS,
    WEAK_DOWN,
    WHEN,
    WORD,
)
from sladesk.intake.triage.words import fold


# ---- required information --------------------------------------------------------------------------------
def has_description(reading: Reading, facts: Facts) -> bool:
    """The body says something beyond greetings; a subject is a title, unless it says it all."""
    body = [p for p in reading.informing if p.kind != "subject"]
    words = [w for p in body for w in _content_words(p.low)]
    found = (h for rows in (*SCORES.values(), DOWN, WEAK_DOWN) for h in reading.find(rows))
    signal = any(h.part.kind != "subject" for h in found)
    subject = [p for p in reading.informing if p.kind == "subject"]
    return len(words) >= 4 or (signal and len(words) >= 2) or any(len(_content_words(p.low)) >= 6 for p in subject)


def _content_words(low: str) -> list[str]:
    return [w for w in WORD.findall(low) if len(w) >= 4 and w not in STOPWORDS]


def has_affected_user(reading: Reading, facts: Facts) -> bool:
    """Someone the directory knows, the group affected ("ninguém", "todas as lojas"), the writer ("meu
    usuário"), or someone named (or a group such as "os vendedores") with their store."""
    if facts.person is not None or facts.everyone:
        return True
    texts = [p.low for p in reading.informing]
    if any(FIRST_PERSON.search(t) for t in texts):
        return True
    named = any(len(m.people) != 1 for m in facts.mentions) or any(GROUP.search(t) for t in texts)
    return named and bool(facts.store)


def has_occurred_at(reading: Reading, facts: Facts) -> bool:
    return bool(reading.find(WHEN))


def has_error_messages(reading: Reading, facts: Facts) -> bool:
    return bool(reading.find(ERROR) or reading.messages())


def has_steps(reading: Reading, facts: Facts) -> bool:
    """Steps given: "Passos:", a menu path, the action that triggers it, or a list of two actions or more."""
    if reading.find(STEPS):
        return True
    for part in reading.informing:
        actions = [m for m in LIST_ITEM.finditer(part.low) if _is_action(m)]
        if len(actions) >= 2:
            return True
    return False


def _is_action(item: re.Match[str]) -> bool:
    return item.group(1).endswith(("ar", "er", "ir")) and not item.group(0).rstrip().endswith("?")


RECOGNISERS: dict[str, Callable[[Reading, Facts], bool]] = {
    "description": has_description,
    "affected_user": has_affected_user,
    "occurred_at": has_occurred_at,
    "error_messages": has_error_messages,
    "steps_to_reproduce": has_steps,
}


def missing_information(policy: Rules, reading: Reading, facts: Facts) -> tuple[str, ...]:
    """The policy's required items the request lacks, in the policy's order."""
    fields = [(m.group(1).strip(), m.group(2).strip("-?. ")) for p in reading.informing for m in FIELD.finditer(p.low)]
    out = []
    for item in policy.required_information:
        names = {*FIELD_NAMES.get(item.key, ()), fold(item.label).strip(), item.key.replace("_", " ")}
        recognise = RECOGNISERS.get(item.key)
        # The affected user's field goes through the person's recogniser: a name alone may not be enough.
        if item.key != "affected_user" and any(name in names and value for name, value in fields):
            continue
        if recognise is None or not recognise(reading, facts):
            out.append(item.key)
    return tuple(out)
