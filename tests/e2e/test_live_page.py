"""In a real browser, on the real server (`ggzy serve`: granian, ASGI — server-sent events need it; the
threaded WSGI live server would buffer the endless stream): the live page pattern (`core/live.js`, under
the strict CSP). An element with `data-live-channel` shows an update published by a service call (in its
transaction, delivered after the commit); after its connection drops it resumes from the last id it saw
and misses nothing published meanwhile. And `core/countdown.js` counts down from the server's time —
rendered in the page, then the `time:now` channel — not from the browser's clock.

The served instance runs `ggzy.settings` with a test overlay (written to the test's folder): one public
test channel `e2etest:` and `POST /e2e/publish/` that calls `live.publish` in a transaction, as a
service does — the server's database is its own, not the test's."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import time
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client

from ggzy.core import clock
from tests.sealing.conftest import Stage, stage, world  # noqa: F401  (fixtures)
from tests.serving import Served

CHANNEL = "e2etest:live"
OVERLAY = '''
"""ggzy.settings with a public test channel `e2etest:` and a publishing endpoint (tests only)."""
from django.apps import AppConfig

from ggzy.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "ggzy_e2e_live.E2ELive"]  # noqa: F405
ROOT_URLCONF = "ggzy_e2e_live_urls"
# the test endpoint is public without being in the reviewed allowlist: this instance only
SILENCED_SYSTEM_CHECKS = [*globals().get("SILENCED_SYSTEM_CHECKS", []), "ggzy.E001"]


class E2ELive(AppConfig):
    name = "ggzy_e2e_live"
    label = "ggzy_e2e_live"

    def ready(self):
        from ggzy.core import live

        live.register_channel("e2etest:", lambda viewer, channel: True)
'''
URLS = """
import json

from django.db import transaction
from django.http import JsonResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt

from ggzy.core import live
from ggzy.core.access import public


@public
@csrf_exempt
def publish(request):
    body = json.loads(request.body)
    with transaction.atomic():  # as a service does: delivered after the commit
        live.publish(body["channel"], body["kind"], body["data"])
    return JsonResponse({"ok": True})


urlpatterns = [path("e2e/publish/", publish, name="e2e-publish"), path("", include("ggzy.urls"))]
"""


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    tmp = tmp_path_factory.mktemp("live")
    (tmp / "ggzy_e2e_live.py").write_text(OVERLAY, encoding="utf-8")
    (tmp / "ggzy_e2e_live_urls.py").write_text(URLS, encoding="utf-8")
    path = os.pathsep.join(p for p in (str(tmp), os.environ.get("PYTHONPATH", "")) if p)
    env = {"DJANGO_SETTINGS_MODULE": "ggzy_e2e_live", "PYTHONPATH": path}
    with Served(tmp, env=env, workers=1) as instance:
        yield instance


def publish(served: Served, n: int) -> None:
    body = json.dumps({"channel": CHANNEL, "kind": "step", "data": {"n": n}}).encode()
    request = urllib.request.Request(  # noqa: S310  (our own server)
        served.url + "/e2e/publish/", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310  (our own server)
        assert answer.status == 200


ELEMENT = """
(channel) => {
  window.__seen = [];
  const box = document.createElement("section");
  box.id = "live-box";
  box.dataset.liveChannel = channel;
  box.dataset.liveKinds = "step";
  const state = document.createElement("span");
  state.dataset.liveState = "";
  state.setAttribute("aria-live", "polite");
  const step = document.createElement("b");
  step.id = "live-step";
  step.dataset.liveField = "n";
  step.textContent = "—";
  box.append(state, " ", step);
  document.querySelector("main").append(box);
}
"""


def test_a_published_update_arrives_and_a_reconnect_resumes_from_the_last_id(
    page: Any, served: Served
) -> None:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(served.url + "/")
    page.evaluate(ELEMENT, CHANNEL)
    page.add_script_tag(url=served.url + "/static/core/live.js")  # a file from 'self': the CSP allows it
    page.wait_for_function("() => window.ggzyLive !== undefined")
    page.evaluate("() => window.ggzyLive.on('step', (data) => window.__seen.push(data.n))")
    state = page.locator("#live-box [data-live-state]")
    state.filter(has_text="已连接").wait_for(timeout=15_000)
    time.sleep(0.2)  # the subscription is in place on the server

    publish(served, 1)
    page.locator("#live-step").filter(has_text="1").wait_for(timeout=10_000)
    assert page.locator("#live-box").get_attribute("data-live-last")  # the message's id

    # the connection drops; meanwhile two steps are published
    page.evaluate("() => window.ggzyLive.close()")
    publish(served, 2)
    publish(served, 3)
    time.sleep(1.0)
    assert page.locator("#live-step").inner_text() == "1"  # nothing arrives while disconnected

    # reconnecting resumes after the last id seen: both steps arrive, in order, none twice
    page.evaluate("() => window.ggzyLive.reconnect()")
    page.locator("#live-step").filter(has_text="3").wait_for(timeout=10_000)
    state.filter(has_text="已连接").wait_for(timeout=10_000)
    publish(served, 4)
    page.locator("#live-step").filter(has_text="4").wait_for(timeout=10_000)
    assert page.evaluate("() => window.__seen") == [1, 2, 3, 4]
    assert not [e for e in errors if "Content Security Policy" in e], errors


def test_the_countdown_runs_from_the_servers_time_not_the_browsers(page: Any, served: Served) -> None:
    """The browser's clock two days slow: the countdown still counts from the server's instant, and the
    `time:now` events keep it there."""
    now = dt.datetime.now(dt.UTC)  # the served instance's clock (not a sandbox): this machine's
    deadline = now + dt.timedelta(days=3, hours=4, minutes=5, seconds=30)
    page.clock.install(time=now - dt.timedelta(days=2))
    page.goto(served.url + "/")
    page.evaluate(
        """([serverNow, deadline, passed]) => {
          const box = document.createElement("section");
          box.id = "deadlines";
          box.dataset.serverNow = serverNow;
          box.dataset.liveChannel = "time:now";
          box.dataset.liveKinds = "now";
          for (const [id, at] of [["left", deadline], ["gone", passed]]) {
            const shown = document.createElement("span");
            shown.id = id;
            shown.dataset.countdownDeadline = at;
            box.append(shown);
          }
          document.querySelector("main").append(box);
        }""",
        [
            now.isoformat().replace("+00:00", "Z"),
            deadline.isoformat(),
            (now - dt.timedelta(seconds=5)).isoformat(),
        ],
    )
    page.add_script_tag(url=served.url + "/static/core/live.js")
    page.add_script_tag(url=served.url + "/static/core/countdown.js")
    left = page.locator("#left")
    left.filter(has_text="剩余 3 天 4 小时").wait_for(timeout=5_000)
    assert abs(int(str(left.get_attribute("data-left"))) - (deadline - now).total_seconds()) < 15
    assert page.locator("#gone").inner_text() == "已截止"
    # the server's time arrives over `time:now` (the browser's clock is still two days slow)
    page.locator("#deadlines[data-server-now-seen]").wait_for(state="attached", timeout=10_000)
    seen = dt.datetime.fromisoformat(str(page.locator("#deadlines").get_attribute("data-server-now-seen")))
    assert abs((seen - dt.datetime.now(dt.UTC)).total_seconds()) < 10
    assert (
        abs(int(str(left.get_attribute("data-left"))) - (deadline - dt.datetime.now(dt.UTC)).total_seconds())
        < 15
    )


@pytest.mark.django_db
def test_the_sealed_bids_page_counts_down_from_the_server_time(
    client_for: Callable[..., Client],
    stage: Stage,  # noqa: F811  (the fixture)
) -> None:
    """The bidder's page: the server's instant rendered, the `time:now` channel, a countdown to each bid's
    deadline, both scripts as files (the CSP allows no inline script)."""
    bidder = stage.bidders[0]
    stage.receive(bidder)
    page = client_for(bidder.user).get("/workspace/bids/").content.decode()
    rendered = re.search(r'data-server-now="([^"]+)"', page)
    assert rendered is not None
    assert abs((dt.datetime.fromisoformat(rendered.group(1)) - clock.now()).total_seconds()) < 5
    assert 'data-live-channel="time:now"' in page
    deadline = re.search(r'data-countdown-deadline="([^"]+)"', page)
    assert deadline is not None
    assert dt.datetime.fromisoformat(deadline.group(1)) == stage.section.bid_window.deadline
    assert 'data-countdown-left="剩余 {d} 天 {h} 小时 {m} 分 {s} 秒"' in page
    assert 'data-countdown-passed="已截止"' in page
    assert "core/live.js" in page
    assert "core/countdown.js" in page
    assert "<script>" not in page
