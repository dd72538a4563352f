"""``sladesk policy publish FILE [--effective ISO] [--dry-run]``: a new policy version, announced."""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from sladesk.core.policy import PolicyError, load_policy_file
from sladesk.policies.actions import DRY_RUN, SCHEDULED, UNCHANGED, Publication, PublishRefused, do_publish_policy
from sladesk.tickets.management.commands.sla_recompute import report
from sladesk.tickets.recompute import recompute


def effective(text: str) -> datetime:
    """--effective: an ISO instant; without an offset it is local time (America/Sao_Paulo)."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(f"--effective {text!r}: expected an ISO date and time, e.g. 2027-01-01T00:00") from exc
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


class Command(BaseCommand):
    help = (
        "Check a policy file and put it in force as a new version (from --effective, default now): "
        "print what changed, email it to every Gestor with a seat, and move the open deadlines its "
        "calendars change (sla recompute). --dry-run: show all of it, record nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", metavar="FILE")
        parser.add_argument("--effective", type=str, metavar="ISO", help="when it takes effect (default: now)")
        parser.add_argument("--dry-run", action="store_true", help="check and show; record and send nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        when = effective(options["effective"]) if options["effective"] else None
        try:  # `policy check` first: every problem, and nothing recorded
            text = load_policy_file(options["file"]).source
            pub = do_publish_policy(text, options["file"], effective_at=when, dry_run=options["dry_run"])
        except PolicyError as exc:
            self.stderr.write(f"sladesk: {exc}")
            sys.exit(1)
        except PublishRefused as exc:
            raise CommandError(f"nothing published: {exc}") from exc
        for line in self._lines(pub):
            self.stdout.write(line)
        if pub.outcome == DRY_RUN and pub.effective_at <= timezone.now():
            result = recompute(dry_run=True, facts=pub.policy, facts_sha="dry-run")
            for line in report(result):
                self.stdout.write(line)
        elif pub.outcome not in (DRY_RUN, UNCHANGED, SCHEDULED):
            for line in report(recompute()):
                self.stdout.write(line)

    def _lines(self, pub: Publication) -> list[str]:
        when = timezone.localtime(pub.effective_at).strftime("%d/%m/%Y %H:%M")
        values = {"version": pub.policy.version, "previous": pub.previous, "when": when, "n": len(pub.recipients)}
        if pub.outcome == UNCHANGED:
            return [
                _("Este texto já está registrado como a versão %(version)s (em vigor desde %(when)s): nada a publicar.")
                % values
            ]
        head = {
            DRY_RUN: _("--dry-run: a versão %(version)s substituiria a %(previous)s a partir de %(when)s."),
            SCHEDULED: _("Versão %(version)s publicada: substitui a %(previous)s a partir de %(when)s."),
        }.get(pub.outcome, _("Versão %(version)s publicada: em vigor desde %(when)s (substitui a %(previous)s)."))
        lines = [head % values, _("O que mudou:"), *pub.summary]
        if pub.outcome == DRY_RUN:
            lines.append(_("Seriam avisados por e-mail %(n)s Gestor(es) com assento.") % values)
        else:
            lines.append(_("E-mail com o resumo agendado para %(n)s Gestor(es) com assento.") % values)
        if pub.outcome == SCHEDULED:
            lines.append(
                _(
                    "Os calendários valem para os chamados abertos a partir de %(when)s "
                    "(rode sladesk sla recompute então; sladesk up o roda ao iniciar)."
                )
                % values
            )
        return lines
