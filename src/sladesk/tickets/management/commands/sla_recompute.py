"""``sladesk sla recompute [--dry-run]``: the open deadlines moved by the calendars in force."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from sladesk.core.instants import from_us
from sladesk.tickets.recompute import Move, Result, recompute


class Command(BaseCommand):
    help = (
        "Apply the calendars of the policy version in force (holidays, closures, hours) to the open "
        "tickets of earlier versions: list each deadline that moves, then move it (--dry-run: list only)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="list what would move; change nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        result = recompute(dry_run=options["dry_run"])
        for line in report(result):
            self.stdout.write(line)


def report(result: Result) -> list[str]:
    """What moved (or would), one line per deadline, then the totals, in pt-BR."""
    if not result.facts:
        return [_("Nenhuma versão da política registrada: nada a recalcular.")]
    lines = [_("Calendários da versão em vigor: %(version)s.") % {"version": result.facts}]
    if not result.calendars:
        lines.append(_("Todos os chamados abertos já seguem esses calendários: nenhum prazo muda."))
        return lines
    lines.append(_("Calendários que mudaram: %(calendars)s.") % {"calendars": ", ".join(result.calendars)})
    lines += [move_text(m) for m in result.moves]
    lines.append(
        _(
            "%(deadlines)s prazo(s) de %(tickets)s chamado(s) mudam; %(metrics)s métrica(s) aberta(s) lida(s), "
            "%(one)s chamado(s) avaliado(s) um a um; %(seconds).2f s."
        )
        % {
            "deadlines": len(result.moves), "tickets": result.tickets, "metrics": result.metrics,
            "one": len(result.one_by_one), "seconds": result.seconds,
        }
    )  # fmt: skip
    if not result.applied:
        lines.append(_("--dry-run: nada foi alterado."))
    return lines


def move_text(move: Move) -> str:
    """'#12 resolution: 03/03/2027 16:00 → 04/03/2027 16:00 (adiado 1 dia)'."""
    before, after = _when(move.before), _when(move.after)
    return f"#{move.number} {move.metric}: {before} → {after} ({shift_text(move.before, move.after)})"


def _when(instant: int | None) -> str:
    return "—" if instant is None else timezone.localtime(from_us(instant)).strftime("%d/%m/%Y %H:%M")


def shift_text(before: int | None, after: int | None) -> str:
    """How far a deadline moved, in words: 'adiado 1 dia 2 h', 'antecipado 30 min'."""
    if before is None or after is None:
        return _("novo prazo") if before is None else _("sem prazo")
    delta = after - before
    seconds = abs(delta) // 1_000_000
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{days} " + (_("dia") if days == 1 else _("dias"))] if days else []
    parts += [f"{hours} h"] if hours else []
    parts += [f"{minutes} min"] if minutes else []
    parts += [f"{secs} s"] if secs and not days else []
    amount = " ".join(parts) or "< 1 s"
    return (_("adiado %(amount)s") if delta > 0 else _("antecipado %(amount)s")) % {"amount": amount}
