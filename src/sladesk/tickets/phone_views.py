"""The phone intake: a P1 call logged by the agent who took it."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from sladesk.core.policy import Policy
from sladesk.directory import entitlement
from sladesk.directory.models import Person
from sladesk.policies.service import current_policy
from sladesk.staff.access import may_see_customer, profile_of
from sladesk.staff.models import StaffProfile
from sladesk.tickets import actions
from sladesk.tickets import queue as queue_
from sladesk.tickets.access import user_of
from sladesk.tickets.forms import (
    PhoneForm,
)
from sladesk.tickets.presenters import policy_label


# ---- the phone intake ------------------------------------------------------------------
@login_required
def phone(request: HttpRequest) -> HttpResponse:
    """A call: find the caller among the Gestores with a seat, then open the ticket with the
    phone channel's priority (the first the policy gives it, as ``do_create_ticket`` does)."""
    profile = profile_of(request.user)
    initial = {"received_at": timezone.localtime().replace(second=0, microsecond=0)}
    policy = current_policy()
    if "phone" not in policy.channels:
        raise Http404("the policy in force has no phone channel")
    context = _phone_context(policy)
    if request.method == "POST" and "check" in request.POST:  # only who is calling: nothing else needed yet
        context["form"] = PhoneForm(initial={**initial, **request.POST.dict()})
        email, phone = request.POST.get("email", ""), request.POST.get("phone", "")
        context["caller"] = _caller(profile, queue_.clean_param(email, 254), queue_.clean_param(phone, 40))
        context["seat_holders"] = _seat_holders(context["caller"])
        return render(request, "tickets/phone.html", context)
    form = context["form"] = PhoneForm(request.POST or None, initial=initial)
    if request.method != "POST" or not form.is_valid():
        return render(request, "tickets/phone.html", context, status=400 if form.errors else 200)
    data = form.cleaned_data
    found = context["caller"] = _caller(profile, data["email"], data["phone"])
    context["seat_holders"] = _seat_holders(found)
    affected = _affected(form, found.person) if found.ok else None
    if not found.ok or form.errors:
        return render(request, "tickets/phone.html", context, status=400 if form.errors else 200)
    try:  # no priority given: the action gives the phone channel's (a P1 is then the caller's agent's)
        ticket = actions.do_open_call_ticket(
            actor=user_of(request), requester=found.person, subject=data["subject"],
            description=data["description"], received_at=data["received_at"], affected_person=affected,
        )  # fmt: skip
    except actions.ActionError as exc:
        messages.error(request, _("Não foi possível abrir o chamado: %(detail)s") % {"detail": exc})
        return render(request, "tickets/phone.html", context, status=409)
    said = {"n": ticket.number, "priority": policy_label(policy.priorities[ticket.priority])}
    messages.success(request, _("Chamado #%(n)s aberto (%(priority)s, telefone).") % said)
    return redirect("tickets:detail", code=ticket.code)


def _phone_context(policy: Policy) -> dict[str, Any]:
    """The phone line: its number, and the priorities it takes (a call gets the first)."""
    channel = policy.channels["phone"]
    takes = [policy.priorities[name] for name in channel.priorities]
    return {"number": channel.number, "priority": takes[0], "priorities": ", ".join(map(policy_label, takes))}


# The caller is someone of a customer this (partner's) agent does not serve: the call goes to
# the vendor's desk, which serves every customer. Nothing else is said: not who, not whose, not
# whether they may open tickets (the vendor's desk finds that out).
SERVED_ELSEWHERE = "served_elsewhere"


def _caller(profile: StaffProfile, email: str, phone: str) -> entitlement.Entitlement:
    """Who is calling, as far as this staff member may know. A person of a customer it does not
    serve is neither named nor turned away: the agent hands the call to the vendor's desk."""
    found = entitlement.check(email=email.strip(), phone=phone.strip(), today=timezone.localdate())
    if found.person is not None and not may_see_customer(profile, found.person.customer):
        return entitlement.Entitlement(SERVED_ELSEWHERE)
    return found


def _seat_holders(found: entitlement.Entitlement) -> list[Person] | None:
    """Who the agent may name to a refused caller of a known customer: its active Gestores with
    a seat (None when there is nobody to name them to)."""
    if found.ok or found.person is None:
        return None
    holders = Person.objects.filter(customer_id=found.person.customer_id, support_seat=True, is_active=True)
    return list(holders.filter(role=Person.Role.GESTOR).order_by("name"))


def _affected(form: PhoneForm, caller: Person | None) -> Person | None:
    """The affected user, a person of the caller's customer (a form error if there is none)."""
    email = form.cleaned_data.get("affected_email")
    if not email or caller is None:
        return None
    person = Person.objects.filter(customer_id=caller.customer_id, email__iexact=email).first()
    if person is None:
        form.add_error("affected_email", _("Não há ninguém com este e-mail em %(c)s.") % {"c": caller.customer})
    return person
