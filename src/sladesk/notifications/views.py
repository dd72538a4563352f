"""An agent's own notifications (the header counts the unread ones) and the supervisors'
webhooks."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sladesk.notifications import actions
from sladesk.notifications.forms import WebhookForm
from sladesk.notifications.models import Notification, Webhook, WebhookEvent
from sladesk.notifications.queries import status_of
from sladesk.staff.access import profile_of
from sladesk.tickets.clocks import policy_for
from sladesk.tickets.presenters import metric_label

PAGE_SIZE = 50


def _user(request: HttpRequest) -> User:
    profile_of(request.user)  # 403 without a staff profile
    assert isinstance(request.user, User)
    return request.user


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    rows = (
        Notification.objects.filter(recipient=user)
        .select_related("ticket", "ticket__customer", "ticket__policy_version", "outbox")
        .order_by("-created_at", "-id")
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    items = [{"n": n, "metric": metric_label(n.metric, policy_for(n.ticket)), "status": status_of(n)} for n in page]
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True).count()
    return render(request, "notifications/mine.html", {"page": page, "items": items, "unread": unread})


@login_required
@require_POST
def read(request: HttpRequest) -> HttpResponse:
    actions.do_read_notifications(_user(request))
    return redirect("notifications:mine")


def _supervisor(request: HttpRequest) -> User:
    user = _user(request)
    if not profile_of(user).leads:
        raise PermissionDenied("only supervisors manage webhooks")
    return user


@login_required
def webhooks(request: HttpRequest) -> HttpResponse:
    user = _supervisor(request)
    form = WebhookForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                hook = actions.do_save_webhook(user, **form.cleaned_data)
            except actions.WebhookError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Webhook “%(name)s” adicionado.") % {"name": hook.name})
                return redirect("notifications:webhooks")
        status = 400
    context = {
        "form": form,
        "hooks": Webhook.objects.all(),
        "events": WebhookEvent.objects.order_by("-at", "-id")[:20],
    }
    return render(request, "notifications/webhooks.html", context, status=status)


@login_required
@require_POST
def remove_webhook(request: HttpRequest, pk: int) -> HttpResponse:
    user = _supervisor(request)
    hook = get_object_or_404(Webhook, pk=pk)
    actions.do_remove_webhook(user, hook)
    messages.success(request, _("Webhook “%(name)s” removido.") % {"name": hook.name})
    return redirect("notifications:webhooks")
