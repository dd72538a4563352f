"""The rota page (``/oncall/``) and the supervisor's view (``/supervisor/``).

Thin: who may do what is ``oncall.access``; every change is a ``do_*`` action; what the
supervisor's view shows is computed in ``tickets.supervisor``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sladesk.oncall import queries
from sladesk.oncall.access import may_edit_rota, may_see_rota, may_supervise
from sladesk.oncall.actions import OnCallError, do_remove_oncall, do_set_oncall
from sladesk.oncall.forms import ShiftForm
from sladesk.oncall.models import OnCallShift
from sladesk.staff.access import profile_of
from sladesk.tickets import supervisor as board

WARN_DAYS = 7  # gaps this close are a warning to supervisors
PAST_SHOWN = timedelta(days=1)  # shifts that ended this recently stay on the page


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _forbidden(request: HttpRequest, what: str) -> HttpResponse:
    return render(request, "oncall/forbidden.html", {"what": what}, status=403)


@login_required
def rota(request: HttpRequest, form: ShiftForm | None = None, status: int = 200) -> HttpResponse:
    profile = profile_of(request.user)
    if not may_see_rota(profile):
        return _forbidden(request, _("a escala de plantão"))
    now = timezone.now()
    editor = may_edit_rota(profile)
    context = {
        "now": now,
        "current": queries.shift_at(now),
        "shifts": list(queries.shifts_between(now - PAST_SHOWN, now + timedelta(days=3650))),
        "editor": editor,
        "form": (form or ShiftForm(initial=_next_slot(now))) if editor else None,
        "gaps": queries.gaps(now, now + timedelta(days=WARN_DAYS)) if editor else [],
        "warn_days": WARN_DAYS,
    }
    return render(request, "oncall/rota.html", context, status=status)


def _next_slot(now: datetime) -> dict[str, datetime]:
    """The form's first guess: from the end of the last shift (or the next hour), 12 h."""
    last = OnCallShift.objects.order_by("-ends_at").values_list("ends_at", flat=True).first()
    start = max(last, now) if last else now
    start = timezone.localtime(start).replace(minute=0, second=0, microsecond=0)
    return {"starts_at": start, "ends_at": start + timedelta(hours=12)}


@login_required
@require_POST
def add(request: HttpRequest) -> HttpResponse:
    profile = profile_of(request.user)
    if not may_edit_rota(profile):
        return _forbidden(request, _("a edição da escala de plantão"))
    form = ShiftForm(request.POST)
    if not form.is_valid():
        return rota(request, form, status=400)
    data = form.cleaned_data
    try:
        shift, created = do_set_oncall(
            user=data["user"], starts_at=data["starts_at"], ends_at=data["ends_at"], actor=_user(request)
        )
    except OnCallError as exc:
        messages.error(request, _("Não foi possível incluir o plantão (%(code)s).") % {"code": exc.code})
        return rota(request, form, status=409)
    said = {"name": queries.person_name(shift.user)}
    if created:
        messages.success(request, _("Plantão de %(name)s incluído.") % said)
    else:
        messages.info(request, _("Este plantão de %(name)s já estava na escala.") % said)
    return redirect("oncall:rota")


@login_required
@require_POST
def remove(request: HttpRequest, pk: int) -> HttpResponse:
    profile = profile_of(request.user)
    if not may_edit_rota(profile):
        return _forbidden(request, _("a edição da escala de plantão"))
    shift = OnCallShift.objects.select_related("user").filter(pk=pk).first()
    if shift is None:
        messages.error(request, _("Este plantão já não está na escala."))
        return redirect("oncall:rota")
    try:
        do_remove_oncall(shift, actor=_user(request))
    except OnCallError:
        messages.error(request, _("Este plantão já não está na escala."))
        return redirect("oncall:rota")
    messages.success(request, _("Plantão de %(name)s removido.") % {"name": queries.person_name(shift.user)})
    return redirect("oncall:rota")


@login_required
def supervisor(request: HttpRequest) -> HttpResponse:
    profile = profile_of(request.user)
    if not may_supervise(profile):
        return _forbidden(request, _("a visão do supervisor"))
    now = timezone.now()
    hours = board.hours_param(request.GET.get("hours"))
    context = {
        "board": board.build(now, hours),
        "now": now,
        "current": queries.shift_at(now),
        "gaps": queries.gaps(now, now + timedelta(days=WARN_DAYS)),
        "warn_days": WARN_DAYS,
    }
    return render(request, "oncall/supervisor.html", context)
