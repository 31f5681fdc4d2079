"""While an embargo holds, no page or API operation — for any role — reveals who bid, who downloaded
or which experts were drawn: not their names, not their codes, not even how many there are.

Every GET endpoint is requested as every role before and after embargoed events and messages are
added; the answers must be the same (after removing per-request tokens and clock readings), and
none may contain the embargoed names or codes."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from ggzy.core import clock
from ggzy.core.access import MATRIX_COLUMNS, read_matrix
from ggzy.core.roles import Role
from ggzy.events.embargo import Embargo
from ggzy.events.notifications import Recipient, notify
from ggzy.events.services import event_record
from ggzy.events.states import DeliveryChannel, EventClass, Visibility
from tests.endpoints import url_for
from tests.factories import signed_in
from tests.testapp.models import SealedThing

pytestmark = pytest.mark.django_db

SECRET_SECTION = "E2101000000000001001001"
SECRET_BIDDER = "秘密投标人甲有限公司"
SECRET_EXPERT = "保密专家乙"

VOLATILE = [
    (re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"'), 'name="csrfmiddlewaretoken" value="-"'),
    (re.compile(r'nonce="[^"]+"'), 'nonce="-"'),
    # clock readings, with or without seconds (the calendar page pre-fills "now" to the minute)
    (re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)?"), "<time>"),
    (re.compile(r'"(offset_ms_to_host|ntp_offset_ms)": -?[\d.]+'), r'"\1": <ms>'),  # clock readings
]


def normalised(response: Any) -> tuple[int, str]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    text = body.decode("utf-8", errors="replace")
    for pattern, replacement in VOLATILE:
        text = pattern.sub(replacement, text)
    return response.status_code, text


def crawl(clients: dict[str, Client]) -> dict[tuple[str, str], tuple[int, str]]:
    answers = {}
    for key in sorted(read_matrix()):
        method, url = url_for(key)
        if method != "GET":
            continue
        for column, client in clients.items():
            answers[(key, column)] = normalised(client.get(url))
    return answers


def people(make_user: Callable[..., Any]) -> tuple[Any, Any]:
    """The bidder and the expert exist before the crawl: their accounts are not the secret (and the
    administrators' account lists show them), what they did under the embargo is."""
    return make_user(Role.RESPONDER, username="secret-bidder"), make_user(
        Role.EXPERT, username="secret-expert"
    )


def add_embargoed_facts(make_user: Callable[..., Any], bidder: Any = None, expert: Any = None) -> None:
    SealedThing.objects.create(code=SECRET_SECTION, opens_at=clock.now() + dt.timedelta(days=3))
    embargo = Embargo("testapp.opening", SECRET_SECTION)
    if bidder is None:
        bidder, expert = people(make_user)
    with transaction.atomic():
        for n in range(3):
            event_record(
                type="testapp.document.downloaded",
                event_class=EventClass.DOMAIN,
                visibility=Visibility.PARTIES,
                actor=bidder,
                section=SECRET_SECTION,
                project=SECRET_SECTION[:17],
                embargo=embargo,
                data={"bidder": SECRET_BIDDER, "n": n},
            )
        event_record(
            type="testapp.bid.published",
            event_class=EventClass.DOMAIN,
            visibility=Visibility.PUBLIC,
            actor=bidder,
            section=SECRET_SECTION,
            embargo=embargo,
            data={"bidder": SECRET_BIDDER},
        )
        drawn = event_record(
            type="testapp.draw.completed",
            event_class=EventClass.DOMAIN,
            visibility=Visibility.SUPERVISORS,
            section=SECRET_SECTION,
            embargo=embargo,
            data={"experts": [SECRET_EXPERT]},
        )
        event_record(
            type="testapp.draw.viewed",
            event_class=EventClass.SECURITY,
            visibility=Visibility.AUDIT,
            section=SECRET_SECTION,
            embargo=embargo,
            data={"expert": SECRET_EXPERT},
        )
        notify(
            template="accounts.token_created",
            recipients=[Recipient(user=expert, phone="13800000000")],
            context={"name": SECRET_EXPERT, "prefix": SECRET_SECTION, "expires_at": "-"},
            channels=[DeliveryChannel.INBOX, DeliveryChannel.SMS],
            event=drawn,
        )


@pytest.mark.clause("11.2.8")
def test_no_endpoint_reveals_embargoed_facts_to_any_role(make_user: Callable[..., Any]) -> None:
    clients: dict[str, Client] = {}
    for column in MATRIX_COLUMNS:
        client = Client()
        if column != "anonymous":
            signed_in(client, make_user(Role(column)))
        clients[column] = client
    bidder, expert = people(make_user)
    before = crawl(clients)
    add_embargoed_facts(make_user, bidder, expert)
    after = crawl(clients)
    assert len(before) > 100
    secrets = [SECRET_SECTION, SECRET_BIDDER, SECRET_EXPERT]
    secrets += [json.dumps(s)[1:-1] for s in secrets]  # as escaped JSON too
    for where, answer in after.items():
        for secret in secrets:
            assert secret not in answer[1], (where, secret)
        assert answer == before[where], f"{where} changed while the embargo holds"


def test_the_crawl_would_notice_a_leak(
    client_for: Callable[..., Client], make_user: Callable[..., Any]
) -> None:
    """The same facts without an embargo do change what supervisors and auditors see."""
    supervisor = client_for(make_user(Role.SUPERVISOR))
    before = normalised(supervisor.get("/api/v1/events"))
    with transaction.atomic():
        event_record(
            type="testapp.draw.completed",
            event_class=EventClass.DOMAIN,
            visibility=Visibility.SUPERVISORS,
            data={"experts": [SECRET_EXPERT]},
        )
    after = normalised(supervisor.get("/api/v1/events"))
    assert after != before
    assert SECRET_EXPERT in after[1]
