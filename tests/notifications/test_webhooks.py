"""Webhooks: a real HTTP server on loopback receives the JSON (with a Slack-compatible
``text``); a failing one is retried like an email; only supervisors manage them."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.test import Client

from sladesk.notifications.actions import WebhookError, do_save_webhook
from sladesk.notifications.delivery import dispatch_due
from sladesk.notifications.models import Notification, Webhook, WebhookEvent
from sladesk.outbound.actions import deliver_due
from sladesk.outbound.models import OutboxMessage
from sladesk.tickets.sweeps import sweep_deadlines
from tests.tickets.conftest import Cast, at


class Receiver:
    def __init__(self) -> None:
        self.posts: list[dict[str, Any]] = []
        self.status = 200


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.posts.append({"type": self.headers["Content-Type"], "json": json.loads(body)})
            self.send_response(state.status)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state, f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()
    server.server_close()


def test_a_breach_is_posted_to_the_webhook_with_a_text(cast: Cast, receiver: tuple[Receiver, str]) -> None:
    state, url = receiver
    do_save_webhook(cast.sam, name="Slack #suporte", url=url, warnings=False)
    t = cast.ticket("2027-03-01 09:00", priority="P1", channel="phone")  # response due 11:00, 24x7
    assert sweep_deadlines(now=at("2027-03-01 10:31")) == (0, 1)  # the warning: not for this hook
    assert not Notification.objects.filter(channel="webhook").exists()
    assert sweep_deadlines(now=at("2027-03-01 11:01")) == (1, 0)
    assert dispatch_due(now=at("2027-03-01 11:01")) >= 1
    assert deliver_due(now=at("2027-03-01 11:01")) >= 1
    (post,) = state.posts
    assert post["type"].startswith("application/json")
    payload = post["json"]
    assert f"#{t.number}" in payload["text"] and "SLA estourado" in payload["text"]
    assert payload["notifications"][0] | {"url": ""} == {
        "ticket": t.number, "subject": t.subject, "customer": "ACME Lojas", "metric": "response", "kind": "breach",
        "priority": "P1", "due_at": "2027-03-01T14:00:00+00:00", "url": "",
    }  # fmt: skip


def test_a_failing_webhook_is_retried_then_delivered(cast: Cast, receiver: tuple[Receiver, str]) -> None:
    state, url = receiver
    do_save_webhook(cast.sam, name="Plantão", url=url)
    cast.ticket("2027-03-01 09:00", priority="P1", channel="phone")
    sweep_deadlines(now=at("2027-03-01 10:31"))
    dispatch_due(now=at("2027-03-01 10:31"))
    state.status = 500
    deliver_due(now=at("2027-03-01 10:31"))
    row = OutboxMessage.objects.get(kind="webhook")
    assert row.sent_at is None and "500" in row.last_error and row.attempts == 1
    state.status = 204
    deliver_due(now=at("2027-03-01 11:00"))  # after the backoff
    row.refresh_from_db()
    assert row.sent_at is not None and len(state.posts) == 2


@pytest.mark.parametrize("bad", ["ftp://example.com/x", "javascript:alert(1)", "not a url", ""])
def test_a_webhook_must_be_an_http_url(cast: Cast, bad: str) -> None:
    with pytest.raises(WebhookError, match="url"):
        do_save_webhook(cast.sam, name="x", url=bad)
    assert not Webhook.objects.exists()


def test_only_supervisors_manage_webhooks_and_each_change_is_recorded(cast: Cast) -> None:
    client = Client()
    client.force_login(cast.ana)
    assert client.get("/notifications/webhooks/").status_code == 403
    client.force_login(cast.sam)
    page = client.post("/notifications/webhooks/", {"name": "Slack", "url": "ftp://x", "warnings": "on"})
    assert page.status_code == 400 and not Webhook.objects.exists()
    page = client.post(
        "/notifications/webhooks/", {"name": "Slack", "url": "https://hooks.example/T1", "breaches": "on"}
    )
    assert page.status_code == 302
    hook = Webhook.objects.get()
    assert (hook.warnings, hook.breaches) == (False, True)
    client.force_login(cast.ana)
    assert client.post(f"/notifications/webhooks/{hook.pk}/remove/").status_code == 403
    client.force_login(cast.sam)
    assert client.post(f"/notifications/webhooks/{hook.pk}/remove/").status_code == 302
    assert not Webhook.objects.exists()
    assert list(WebhookEvent.objects.values_list("action", "actor_label")) == [
        ("added", "sam@vendor.example"), ("removed", "sam@vendor.example"),
    ]  # fmt: skip
