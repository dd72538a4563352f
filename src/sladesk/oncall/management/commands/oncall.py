"""``sladesk oncall set EMAIL --from ISO --until ISO``, ``sladesk oncall show [--json]``,
``sladesk oncall remove ID``: the on-call rota for operators and scripts.

Instants without an offset are read in America/Sao_Paulo (the desk's zone), as
``sladesk tickets create --received-at`` reads them; stored in UTC, printed with their offset.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime, timedelta
from typing import Any, NoReturn

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from sladesk.oncall import queries
from sladesk.oncall.actions import OnCallError, do_remove_oncall, do_set_oncall
from sladesk.oncall.models import OnCallShift

GAP_DAYS = 14
ZONE_NOTE = "an instant without an offset is read in America/Sao_Paulo"


class Command(BaseCommand):
    help = "Set, show or remove shifts of the on-call rota."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="sub", required=True, metavar="ACTION")
        put = sub.add_parser("set", help="put a staff member on call from an instant until another")
        put.add_argument("email")
        put.add_argument("--from", dest="from_", required=True, metavar="ISO", help=ZONE_NOTE)
        put.add_argument("--until", required=True, metavar="ISO", help=ZONE_NOTE)
        show = sub.add_parser("show", help="the shifts not yet over, who is on call now and the gaps")
        show.add_argument("--json", action="store_true")
        show.add_argument("--all", action="store_true", help="past shifts too")
        remove = sub.add_parser("remove", help="take a shift off the rota (its id is in oncall show)")
        remove.add_argument("id", type=int, metavar="ID")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, "_" + options["sub"])(options)
        except OnCallError as exc:
            self._fail(f"{exc} [{exc.code}]")

    def _fail(self, message: str) -> NoReturn:
        self.stderr.write(f"sladesk: {message}")
        sys.exit(1)

    def _set(self, options: dict[str, Any]) -> None:
        email = options["email"].strip().lower()
        user = User.objects.filter(username=email).first()
        if user is None:
            self._fail(f"no staff account {email!r} (create it with: sladesk staff add EMAIL --name NAME --role ROLE)")
        starts_at = self._instant("--from", options["from_"])
        ends_at = self._instant("--until", options["until"])
        shift, created = do_set_oncall(user=user, starts_at=starts_at, ends_at=ends_at, actor=None)
        self._out({**shift_json(shift), "created": created})

    def _instant(self, flag: str, text: str) -> datetime:
        try:
            moment = datetime.fromisoformat(text.strip())
        except ValueError:
            self._fail(f"{flag} {text!r} is not an ISO 8601 instant (e.g. 2026-06-03T18:00 or 2026-06-03T18:00-03:00)")
        return moment if moment.tzinfo else timezone.make_aware(moment)

    def _show(self, options: dict[str, Any]) -> None:
        data = rota_json(timezone.now(), everything=options["all"])
        if options["json"]:
            self._out(data)
            return
        now = data["on_call_now"]
        self.stdout.write(
            f"on call now: {now['name']} <{now['email']}> until {now['until']}" if now else "on call now: nobody"
        )
        for s in data["shifts"]:
            self.stdout.write(f"#{s['id']:<5} {s['from']}  {s['until']}  {s['email']} ({s['name']})")
        self.stdout.write(f"gaps in the next {GAP_DAYS} days: {len(data['gaps'])}")
        for g in data["gaps"]:
            self.stdout.write(f"  {g['from']}  {g['until']}")

    def _remove(self, options: dict[str, Any]) -> None:
        shift = OnCallShift.objects.select_related("user").filter(pk=options["id"]).first()
        if shift is None:
            self._fail(f"no shift #{options['id']} (sladesk oncall show lists them)")
        do_remove_oncall(shift, actor=None)
        self._out({**shift_json(shift), "removed": True})

    def _out(self, data: Any) -> None:
        self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))


def iso(moment: datetime) -> str:
    return moment.astimezone(timezone.get_default_timezone()).isoformat()


def shift_json(shift: OnCallShift) -> dict[str, Any]:
    return {
        "id": shift.pk,
        "email": shift.user.email,
        "name": queries.person_name(shift.user),
        "from": iso(shift.starts_at),
        "until": iso(shift.ends_at),
    }


def rota_json(now: datetime, everything: bool = False) -> dict[str, Any]:
    """The rota as ``oncall show --json`` prints it: the shifts not yet over (all with
    ``everything``), who is on call now and until when, the gaps of the next days."""
    shifts = OnCallShift.objects.select_related("user").order_by("starts_at", "id")
    current = queries.shift_at(now)
    horizon = now + timedelta(days=GAP_DAYS)
    return {
        "now": iso(now),
        "time_zone": settings.TIME_ZONE,
        "on_call_now": None if current is None else {**shift_json(current), "until": iso(current.ends_at)},
        "shifts": [shift_json(s) for s in (shifts if everything else shifts.filter(ends_at__gt=now))],
        "gaps": [{"from": iso(a), "until": iso(b)} for a, b in queries.gaps(now, horizon)],
        "gaps_until": iso(horizon),
    }
