"""A catch-up job never repeats: four tick passes at the same instant (a cron `tick --once` overlapping the
`tick` service, two hosts) do each job's work once. Every registered job has a situation here in which it
has work to do; the passes run in threads, each on its own database connection (on PostgreSQL they race
for the rows, on SQLite they take turns), and the effects — events, messages, signed heads — are counted.
A job registered without a situation fails `test_every_registered_job_has_a_situation`."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections
from django_tasks_db.models import DBTaskResult

from ggzy.certs.models import BoundCertificate, CertificateAuthority
from ggzy.core import clock, tick
from ggzy.events.models import Event, Message
from ggzy.registry import selectors as registry_selectors
from ggzy.registry import services as registry
from ggzy.registry.models import Item
from ggzy.registry.services import Promise
from ggzy.service import services as service
from ggzy.witness.models import TreeHead
from ggzy_sm.sm2 import Sm2PrivateKey
from tests.registry.conftest import World, make_world, pdf

pytestmark = pytest.mark.django_db(transaction=True)  # each thread commits on its own connection

PASSES = 4
Freeze = Callable[[dt.datetime], None]
#: What one pass must leave: {event type / message template / "witness.head": how many}.
Effects = Counter[str]
Situation = Callable[[Freeze], Effects]


def _world() -> World:
    return make_world()


def deadlines_passed(freeze: Freeze) -> Effects:
    registration = _world().file()
    freeze(registration.deadline.due_at + dt.timedelta(hours=1))
    from ggzy.calendar.models import Deadline

    passed = Deadline.objects.filter(due_at__lte=clock.now(), passed_recorded=False).count()
    assert passed >= 1
    return Counter({"calendar.deadline.passed": passed})


def integrate_and_sign(freeze: Freeze) -> Effects:
    from django.conf import settings

    from ggzy.witness.services import slot_start

    interval = dt.timedelta(seconds=settings.GGZY_WITNESS_STH_SECONDS)
    freeze(slot_start(clock.authority_now()) + interval + dt.timedelta(seconds=1))  # a slot just began
    return Counter({"witness.head": 1})


def _ca(**fields: Any) -> CertificateAuthority:
    return CertificateAuthority.objects.create(
        name=f"CA {CertificateAuthority.objects.count()}", root=b"\x30", added_at=clock.now(), **fields
    )


def warn_expiring(freeze: Freeze) -> Effects:
    world = _world()
    now = clock.now()
    BoundCertificate.objects.create(
        user=world.agent_user, ca=_ca(), usage="signing", der=b"\x30", serial="3c",
        holder_id="holder", public_key="04", not_after=now + dt.timedelta(days=5), bound_at=now,
    )  # fmt: skip
    freeze(now)
    return Counter({"certs.expiring": 1})


def remind_expiring_entries(freeze: Freeze) -> Effects:
    from ggzy.entities import services as library
    from tests.entities.library_world import organisation, qualification

    organisation_, member = organisation()
    ends = clock.local_now().date() + dt.timedelta(days=5)
    library.item_add(
        actor=member, organisation=organisation_, kind="qualification",
        fields=qualification(valid_from="2024-01-01", valid_to=ends.isoformat()),
    )  # fmt: skip
    freeze(clock.now())
    return Counter({"entities.expiring": 1})


def fetch_crls(freeze: Freeze) -> Effects:
    _ca(crl_url="http://127.0.0.1:9/ca.crl")  # nothing listens there: the failure is recorded, once
    freeze(clock.now())
    return Counter({"certs.crl.fetch_failed": 1})


def escalate_overdue(freeze: Freeze) -> Effects:
    registration = _world().file()
    freeze(registration.deadline.due_at + dt.timedelta(hours=1))
    return Counter({"registry.registration.overdue": 1, "registry.overdue": 1})


def remind_promises(freeze: Freeze) -> Effects:
    world = _world()
    due = clock.local_now().date() + dt.timedelta(days=1)
    registration = world.file(
        files={"application_form": pdf("申请表"), "filing_form": pdf("备案表")},
        promises={"agency_contract": Promise("合同盖章中，明日补交", due)},
    )
    a, b, c = world.staff
    registry.registration_accept(actor=a, registration=registration, responsible=b, deputy=c)
    freeze(clock.now())
    assert Item.objects.filter(registration=registration, promise__gt="").count() == 1
    return Counter({"registry.promise_due": len(registry_selectors.party_recipients(registration))})


def escalate_questions(freeze: Freeze) -> Effects:
    world = _world()
    question = service.question_ask(
        asker=world.agent_user, centre=world.centre, kind="process", text="工程建设项目进场登记需要哪些材料？"
    )
    service.question_take(actor=world.staff[0], question=question)
    assert question.deadline is not None
    freeze(question.deadline.due_at + dt.timedelta(minutes=5))
    return Counter({"service.question.overdue": 1, "service.question_overdue": 1})


def recover_deliveries(freeze: Freeze) -> Effects:
    from ggzy.events.recovery import lease
    from ggzy.events.states import DeliveryChannel, DeliveryStatus

    world = _world()
    now = clock.now()
    Message.objects.create(
        template="registry.overdue",
        channel=DeliveryChannel.SMS,
        language="zh-hans",
        recipient=world.head,
        address="13900000009",
        subject="s",
        body="b",
        status=DeliveryStatus.PENDING,
        created_at=now - lease() - dt.timedelta(minutes=1),
    )  # a message whose worker died before its task row was written
    freeze(now)
    return Counter({"events.deliveries.recovered": 1, "task.deliver_message": 1})


def record_published(freeze: Freeze) -> Effects:
    from ggzy.notices import services as notices
    from tests.notices.conftest import tender_content

    world = _world()
    registration = world.file()
    a, b, c = world.staff
    registry.registration_accept(actor=a, registration=registration, responsible=b, deputy=c)
    tender_project = registration.project.tender_projects.get()
    now = clock.now()
    for n in range(2):
        notice = notices.notice_draft(
            actor=world.agent_user, tender_project=tender_project, notice_type="tender",
            title=f"招标公告 {n}", content=tender_content(),
        )  # fmt: skip
        notices.notice_schedule(
            actor=world.agent_user, notice=notice, publish_at=now + dt.timedelta(minutes=n)
        )
    freeze(now + dt.timedelta(hours=1))
    # the first tender notice sets its two sections' bid windows; the second finds them set
    return Counter({"notices.notice.published": 2, "sealing.window.set": 2})


def push_national(freeze: Freeze) -> Effects:
    """A published engineering notice and its receiver unreachable (GGZY_NATIONAL_PLATFORMS, set for this
    module by `_national_platforms`): the failed try is recorded once, the next one waits its back-off."""
    from ggzy.notices import services as notices
    from tests.notices.conftest import tender_content

    world = _world()
    registration = world.file()
    a, b, c = world.staff
    registry.registration_accept(actor=a, registration=registration, responsible=b, deputy=c)
    now = clock.now()
    notice = notices.notice_draft(
        actor=world.agent_user, tender_project=registration.project.tender_projects.get(),
        notice_type="tender", title="招标公告", content=tender_content(),
    )  # fmt: skip
    notices.notice_schedule(actor=world.agent_user, notice=notice, publish_at=now)
    freeze(now + dt.timedelta(minutes=1))
    assert notices.published_catch_up() == 1  # its publication recorded: now it is due for the push
    return Counter({"notices.notice.push_failed": 1})


def disclosure_publish(freeze: Freeze) -> Effects:
    """The 28th of next month at 10:00 (Beijing time), after any disclosure day: this month is due, once."""
    from ggzy.core.formatting import PLATFORM_ZONE

    local = clock.now().astimezone(PLATFORM_ZONE)
    following = (local.replace(day=1) + dt.timedelta(days=32)).replace(day=28)
    freeze(dt.datetime.combine(following.date(), dt.time(10), PLATFORM_ZONE))
    return Counter({"analytics.disclosure.published": 1})


def remind_parties(freeze: Freeze) -> Effects:
    """A published tender notice sets its two sections' windows; a minute into the third day before their
    opening both are due: the initiator's and the agent's members are told once per section (inbox; no
    phone on record)."""
    from ggzy.notices import services as notices
    from ggzy.sealing.models import BidWindow
    from tests.notices.conftest import tender_content

    world = _world()
    registration = world.file()
    a, b, c = world.staff
    registry.registration_accept(actor=a, registration=registration, responsible=b, deputy=c)
    now = clock.now()
    notice = notices.notice_draft(
        actor=world.agent_user, tender_project=registration.project.tender_projects.get(),
        notice_type="tender", title="招标公告", content=tender_content(),
    )  # fmt: skip
    notices.notice_schedule(actor=world.agent_user, notice=notice, publish_at=now)
    freeze(now + dt.timedelta(minutes=1))
    assert notices.published_catch_up() == 1  # the windows are set
    windows = BidWindow.objects.all()
    assert windows.count() == 2
    opening = min(w.opening_at for w in windows)
    freeze(opening - dt.timedelta(days=3) + dt.timedelta(minutes=1))
    return Counter({"tendering.preparation.reminded": 2, "tendering.opening_reminder": 4})


@pytest.fixture(autouse=True)
def _national_platforms(settings: Any, tmp_path: Any) -> None:
    """The national platform `push_national` pushes to: pinned, and nothing listening at its address."""
    trust = tmp_path / "national-trust.json"
    key = Sm2PrivateKey.generate().public_key.hex()
    trust.write_text(
        json.dumps({"format": "ggzy-national-trust-v1", "receivers": {"ebid": {"name": "ebid", "key": key}}}),
        "utf-8",
    )
    settings.GGZY_NATIONAL_PLATFORMS = "ebid=http://127.0.0.1:9"
    settings.GGZY_NATIONAL_TRUST = str(trust)


def calls_timeout(freeze: Freeze) -> Effects:
    """Seven experts called, none answers in time: each call times out once and calls the next of its
    order (five left in the list of twelve), the last two with no one left to call."""
    from ggzy.experts import services as experts
    from tests.experts.test_draw import SEED, expert, request

    for n in range(12):
        expert(n)
    fixed = experts.request_fix(actor=None, request=request())
    experts.calls_make(actor=None, request=fixed, seed=SEED)
    freeze(clock.now() + dt.timedelta(minutes=experts.ANSWER_MINUTES + 1))
    # the five replacements are called at the frozen instant: not yet late
    return Counter({"experts.call.answered": 7, "experts.called": 5})  # the five replacements told


def rosters_push(freeze: Freeze) -> Effects:
    """Two drawn requests whose push time has come: each roster is pushed once."""
    from ggzy.experts import services as experts
    from tests.experts.test_draw import SEED, expert, request

    for n in range(16):
        expert(n)
    for _ in range(2):
        fixed = experts.request_fix(actor=None, request=request())
        experts.calls_make(actor=None, request=fixed, seed=SEED)
    freeze(clock.now() + dt.timedelta(days=2) - experts.PUSH_BEFORE + dt.timedelta(seconds=1))
    return Counter({"experts.roster.pushed": 2})


def members_remind(freeze: Freeze) -> Effects:
    """Two requests whose push comes within the reminder's time, their initiator's seats empty: each
    requester reminded once (an event and a message each)."""
    from django.contrib.auth import get_user_model

    from ggzy.experts import services as experts
    from tests.experts.test_draw import expert, request

    agent = get_user_model().objects.create_user(username="agent-to-remind")
    for n in range(9):
        expert(n)
    for _ in range(2):
        request(actor=agent)
    freeze(clock.now() + dt.timedelta(days=2) - experts.PUSH_BEFORE - experts.REMIND_BEFORE / 2)
    return Counter({"experts.members.reminded": 2, "experts.members_due": 2})


SITUATIONS: dict[str, Situation] = {
    "calendar.deadlines_passed": deadlines_passed,
    "witness.integrate_and_sign": integrate_and_sign,
    "certs.warn_expiring": warn_expiring,
    "certs.fetch_crls": fetch_crls,
    "registry.escalate_overdue": escalate_overdue,
    "registry.remind_promises": remind_promises,
    "service.escalate_questions": escalate_questions,
    "events.recover_deliveries": recover_deliveries,
    "notices.record_published": record_published,
    "notices.push_national": push_national,
    "analytics.disclosure_publish": disclosure_publish,
    "tendering.remind_parties": remind_parties,
    "entities.remind_expiring": remind_expiring_entries,
    "experts.calls_timeout": calls_timeout,
    "experts.rosters_push": rosters_push,
    "experts.members_remind": members_remind,
}
#: Jobs not raced here, and why; each must still re-check under its lock (a reviewer reads it).
WITHOUT_SITUATION: dict[str, str] = {
    # needs the provincial pool as a process (tests/experts/test_provincial.py's fixture); it locks the
    # request row and answers only calls still pending, so a second pass finds nothing to do
    "experts.provincial_refresh": "tested once-only in tests/experts/test_provincial.py (the tick job)",
    # needs a published custodian set and custodians answering (tests/sealing/conftest.py's stage);
    # it locks the CustodianWatch row and compares the count under the lock (sealing/services/watching.py)
    "sealing.watch_custodians": "tested once-only in tests/sealing/test_notice_keys.py",
    # records nothing to count: it deletes expired uploads under each upload's own flock (a pass finding
    # one locked leaves it to the next) and stray files older than the expiry
    "sealing.clean_uploads": "tested in tests/sealing/test_uploads.py (expiry and cleanup)",
    # records nothing to count: one DELETE of live messages older than a day, idempotent by nature
    "core.live_prune": "tested in tests/core/test_live.py (old messages pruned)",
    # each needs a bank or guarantee issuer process, or a trade with documents and sub-accounts
    # (tests/securities/); each re-checks under its lock: reconcile takes (bank, day) once by the
    # Statement's unique constraint inside its transaction; refunds claim a row by select_for_update and
    # next_try_at, and the bank decides a refund id once; the overdue alert re-reads overdue_alerted_at
    # under the row lock; the flags lock the section row and re-check its FlagRun; a guarantee's refresh
    # locks its row and records only a change of state
    "securities.reconcile": "tested in tests/securities/test_deposits.py (statements, idempotent per day)",
    "securities.refunds": "tested in tests/securities/test_refunds.py (never paid twice)",
    "securities.refunds_overdue": "tested in tests/securities/test_refunds.py (alerted once)",
    "securities.compute_flags": "tested in tests/securities/test_flags.py (computed once)",
    "securities.refresh_guarantees": "tested in tests/securities/test_guarantees.py (the tick job)",
    "opening.halls": "tested in tests/opening/test_hall.py (each step begins once, by the clock)",
    "venues.remind": "tested in tests/venues/test_bookings.py (reminded once, by a compare-and-set)",
}


def test_every_registered_job_has_a_situation() -> None:
    registered = set(tick.jobs())
    assert registered == set(SITUATIONS) | set(WITHOUT_SITUATION), (
        "a tick job needs a situation in tests/core/test_tick_once.py"
    )
    assert not set(SITUATIONS) & set(WITHOUT_SITUATION)


def effects(since_event: int, since_message: int) -> Effects:
    found: Effects = Counter()
    found.update(Event.objects.filter(pk__gt=since_event).values_list("type", flat=True))
    found.update(Message.objects.filter(pk__gt=since_message).values_list("template", flat=True))
    found["witness.head"] += TreeHead.objects.count()
    queued = DBTaskResult.objects.filter(task_path__endswith="deliver_message")
    found["task.deliver_message"] += queued.count()
    return +found


def four_at_once(job: Callable[[], int]) -> list[BaseException]:
    """Run `job` in PASSES threads released together, each on its own connection. On PostgreSQL they race;
    the SQLite test database is in memory with a shared cache, whose table locks do not wait (production's
    file database takes IMMEDIATE transactions, which wait their turn), so there the passes take turns."""
    start = threading.Barrier(PASSES)
    turns = threading.Lock() if connection.vendor == "sqlite" else contextlib.nullcontext()
    errors: list[BaseException] = []

    def one_pass() -> None:
        try:
            start.wait()
            with turns:
                job()
        except BaseException as exc:  # noqa: BLE001  (reported by the test)
            errors.append(exc)
        finally:
            connections.close_all()  # this thread's connection

    threads = [threading.Thread(target=one_pass) for _ in range(PASSES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return errors


@pytest.mark.parametrize("name", sorted(SITUATIONS))
def test_four_passes_at_once_do_the_work_once(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    job = tick.jobs()[name]

    def freeze(instant: dt.datetime) -> None:
        monkeypatch.setattr(clock, "authority_now", lambda: instant)

    for variable in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(variable, raising=False)
    expected = SITUATIONS[name](freeze)
    # only what the passes do is counted: what the situation recorded while it was set up is not
    before = effects(0, 0)
    last_event = Event.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    last_message = Message.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    baseline = Counter({k: before[k] for k in ("witness.head", "task.deliver_message")})
    connection.close()  # the threads open their own
    errors = four_at_once(job)
    assert errors == [], f"{name}: {errors!r}"
    done = effects(last_event, last_message)
    done = done - baseline
    assert done == expected, f"{name} did its work {dict(done)} in {PASSES} passes, once is {dict(expected)}"
    # and a later pass finds nothing left to do
    assert job() == 0
    assert effects(last_event, last_message) - baseline == expected
