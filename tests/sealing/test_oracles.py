"""No existence oracles (issue 21 item 1; docs/secrecy.md §4): before a section's opening, an operation on
a bid answers anyone but its bidder exactly as on a bid that does not exist — the hosting centre's staff
included (`access_hosted_bid` finds no bid whose opening has not come) — and a refusal or a probe
recorded under the embargo stays hidden from its own actor until the opening, while a bidder's own bid
and receipt events stay visible to it."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from ggzy.accounts.models import RoleGrant
from ggzy.core import clock
from ggzy.core.roles import Role
from ggzy.events.models import Event
from ggzy.events.selectors import events_visible_to
from ggzy.sealing.models import BidState, SealedBid
from ggzy.sealing.services.common import _record_refusal
from tests.sealing.conftest import Stage
from tests.sealing.test_sealing import at_opening

pytestmark = pytest.mark.django_db


VOLATILE = [
    (re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"'), 'name="csrfmiddlewaretoken" value="-"'),
    (re.compile(r'nonce="[^"]+"'), 'nonce="-"'),
]


def _answer(response: Any, uid: str) -> tuple[int, str, str]:
    """Status, where it redirects, and body, with the probed uid and per-request tokens replaced."""
    body = response.content.decode("utf-8", errors="replace").replace(uid, "<uid>")
    for pattern, replacement in VOLATILE:
        body = pattern.sub(replacement, body)
    return response.status_code, response.get("Location", "").replace(uid, "<uid>"), body


def probes(client: Client, uid: str, release: dict[str, Any]) -> dict[str, tuple[int, str, str]]:
    """Every operation and page on one bid (the bidder's and the opening's)."""
    api = f"/api/v1/sealing/bids/{uid}"
    answers = {
        "withdraw": client.post(f"{api}/withdraw"),
        "release": client.post(f"{api}/release", data=json.dumps(release), content_type="application/json"),
        "open-by-custodians": client.post(f"{api}/open-by-custodians"),
        "page withdraw": client.post(reverse("sealing:withdraw", kwargs={"bid_uid": uid})),
    }
    return {name: _answer(response, uid) for name, response in answers.items()}


def own_events(client: Client) -> list[dict[str, Any]]:
    return client.get("/api/v1/events?limit=500").json()["items"]


def test_before_the_opening_a_bid_answers_everyone_but_its_bidder_as_a_missing_one(
    stage: Stage, client_for: Callable[..., Client], make_user: Callable[..., Any]
) -> None:
    bid = stage.receive(stage.bidders[0])
    release = stage.release(bid)
    supervisor = make_user()
    RoleGrant.objects.create(user=supervisor, role=Role.SUPERVISOR, region="210100", granted_at=clock.now())
    callers = {
        "the hosting centre's staff": stage.world.staff[0],
        "another bidder": stage.bidders[1].user,
        "the supervisor of the region": supervisor,
        "the agent": stage.world.agent_user,
    }
    for who, user in callers.items():
        client = client_for(user)
        seen, last = own_events(client), Event.objects.order_by("-pk").values_list("pk", flat=True)[0]
        existing = probes(client, str(bid.uid), release)
        missing = probes(client, str(uuid.uuid4()), release)
        assert existing == missing, who
        assert all(status in (403, 404) for status, _to, _body in existing.values()), (who, existing)
        assert own_events(client) == seen, f"{who}: the probe shows in their own event list"
        assert not Event.objects.filter(pk__gt=last, section_ref=stage.section.code).exists(), who
    assert SealedBid.objects.get().state == BidState.RECEIVED


def test_from_the_opening_the_hosting_centres_staff_reach_the_bid(
    stage: Stage, client_for: Callable[..., Client], freeze: Callable[[Any], None]
) -> None:
    bid = stage.receive(stage.bidders[0])
    staff = client_for(stage.world.staff[0])
    assert staff.post(f"/api/v1/sealing/bids/{bid.uid}/open-by-custodians").status_code == 404
    at_opening(stage, freeze)
    answer = staff.post(f"/api/v1/sealing/bids/{bid.uid}/open-by-custodians")
    assert answer.status_code == 200, answer.content
    assert answer.json()["state"] == "opened"


def test_a_refusal_stays_embargoed_for_its_own_actor_and_a_bidders_receipt_does_not(
    stage: Stage, client_for: Callable[..., Client], freeze: Callable[[Any], None]
) -> None:
    bidder = stage.bidders[0]
    bid = stage.receive(bidder)
    client = client_for(bidder.user)
    early = client.post(
        f"/api/v1/sealing/bids/{bid.uid}/release",
        data=json.dumps(stage.release(bid)),
        content_type="application/json",
    )
    assert early.status_code == 422  # its own bid: the bidder is told why
    assert early.json()["detail"]["reason"] == "too_early"
    assert Event.objects.filter(type="sealing.release.refused", actor=bidder.user).exists()
    seen = {e["type"] for e in own_events(client)}
    assert "sealing.bid.received" in seen  # its receipt, before the opening
    assert "sealing.release.refused" not in seen  # a refusal waits for the opening, its actor's too

    # a probe recorded for a staff member (were one to reach a bid before the opening) tells them nothing
    staff = stage.world.staff[0]
    _record_refusal(type="sealing.release.refused", actor=staff, section=stage.section, reason="too_early")
    probe = Event.objects.filter(type="sealing.release.refused", actor=staff).get()
    assert not events_visible_to(staff).filter(pk=probe.pk).exists()
    assert probe.centre == stage.section.centre.code  # scoped: the section's centre and region
    assert probe.region == stage.section.centre.region

    at_opening(stage, freeze)
    assert events_visible_to(staff).filter(pk=probe.pk).exists()
    assert "sealing.release.refused" in {e["type"] for e in own_events(client)}
