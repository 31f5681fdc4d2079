"""The differential crawl (issue 21; docs/secrecy.md): two worlds identical except for the secret facts
the secrecy table marks enforced — here 0 vs 3 hidden sealed bids in a section whose opening has not
come — give the same answer to every page and every API operation (GET and POST alike), for every
role, after normalising what is random in each world (uids, keys, hashes, times, tokens).

Before the opening nothing may reveal who bid, how many bids there are or their sizes: not a name,
not a count, not an id gap, not an error code, not a refusal of one's own. Each world is built from
an empty database through the same services users call (tests/registry and tests/sealing's worlds),
the crawl then sends the same requests in the same order to both. A probe of a bid (withdraw,
release, open through the custodians, the bid's pages) names a hidden bid's uid in the world that has
one and a fresh uid in the other: the answers must not tell them apart.

Bid security (issue 29; tests/sealing/crawl_securities.py): in the world with the hidden bidders each
of them opened a deposit sub-account and paid (one from another's account: a payer flag), a hidden holder
opened one and paid nothing, one applied for a guarantee (pending at the issuer) and one holds an accepted
guarantee; the other world has none of these. The bank's and the issuers' rows are made through the ORM
with the events their services record (the crawl tests the read paths, not the bank); the bank's day
statements are reconciled by the tick job itself from a stand-in bank. The crawl's bidder holds the
documents and paid its own deposit in both worlds, so its pages (`/workspace/securities/…`) show what is
its own; a probe of a guarantee names a hidden guarantee's uid (the accepted one, then the pending one) or
a fresh uid; the section's code is the real section's in both worlds. No page or operation names a
sub-account by uid: the bidder reaches its own by the section's code.

Drawn experts (issue 33; tests/sealing/crawl_experts.py): both worlds draw 7 experts for the section from
the same pool with the same seed, and the pool's uids run the other way in one of them, so other people are
called; nothing before the push may tell who.

Facts the secrecy table marks planned (objections, …) come with the issues that build
them; each extends `WORLDS` with its fact, and the test fails when a fact is marked enforced without a
world here."""

from __future__ import annotations

import contextlib
import difflib
import itertools
import json
import os
import re
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client

from ggzy.accounts.models import RoleGrant
from ggzy.calendar.calc import SHANGHAI
from ggzy.core import clock, secrecy
from ggzy.core.access import MATRIX_COLUMNS, read_matrix
from ggzy.core.roles import ADMIN_ROLES, Role
from ggzy.entities import selectors as library_selectors
from ggzy.entities import services as library
from tests import factories
from tests.endpoints import SAMPLE_KWARGS, url_for
from tests.registry import conftest as registry_world
from tests.sealing import conftest as sealing_world
from tests.sealing import crawl_experts, crawl_securities

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

HIDDEN_BIDS = 3
HIDDEN_NAME = "隐藏投标人"
HIDDEN_HOLDERS = 5
QUESTIONS = ("工期可否调整为 200 日历天？", "安全文明施工费是否单列？", "类似业绩是否包括在建工程？")

#: The secrecy table's enforced facts, each with the worlds of this crawl that prove it.
WORLDS = {
    "bidders": "0 vs 3 hidden bids",
    "bid_contents": "0 vs 3 hidden bids (prices sealed)",
    "document_holders": "1 vs 1 + 5 holders of the issued documents",
    "askers": "the same 3 questions, asked by 1 stand-in vs by 3 hidden holders",
    "bid_library": "every rival keeps the same library; the 3 hidden bids reference it inside their seal",
    "security_payers": "0 vs 3 hidden bidders who paid a deposit, one of them also guaranteed",
    "security_sub_accounts": "0 vs 4 hidden sub-accounts (3 paid, 1 opened only), the bank's days reconciled",
    "security_payer_details": "0 vs 3 hidden credits with their payers' names and accounts",
    "security_guarantees": "0 vs 2 hidden guarantees (one pending, one accepted), each probed by uid",
    "security_flags": "0 vs 1 hidden payer flag (two hidden bidders paid from one account)",
    "drawn_experts": "7 experts called (one declined and replaced) from a pool of 15, other people in each"
    " world (the same seed over the pool's uids in the opposite order), before the push",
    # its world is the price crawl's (tests/opening/test_price_crawl.py): the same bids at other prices
    "prices_in_window": "prices A vs prices B, the decryption window open, some bids released",
}

RANDOM = [
    (re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"'), 'name="csrfmiddlewaretoken" value="-"'),
    (re.compile(r'nonce="[^"]+"'), 'nonce="-"'),
    (re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"), "<uid>"),
    (re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:?\d{2}|Z)?"), "<time>"),
    (re.compile(r"\d{4}年\d{1,2}月\d{1,2}日( \d{1,2}:\d{2})?"), "<time>"),  # the back office's dates
    (re.compile(r"\b\d{2}:\d{2}:\d{2}\b"), "<time>"),  # a time of day beside its date (the event log)
    (re.compile(r"\b[0-9a-fA-F]{16,}\b"), "<hex>"),  # key ids, fingerprints, SM3 hashes
    (re.compile(r"[A-Za-z0-9+/_-]{32,}={0,2}"), "<b64>"),  # keys, certificates, tokens
    (re.compile(r'"(offset_ms_to_host|ntp_offset_ms|took_ms)": -?[\d.]+'), r'"\1": <ms>'),
    # the health check's words for the same offset (PostgreSQL's clock against the host's, measured now)
    (re.compile(r"clocks differ by -?[\d.]+ ms"), "clocks differ by <ms> ms"),
]


def normalised(response: Any) -> tuple[int, str]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    text = body.decode("utf-8", errors="replace")
    for pattern, replacement in RANDOM:
        text = pattern.sub(replacement, text)
    return response.status_code, text


@contextlib.contextmanager
def _no_capture(**_kwargs: Any) -> Iterator[list[Any]]:
    yield []  # a transactional test runs on_commit callbacks at once


def _identity(username: str, role: Role, **scope: Any) -> Any:
    user = get_user_model().objects.create_user(username=username, is_staff=role in ADMIN_ROLES)
    RoleGrant.objects.create(user=user, role=role, granted_at=clock.now(), **scope)
    return user


def build(
    hidden: int, folder: Path, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> tuple[dict[str, Client], dict[str, str]]:
    """One world: the registry's centre and project, the sealing stage (custodians, windows, two
    bidders who never bid), three more bidders — who bid and give a security only if `hidden` — and one
    identity per role. Returns the signed-in clients by role and what the crawl probes with (`crawl`)."""
    monkeypatch.setattr(factories, "_counter", itertools.count(1))
    monkeypatch.setattr(sealing_world, "_serial", [1000])
    world = registry_world.make_world()
    stage = sealing_world.make_stage(world, folder, settings, monkeypatch, _no_capture)
    rivals = [
        sealing_world.make_bidder(f"rival-{n}", f"{HIDDEN_NAME}{n}有限公司") for n in range(HIDDEN_BIDS)
    ]
    # every rival keeps a library in both worlds; a hidden bid carries references to it, sealed inside
    references = [library_of(rival, n, folder) for n, rival in enumerate(rivals)]
    bids = [
        stage.receive(
            rival,
            name=f"hidden-{n}",
            documents=[
                *(stage.folder / f"hidden-{n}-docs" / d for d in ("商务标.pdf", "技术标.pdf")),
                ("library.json", references[n]),
            ],
        )
        for n, rival in enumerate(rivals[:hidden])
    ]
    holders = [sealing_world.make_bidder(f"holder-{n}", f"{HIDDEN_NAME}持有{n}有限公司") for n in range(2)]
    documents = documents_world(world, stage, rivals, holders, hidden=bool(hidden))
    crawl_securities.bank_configured(monkeypatch)
    probes = crawl_securities.securities_world(stage, rivals, holders[0], hidden=bool(hidden))
    users: dict[str, Any] = {
        "centre_staff": world.staff[0],
        "initiator": world.initiator_user,
        "agent": world.agent_user,
        "responder": stage.bidders[1].user,  # a bidder of the centre who did not bid here
        "expert": _identity("expert-1", Role.EXPERT),
        "supervisor": _identity("supervisor-1", Role.SUPERVISOR, region="210100"),
    }
    users |= {role.value: _identity(f"{role.value}-1", role) for role in sorted(ADMIN_ROLES)}
    clients = {}
    for column in MATRIX_COLUMNS:
        client = Client()
        if column != "anonymous":
            factories.signed_in(client, users[column])
        clients[column] = client
    assert documents.pk  # the crawl asks for these documents' pages (`crawl`)
    probes |= {"bid": str(bids[0].uid) if bids else str(uuid.uuid4()), "section_code": stage.section.code}
    # the opening hall as its tick job leaves it before the deadline (its page and its list are crawled)
    from ggzy.opening.models import Hall
    from ggzy.opening.services import halls_due

    halls_due()
    hall = Hall.objects.filter(section=stage.section).first()
    probes["hall_uid"] = str(hall.uid) if hall is not None else str(uuid.uuid4())
    # the committee's experts drawn for the section: other people in each world (crawl_experts)
    probes |= crawl_experts.experts_world(stage, users["expert"], hidden=bool(hidden))
    return clients, probes


def library_of(rival: Any, n: int, folder: Path) -> Path:
    """A qualification in the rival's library and the snapshot a bid of it would seal (issue 27)."""
    item = library.item_add(
        actor=rival.user, organisation=rival.organisation, kind="qualification",
        fields={"type": "construction.general.municipal", "level": "一级", "certificate": f"D90000{n}",
                "issuer": "辽宁省住房和城乡建设厅", "valid_from": "2024-01-01", "valid_to": "2029-01-01"},
    )  # fmt: skip
    path = folder / f"library-{n}.json"
    path.write_text(json.dumps(library_selectors.snapshot(viewer=rival.user, items=[item.uid])))
    return path


def documents_world(world: Any, stage: Any, rivals: list[Any], others: list[Any], *, hidden: bool) -> Any:
    """Both worlds: the registration accepted, the tender notice published, the documents issued (each
    section asking a bid security in any form), a stand-in bidder (not one of the crawl's identities)
    and the crawl's bidder holding them. Hidden: five more holders, three of whom ask the questions the
    stand-in asks in the other world."""
    from ggzy.notices import services as notices
    from ggzy.registry import services as registry
    from ggzy.registry.models import Registration
    from ggzy.tendering import services as tendering
    from tests.notices.conftest import tender_content
    from tests.tendering.test_documents import records_for

    tender_project = stage.section.tender_project
    a, b, c = world.staff
    registration = Registration.objects.get(project=tender_project.project)
    registry.registration_accept(actor=a, registration=registration, responsible=b, deputy=c)
    notice = notices.notice_draft(
        actor=world.agent_user, tender_project=tender_project, notice_type="tender",
        title="车站装修施工招标公告", content=tender_content(),
    )  # fmt: skip
    notices.notice_schedule(actor=world.agent_user, notice=notice, publish_at=clock.now())
    documents = tendering.documents_draft(
        actor=world.agent_user, tender_project=tender_project, title="车站装修施工招标文件",
        criteria=records_for(tender_project, bid_security=crawl_securities.BID_SECURITY),
    )  # fmt: skip
    tendering.documents_issue(actor=world.agent_user, documents=documents)
    stand_in = stage.bidders[0].user
    tendering.documents_obtain(actor=stand_in, documents=documents)
    tendering.documents_obtain(actor=stage.bidders[1].user, documents=documents)  # the crawl's bidder
    holders = [r.user for r in [*rivals, *others]]
    askers = holders[: len(QUESTIONS)] if hidden else [stand_in] * len(QUESTIONS)
    if hidden:
        for holder in holders[:HIDDEN_HOLDERS]:
            tendering.documents_obtain(actor=holder, documents=documents)
    for asker, text in zip(askers, QUESTIONS, strict=True):
        tendering.question_ask(actor=asker, documents=documents, text=text)
    return documents


def fresh() -> None:
    """An empty database as `flush` leaves it (with what post_migrate puts back: keys, reference data),
    so both worlds start from the very same rows and sequences."""
    call_command("flush", interactive=False, verbosity=0)
    cache.clear()


T = TypeVar("T")


def one_day(*worlds: Callable[[int], T]) -> list[T]:
    """Each world made in turn (`world(attempt)`), all on one day of Beijing time: when the day turns while
    they are made, dates, the days left and the week's openings differ between them, not the bids — so
    they are all made again, on the new day (a day turns once in the minutes this takes)."""
    for attempt in range(2):
        day = clock.authority_now().astimezone(SHANGHAI).date()
        made = [world(attempt) for world in worlds]
        if clock.authority_now().astimezone(SHANGHAI).date() == day:
            break
    return made


def crawl(clients: dict[str, Client], probes: dict[str, str]) -> dict[tuple[str, str], tuple[int, str]]:
    """Every operation as every client, its address naming `probes`: "bid" for a bid's uid, the URL
    parameters by name (a guarantee's uid, the section's code), and an operation naming a guarantee once
    more with "pending_guarantee_uid" (answers keyed "<key>#pending"); a page naming a guarantee is asked
    by POST too (the bidder's actions on it: "<key>#post")."""
    answers = {}
    from ggzy.tendering.models import TenderDocuments

    params = {name: probes["bid"] for name in SAMPLE_KWARGS if name.startswith("bid")}
    params |= {name: value for name, value in probes.items() if name in SAMPLE_KWARGS}
    documents = TenderDocuments.objects.first()
    if documents is not None:  # the real documents, the same in both worlds
        params["documents_uid"] = str(documents.uid)
    passes = [("", params)]
    if "pending_guarantee_uid" in probes:
        passes.append(("#pending", params | {"guarantee_uid": probes["pending_guarantee_uid"]}))
    for key in sorted(read_matrix()):
        asked = set()
        for suffix, kwargs in passes:
            names_guarantee = "guarantee_uid" in probes and kwargs["guarantee_uid"]
            with pytest.MonkeyPatch.context() as patch:
                patch.setattr("tests.endpoints.SAMPLE_KWARGS", SAMPLE_KWARGS | kwargs)
                method, url = url_for(key)
            if url in asked:  # the operation names no guarantee
                continue
            asked.add(url)
            for column, client in clients.items():
                if method == "GET":
                    response = client.get(url)
                else:
                    response = client.generic(method, url, data="{}", content_type="application/json")
                answers[(key + suffix, column)] = normalised(response)
                if method == "GET" and names_guarantee and names_guarantee in url:  # its actions, as POSTs
                    answers[(key + suffix + "#post", column)] = normalised(client.post(url))
    return answers


def first_difference(a: str, b: str) -> str:
    lines = list(difflib.unified_diff(a.splitlines(), b.splitlines(), "0 bids", "3 bids", n=1, lineterm=""))
    return "\n".join(lines[:12])


def dump(without: dict[Any, tuple[int, str]], with_bids: dict[Any, tuple[int, str]]) -> None:
    """With CRAWL_DUMP=<folder>, write each pair of differing answers there, to read them in full."""
    if not os.environ.get("CRAWL_DUMP"):
        return
    out = Path(os.environ["CRAWL_DUMP"])
    out.mkdir(exist_ok=True)
    for n, ((key, column), answer) in enumerate(sorted(with_bids.items())):
        if answer != without[(key, column)]:
            (out / f"{n}-0.txt").write_text(f"{key} {column}\n" + without[(key, column)][1])
            (out / f"{n}-3.txt").write_text(f"{key} {column}\n" + answer[1])


def test_every_enforced_fact_has_a_world_in_the_crawl() -> None:
    enforced = {fact.key for fact in secrecy.FACTS if fact.status == secrecy.Status.ENFORCED}
    assert enforced == set(WORLDS), "a fact marked enforced in core/secrecy.py needs its world here"


@pytest.mark.clause("11.2.8")
def test_hidden_bids_change_no_answer_for_any_role(
    tmp_path: Path, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    drawn: dict[int, str] = {}

    def world(bids: int) -> Callable[[int], dict[tuple[str, str], tuple[int, str]]]:
        def made(attempt: int) -> dict[tuple[str, str], tuple[int, str]]:
            fresh()
            clients, probe = build(bids, tmp_path / f"world-{bids}-{attempt}", settings, monkeypatch)
            drawn[bids] = probe["drawn"]
            return crawl(clients, probe)

        return made

    without, with_bids = one_day(world(0), world(HIDDEN_BIDS))
    assert drawn[0] != drawn[HIDDEN_BIDS]  # other experts drawn: the crawl would see their names leak

    assert len(without) > 1000  # every operation, as every role
    for world in (without, with_bids):  # the hall is there in both worlds, for the parties only
        assert world[("page:opening:hall", "agent")][0] == 200
        assert world[("page:opening:hall", "expert")][0] == 404
    for world in (without, with_bids):  # the crawl's bidder reaches its own security in both worlds
        assert world[("page:securities:bidder-section", "responder")][0] == 200
        assert ("page:securities:guarantee-refresh#pending#post", "responder") in world
    differences = [
        f"{key} as {column}: {without[(key, column)][0]} vs {answer[0]}\n"
        + first_difference(without[(key, column)][1], answer[1])
        for (key, column), answer in with_bids.items()
        if answer != without[(key, column)]
    ]
    dump(without, with_bids)
    assert not differences, f"{len(differences)} answers tell the worlds apart:\n\n" + "\n\n".join(
        differences[:8]
    )
    leaks = [
        where
        for where, (_status, text) in with_bids.items()
        if "1188000000" in text or "11,880,000.00" in text
    ]
    assert not leaks, f"a sealed price or opening sheet shows: {leaks[:5]}"


def test_the_crawl_tells_worlds_apart_when_an_answer_leaks(
    tmp_path: Path, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The normalisation does not hide a leak: once the opening has come, staff see the three bids."""
    clients, _probe = build(HIDDEN_BIDS, tmp_path / "world", settings, monkeypatch)
    staff = {"centre_staff": clients["centre_staff"]}
    before = crawl(staff, {"bid": str(uuid.uuid4())})
    opening = clock.now() + sealing_world.DAY * 21
    monkeypatch.setattr(clock, "authority_now", lambda: opening)
    after = crawl(staff, {"bid": str(uuid.uuid4())})
    changed = [where for where, answer in after.items() if answer != before[where]]
    assert changed, "after the opening the centre's staff must see the bids the crawl hid before"
