"""Every response carries the Content-Security-Policy; no page needs an inline script; behind
a TLS proxy (SLADESK_HTTPS=true) cookies are secure, HSTS is sent and `check --deploy` is clean."""

from __future__ import annotations

import json
import os
import re
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client, RequestFactory
from playwright.sync_api import Browser, Page, expect

from sladesk.config.security import CONTENT_SECURITY_POLICY, client_address
from tests.conftest import run_sladesk
from tests.web.conftest import PASSWORD, World, close_quietly, open_ticket
from tests.web.test_queue import client_for

# Playwright's sync API runs an event loop in this thread; the ORM calls of the test are still sync.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "sladesk"
INLINE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+\s*=|\sstyle\s*=|<style|javascript:", re.IGNORECASE)


def test_the_policy_allows_only_the_desks_own_scripts_and_styles() -> None:
    directives = dict(d.split(" ", 1) for d in CONTENT_SECURITY_POLICY.split("; "))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["default-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["form-action"] == "'self'"
    assert directives["base-uri"] == "'none'"
    assert directives["img-src"] == "'self' data:"


def test_no_template_carries_an_inline_script_handler_or_style() -> None:
    found = [
        f"{path.relative_to(TEMPLATES)}: {m.group(0)}"
        for path in TEMPLATES.rglob("*.html")
        for m in INLINE.finditer(path.read_text(encoding="utf-8"))
    ]
    assert found == []


@pytest.mark.parametrize("url", ["/login/", "/healthz", "/static/desk/desk.css", "/static/desk/queue.js", "/nowhere/"])
def test_every_response_carries_the_policy(db: None, url: str) -> None:
    response = Client().get(url)
    assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_desks_pages_carry_the_policy_and_refuse_framing(world: World) -> None:
    t = open_ticket(world.gabriela, "Relatório lento")
    client = client_for(world.ana)
    for url in ["/", f"/t/{t.code}/", "/phone/", "/directory/", "/directory/people/"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
        assert response["X-Frame-Options"] == "DENY"


# ---- behind a TLS proxy ----------------------------------------------------------------
PROBE = """
import json
from django.conf import settings
from django.test import Client, RequestFactory
c = Client(HTTP_HOST="desk.example")
plain = c.get("/login/")
health = c.get("/healthz")
tls = c.get("/login/", headers={"X-Forwarded-Proto": "https"})
print(json.dumps({
    "plain": [plain.status_code, plain.get("Location")],
    "health": health.status_code,
    "tls": tls.status_code,
    "hsts": tls.get("Strict-Transport-Security"),
    "csrf_secure": bool(tls.cookies["csrftoken"]["secure"]),
    "session_secure": settings.SESSION_COOKIE_SECURE,
    "lockout_address": settings.AXES_CLIENT_IP_CALLABLE,
}))
"""


def desk_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "SLADESK_DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'desk.sqlite3'}",
        "SLADESK_ALLOWED_HOSTS": "desk.example",
        "SLADESK_SECRET_KEY": secrets.token_urlsafe(64),
        **extra,
    }


@pytest.fixture
def deployed(monkeypatch: pytest.MonkeyPatch) -> None:
    """The children's environment comes from ours: as in production, no debug and no test switches."""
    monkeypatch.delenv("SLADESK_DEBUG", raising=False)
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)


def test_behind_a_tls_proxy_cookies_are_secure_hsts_is_sent_and_http_is_redirected(
    tmp_path: Path, deployed: None
) -> None:
    env = desk_env(tmp_path, SLADESK_HTTPS="true")
    assert run_sladesk("migrate", "-v", "0", env=env).returncode == 0  # as `sladesk up` does first
    result = run_sladesk("manage", "shell", "-c", PROBE, env=env)
    assert result.returncode == 0, result.stderr.decode()
    seen = json.loads(result.stdout.decode().strip().splitlines()[-1])
    assert seen["plain"] == [301, "https://desk.example/login/"]
    assert seen["health"] == 200  # `sladesk up` and monitoring ask it over plain HTTP on the loopback
    assert seen["tls"] == 200
    assert seen["hsts"] == "max-age=31536000; includeSubDomains"
    assert seen["csrf_secure"] is True
    assert seen["session_secure"] is True
    assert seen["lockout_address"] == "sladesk.config.security.client_address"


def test_check_deploy_is_clean_with_https(tmp_path: Path, deployed: None) -> None:
    result = run_sladesk(
        "manage", "check", "--deploy", "--fail-level", "WARNING", env=desk_env(tmp_path, SLADESK_HTTPS="true")
    )
    output = result.stdout.decode() + result.stderr.decode()
    assert result.returncode == 0, output
    assert "WARNINGS" not in output
    assert "System check identified no issues" in output


def test_check_deploy_warns_without_https(tmp_path: Path, deployed: None) -> None:
    result = run_sladesk("manage", "check", "--deploy", env=desk_env(tmp_path))
    assert "security.W012" in result.stderr.decode() + result.stdout.decode()


def test_behind_the_proxy_the_lockout_counts_the_address_the_proxy_saw(settings: Any) -> None:
    request = RequestFactory().get("/login/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")
    settings.HTTPS = False
    assert client_address(request) == "127.0.0.1"
    settings.HTTPS = True
    assert client_address(request) == "203.0.113.9"  # appended by the proxy; 6.6.6.6 is the client's word
    assert client_address(RequestFactory().get("/", REMOTE_ADDR="127.0.0.1")) == "127.0.0.1"


# ---- in a real browser: the pages work under the policy, and nothing is refused ---------
@pytest.fixture
def watched(browser: Browser, live_server) -> Iterator[tuple[Page, list[str]]]:  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=live_server.url, locale="pt-BR")
    context.set_default_timeout(10_000)
    page = context.new_page()
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    yield page, refused
    close_quietly(context)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_pages_work_under_the_policy_with_nothing_refused(watched: tuple[Page, list[str]], world: World) -> None:
    page, refused = watched
    t = open_ticket(world.gabriela, "Oto fora do ar", channel="phone", priority="P1")
    User.objects.create_superuser("root@sladesk.example", "root@sladesk.example", PASSWORD)
    page.goto("/login/")
    page.fill("#id_username", "ana@sladesk.example")
    page.fill("#id_password", PASSWORD)
    page.locator(".login form button[type=submit]").click()
    expect(page.locator(f"tr[data-ticket='{t.number}']")).to_be_visible()
    page.locator("html[data-queue-js=ready]").wait_for(state="attached")  # the script is deferred
    page.evaluate("window.sladeskRefreshQueue()")  # the queue's script (a static file) runs
    expect(page.locator("#queue")).to_have_attribute("data-refreshed", re.compile(r"\d+"))
    for url in [f"/t/{t.code}/", "/phone/", "/directory/", "/directory/people/"]:
        page.goto(url)
        expect(page.locator("h1")).to_be_visible()
    page.context.clear_cookies()
    page.goto("/admin/login/")
    page.fill("#id_username", "root@sladesk.example")
    page.fill("#id_password", PASSWORD)
    page.locator("input[type=submit]").click()
    for url in ["/admin/directory/customer/", f"/admin/directory/customer/{world.aurora.pk}/change/"]:
        page.goto(url)
        expect(page.locator("#content")).to_be_visible()
    assert refused == []
