"""Category and priority: scope from the scores of each category, an outage from its signals, priority by rank."""

from __future__ import annotations

from sladesk.core.policy.model import ScopeCategory
from sladesk.intake.triage.reading import Hit, Reading, quote, real, total
from sladesk.intake.triage.rules import Rules
from sladesk.intake.triage.signals import (
    BLOCKING,
    DOWN,
    EVERYONE,
    FAILURE,
    LIMITED,
    MINOR,
    RECOVERED,
    SCORES,
    TEAM,
    UNSTABLE,
    URGENT,
    WEAK_DOWN,
)

CATEGORIES = ("availability", "bug", "installation", "access", "usage_question")  # ties go to the first
IN_SCOPE = frozenset({"availability", "bug"})
# Triage's category codes and the names a policy may give them, in one place: the issue says
# "usage_question"; the default policy called that category "usage" before its rename.
POLICY_NAMES: dict[str, tuple[str, ...]] = {"usage_question": ("usage_question", "usage")}
CATEGORY_WORDS = {
    "availability": "indisponibilidade (já encerrada ou parcial)",
    "bug": "comportamento inesperado",
    "installation": "instalação do aplicativo",
    "access": "pedido de acesso, usuário ou senha",
    "usage_question": "dúvida de uso",
}


def scope_category(policy: Rules, code: str) -> ScopeCategory | None:
    """The policy's scope category for a triage code (None when the policy does not name it)."""
    for name in POLICY_NAMES.get(code, (code,)):
        if name in policy.scope.categories:
            return policy.scope.categories[name]
    return None


def in_scope(policy: Rules, code: str) -> bool:
    found = scope_category(policy, code)
    return found.in_scope if found is not None else code in IN_SCOPE


# ---- category and outage --------------------------------------------------------------------------------------
def outage_signals(reading: Reading) -> tuple[list[Hit], list[Hit]]:
    """(what says the platform is down now, what says for whom): empty when it is no outage now."""
    if reading.find(LIMITED) or reading.find(RECOVERED):
        return [], []
    down, weak, everyone = real(reading.find(DOWN)), real(reading.find(WEAK_DOWN)), reading.find(EVERYONE)
    if down:
        return down, everyone
    return (weak, everyone) if weak and everyone else ([], [])


def scores(reading: Reading) -> dict[str, list[Hit]]:
    """Each category's hits. Quoted history counts (a little) for every category but availability: an
    outage below a new message is over or known. Down for some people only is a bug, not an outage."""
    found = {code: reading.find(rows, quoted_too=True) for code, rows in SCORES.items()}
    down = real(reading.find(DOWN)) + reading.find(UNSTABLE)
    found["bug"] += real(reading.find(WEAK_DOWN))
    if reading.find(LIMITED):
        found["bug"] += down
        down = []
    found["availability"] = down
    return found


def categorise(reading: Reading, outage: bool) -> tuple[str, str]:
    """The suggested category and its reason."""
    found = scores(reading)
    if outage:
        return "availability", f"indisponibilidade: {quote(found['availability'] or reading.find(WEAK_DOWN))}"
    failure = reading.find(FAILURE) + reading.messages()
    if found["access"] and failure:
        return "bug", f"pedido de acesso ou senha que falha com erro ({quote(failure, 2)}): é bug"
    best = max(CATEGORIES, key=lambda code: (total(found[code]), -CATEGORIES.index(code)))
    if not found[best]:
        return "bug", "nenhum sinal claro no texto: tratado como problema, a confirmar"
    return best, f"{CATEGORY_WORDS[best]}: {quote(found[best])}"


# ---- priority -------------------------------------------------------------------------------------------------
def at_rank(policy: Rules, rank: int) -> str:
    """The policy's priority of urgency ``rank`` (0 the most urgent), its last when it has fewer."""
    names = list(policy.priorities)
    return names[min(rank, len(names) - 1)]


def prioritise(policy: Rules, reading: Reading, category: str, outage: tuple[list[Hit], list[Hit]]) -> tuple[str, str]:
    """The suggested priority ("" when nothing says) and its reason."""
    down, everyone = outage
    if down:
        said = quote(down, 2) + (f" e {quote(everyone, 1)}" if everyone else "")
        return at_rank(policy, 0), f"suspeita de indisponibilidade: menciona {said}"
    rank, why = _rank(policy, reading, category)
    if rank < 0:
        return "", why
    urgent = reading.find(URGENT)
    if urgent:
        why += f"; pede urgência ({quote(urgent, 1)}), mas sem sinal de indisponibilidade"
    return at_rank(policy, rank), why


def _rank(policy: Rules, reading: Reading, category: str) -> tuple[int, str]:
    if not in_scope(policy, category):
        found = scope_category(policy, category)
        return 2, f"fora do escopo ({found.label if found else category}): a menor prioridade"
    if category == "availability":
        said = quote(reading.find(RECOVERED) or reading.find(LIMITED) or scores(reading)["availability"], 1)
        return 1, f"indisponibilidade que não é atual ou não é geral ({said})"
    minor = reading.find(MINOR)
    if minor:
        return 2, f"problema menor ({quote(minor, 2)})"
    down = real(reading.find(DOWN)) + real(reading.find(WEAK_DOWN))  # for some people only: not an outage
    failing = reading.find(BLOCKING) + reading.find(FAILURE) + reading.messages()
    blocking = failing + down + reading.find(TEAM) + reading.find(EVERYONE)
    if blocking:
        return 1, f"impede uma função ou afeta uma loja ou equipe ({quote(blocking, 2)})"
    if scores(reading)["bug"]:
        return 2, "problema de uma pessoa que não impede o trabalho"
    return -1, "nenhum sinal de prioridade: vale a prioridade padrão da política"
