"""Centres kept apart (standard 9.2.5; docs/secrecy.md §4): the staff and the supervisors of one centre
and region see nothing of another centre's trades — its bids, its sections' bid events, its events and
the messages about them — before the opening and after it.

Centre A (Shenyang, 210100) hosts a section with two sealed bids; centre B (Dalian, 210200) is another
centre in another region. A staff member and a supervisor of B crawl every page and API operation
(GET, from the access matrix) and probe every operation on a bid with A's bids' uids, before and after
A's opening. What they saw before A's bids arrived — the register of organisations, a section's bid
window, announced to everyone — they may go on seeing; nothing more: each of A's names and codes appears
in each answer at most as often as before the bids, A's bids', bid events' and messages' uids never, and
an operation on one of A's bids answers exactly as on a bid that does not exist. Staff of A and a
supervisor of A's region do see them after the opening (the crawl would notice a leak)."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import Client

from ggzy.accounts import parties
from ggzy.accounts.models import RoleGrant
from ggzy.core import clock
from ggzy.core.access import read_matrix
from ggzy.core.roles import Role
from ggzy.events.models import Event, Message
from ggzy.events.notifications import Recipient, notify
from ggzy.events.states import DeliveryChannel, Visibility
from ggzy.sealing import services
from ggzy.sealing.models import BidState, SealedBid
from tests.endpoints import url_for
from tests.factories import signed_in
from tests.registry.conftest import staff_user
from tests.sealing.conftest import Stage
from tests.sealing.test_sealing import at_opening

pytestmark = pytest.mark.django_db

BID_OPERATIONS = ("withdraw", "release", "open-by-custodians")
VOLATILE = [
    (re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"'), 'name="csrfmiddlewaretoken" value="-"'),
    (re.compile(r'nonce="[^"]+"'), 'nonce="-"'),
]


def _text(response: Any) -> str:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    text = body.decode("utf-8", errors="replace")
    for pattern, replacement in VOLATILE:
        text = pattern.sub(replacement, text)
    return text


def _user(username: str, role: Role, **scope: Any) -> Any:
    user = get_user_model().objects.create_user(username=username)
    RoleGrant.objects.create(user=user, role=role, granted_at=clock.now(), **scope)
    return user


def _client(user: Any) -> Client:
    return signed_in(Client(), user)


def crawl(client: Client, bids: list[str]) -> dict[str, str]:
    """Every GET page and API operation, and every operation on a bid with each of the uids `bids`
    (the uid itself replaced in the answer, so that a missing bid's answer compares)."""
    answers = {}
    for key in sorted(read_matrix()):
        method, url = url_for(key)
        if method == "GET":
            answers[key] = _text(client.get(url))
    for n, uid in enumerate(bids):
        for operation in BID_OPERATIONS:
            url = f"/api/v1/sealing/bids/{uid}/{operation}"
            response = client.post(url, data="{}", content_type="application/json")
            text = _text(response).replace(uid, "<uid>")
            answers[f"POST {operation} #{n}"] = f"{response.status_code} {text}"
    return answers


def secrets_of_a(stage: Stage, bids: list[SealedBid]) -> tuple[list[str], list[str]]:
    """(names and codes of A's trade, anyone may see some of them published; uids of A's bids, bid
    events and messages, which no one of another centre may ever see)."""
    world = stage.world
    names = [stage.section.code, stage.other_section.code, stage.section.tender_project.code]
    for bid in bids:
        names += [bid.organisation.name, bid.organisation.uscc, bid.ciphertext_sm3]
    names += [json.dumps(name)[1:-1] for name in names if not name.isascii()]  # escaped in JSON too
    events = Event.objects.filter(centre=world.centre.code).exclude(visibility=Visibility.PUBLIC)
    uids = [str(bid.uid) for bid in bids] + [str(e.uid) for e in events]
    uids += [str(m.uid) for m in Message.objects.filter(event__centre=world.centre.code)]
    return names, uids


def assert_apart(
    answers: dict[str, str], baseline: dict[str, str], names: list[str], uids: list[str], who: str
) -> None:
    for where, text in answers.items():
        for uid in uids:
            assert uid not in text, (who, where, "uid")
        for name in names:
            assert text.count(name) <= baseline[where].count(name), (who, where, name)
        if where.startswith("POST "):  # an operation on A's bid: as on a bid that does not exist
            assert text == baseline[where], (who, where)


@pytest.mark.clause("9.2.5")
def test_staff_and_supervisors_of_another_centre_see_nothing_of_its_trades(
    stage: Stage, freeze: Callable[[Any], None], settings: Any
) -> None:
    world = stage.world
    dalian = parties.centre_create(actor=None, code="dl", name="大连市公共资源交易中心", region="210200")
    staff_b = staff_user(dalian, "staff-dalian")
    supervisor_b = _user("supervisor-dalian", Role.SUPERVISOR, region="210200")
    supervisor_a = _user("supervisor-shenyang", Role.SUPERVISOR, region="210100")
    clients = {"staff B": _client(staff_b), "supervisor B": _client(supervisor_b)}
    missing = [str(uuid.uuid4()), str(uuid.uuid4())]
    before_bids = {who: crawl(client, missing) for who, client in clients.items()}

    bids = [stage.receive(stage.bidders[0], "a"), stage.receive(stage.bidders[1], "b")]
    with transaction.atomic():  # a message about one of A's bid events (the delivery log lists it)
        notify(
            template="accounts.token_created",
            recipients=[Recipient(user=stage.bidders[0].user, phone="13900000011")],
            context={
                "name": stage.bidders[0].organisation.name,
                "prefix": stage.section.code,
                "expires_at": "-",
            },
            channels=[DeliveryChannel.SMS],
            event=Event.objects.filter(type="sealing.bid.received").first(),
        )

    # before the opening
    names, uids = secrets_of_a(stage, bids)
    for who, client in clients.items():
        assert_apart(crawl(client, uids[: len(bids)]), before_bids[who], names, uids, who)

    # after the opening: A's bids are opened (one by its bidder, one through the custodians by A's staff)
    at_opening(stage, freeze)
    services.bid_open(actor=stage.bidders[0].user, bid=bids[0], release=stage.release(bids[0]))
    opened = _client(world.staff[0]).post(f"/api/v1/sealing/bids/{bids[1].uid}/open-by-custodians")
    assert opened.status_code == 200, opened.content
    assert set(SealedBid.objects.values_list("state", flat=True)) == {BidState.OPENED}
    names, uids = secrets_of_a(stage, bids)
    for who, client in clients.items():
        assert_apart(crawl(client, uids[: len(bids)]), before_bids[who], names, uids, who)

    # the crawl would notice: A's staff and A's region's supervisor do see A's bids now
    for user in (world.staff[0], supervisor_a):
        events = _text(_client(user).get("/api/v1/events?limit=200"))
        assert stage.bidders[0].organisation.uscc in events
        assert any(str(e.uid) in events for e in Event.objects.filter(type="sealing.bid.opened"))
    deliveries = _text(_client(world.staff[0]).get("/api/v1/deliveries"))
    assert str(Message.objects.get(event__centre=world.centre.code).uid) in deliveries
