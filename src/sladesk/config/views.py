from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import views as auth_views
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for operators and `sladesk up`: the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"ok": True})


def _cooloff_minutes() -> int:
    return round(float(settings.AXES_COOLOFF_TIME) * 60)


def login_name(text: Any) -> str:
    """An email as typed at the login, as usernames are stored: lower-case, no surrounding spaces."""
    return str(text or "").strip().lower()


def axes_username(request: HttpRequest, credentials: dict[str, Any] | None = None) -> str:
    """django-axes' username (AXES_USERNAME_CALLABLE): "Ana@X" and "ana@x" are one account's attempts."""
    return login_name((credentials or {}).get("username") or request.POST.get("username"))


class LoginForm(auth_forms.AuthenticationForm):
    def clean_username(self) -> str:
        return login_name(self.cleaned_data.get("username"))


class LoginView(auth_views.LoginView):
    """Django's login, saying up front how many attempts lead to a lockout; the email's case
    does not matter."""

    redirect_authenticated_user = True
    authentication_form = LoginForm

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(limit=settings.AXES_FAILURE_LIMIT, minutes=_cooloff_minutes())
        return context


def locked_out(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """django-axes' lockout response (AXES_LOCKOUT_CALLABLE): the login page says it clearly."""
    context = {"failure_limit": settings.AXES_FAILURE_LIMIT, "minutes": _cooloff_minutes()}
    return render(request, "registration/locked_out.html", context, status=429)
