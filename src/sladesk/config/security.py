"""The Content-Security-Policy header (Django 5.2 has none of its own).

Scripts and styles come only from the desk's own static files: no template carries an
inline ``<script>``, an ``on...=`` handler or a ``style=`` attribute, so text that an
attacker manages to slip into a page (a subject, a name, an email) cannot run.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "frame-ancestors 'none'",
        "form-action 'self'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)


class ContentSecurityPolicyMiddleware:
    """Adds CONTENT_SECURITY_POLICY to every response that does not set its own."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response


def client_address(request: HttpRequest) -> str | None:
    """The address a login attempt came from, for the lockout (AXES_CLIENT_IP_CALLABLE).

    Behind the TLS proxy (SLADESK_HTTPS) every request comes from the proxy's own address, so
    one client's failures would lock out everyone: the address is then the last one of
    X-Forwarded-For, the one the proxy itself appended (earlier ones are the client's to forge)."""
    forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR", ""))
    if settings.HTTPS and forwarded.strip():
        return forwarded.rsplit(",", 1)[-1].strip()
    address: str | None = request.META.get("REMOTE_ADDR")
    return address
