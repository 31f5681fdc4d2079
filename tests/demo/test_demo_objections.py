"""The demo's objections, challenges and inquiries (6.4.3, 6.5.8) and pauses (6.5.8, 6.5.9): at the provincial
centre four objections to the documents — withdrawn, answered, answered changing the documents (a correction
drafted), awaiting the answer with its pause in force, refusing the opening — and a platform fault recorded
by the staff with a postponement, then resumed; in Shenyang the supervisor's order, a terminated procedure
with its termination notice drafted, a challenge to a result announcement awaiting its answer (contract
suspended), one answered and carried on as a complaint routed to the supervising department, an inquiry
answered. A second load adds nothing."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from ggzy.core import clock
from ggzy.core.errors import DomainError
from ggzy.demo.management.commands.demo_load import DEMO_PASSWORD
from ggzy.events.models import Event
from ggzy.notices import selectors
from ggzy.notices.models import Notice, NoticeState, NoticeType, Objection, ObjectionState
from ggzy.registry.errors import RegistryError
from ggzy.registry.models import Pause, PauseBasis, PauseState, PauseStep
from ggzy.registry.selectors import pause_check
from ggzy.sealing.models import BidWindow
from tests.demo.conftest import Demo, load_once

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

#: `make demo`: the sandbox clock with a month of history, the demo CAs, in-process custodians
demo = load_once(sandbox=True, ca=True, GGZY_CUSTODIAN_TRANSPORT="ggzy.demo.custodians.IN_PROCESS")


def shown() -> set[tuple[str, str, str, bool]]:
    """(centre, kind, state, changes documents) of every objection."""
    return {
        (o.tender_project.project.centre.code, o.kind, o.state, o.changes_documents)
        for o in Objection.objects.select_related("tender_project__project__centre")
    }


def test_every_kind_and_state_is_shown(demo: Demo) -> None:
    assert shown() == {
        ("ln", "objection", ObjectionState.WITHDRAWN, False),
        ("ln", "objection", ObjectionState.ANSWERED, False),
        ("ln", "objection", ObjectionState.ANSWERED, True),
        ("ln", "objection", ObjectionState.FILED, False),
        ("sy", "challenge", ObjectionState.FILED, False),
        ("sy", "challenge", ObjectionState.ANSWERED, False),
        ("sy", "inquiry", ObjectionState.ANSWERED, False),
    }
    now = clock.now()
    for objection in Objection.objects.all():
        assert objection.filed_at < now
        if objection.state == ObjectionState.FILED:  # still within its answer period when the demo starts
            assert objection.answer_due_at > clock.authority_now()
    # the answer changing the documents drafted the correction of the tender notice it objected to
    changed = Objection.objects.get(changes_documents=True)
    correction = Notice.objects.get(type=NoticeType.CORRECTION, state=NoticeState.DRAFT)
    assert correction.corrects == changed.notice
    assert changed.notice is not None
    assert changed.notice.type == NoticeType.TENDER


def test_the_objection_awaiting_its_answer_pauses_the_opening(demo: Demo) -> None:
    awaiting = Objection.objects.select_related("pause", "section", "tender_project").get(
        kind="objection", state=ObjectionState.FILED
    )
    assert awaiting.pause is not None
    assert awaiting.pause.state == PauseState.ACTIVE
    assert awaiting.pause.basis == PauseBasis.OBJECTION
    for step in PauseStep.values:
        with pytest.raises(DomainError) as refused:
            pause_check(tender_project=awaiting.tender_project, section=awaiting.section, step=step)
        assert refused.value.code is RegistryError.PAUSED
    # the other objections' pauses ended with their answer or withdrawal
    for objection in Objection.objects.filter(kind="objection").exclude(state=ObjectionState.FILED):
        assert objection.pause is not None
        assert objection.pause.state == PauseState.RESUMED
    # its window was legal: at least 10 days before the deadline, which still lies ahead
    window = BidWindow.objects.get(section=awaiting.section)
    assert window.deadline > clock.authority_now()
    assert (window.deadline - awaiting.filed_at).days >= 10
    # visible to the agent on the procedure page
    client = Client()
    assert (
        client.post("/accounts/login/", {"username": "agent", "password": DEMO_PASSWORD}).status_code == 302
    )
    page = client.get(f"/workspace/procedures/{awaiting.tender_project.code}/")
    assert page.status_code == 200
    assert str(PauseBasis.OBJECTION.label) in page.content.decode() or "异议" in page.content.decode()


def test_the_challenge_suspends_the_contract_only_and_the_complaint_is_routed(demo: Demo) -> None:
    suspended = Objection.objects.select_related("pause", "tender_project").get(
        kind="challenge", state=ObjectionState.FILED
    )
    assert suspended.pause is not None
    assert suspended.pause.steps == [PauseStep.CONTRACT]
    with pytest.raises(DomainError) as refused:
        pause_check(tender_project=suspended.tender_project, step=PauseStep.CONTRACT)
    assert refused.value.code is RegistryError.PAUSED
    assert suspended.notice is not None
    assert suspended.notice.type == NoticeType.AWARD
    assert selectors.is_published(suspended.notice)
    complained = Objection.objects.get(complained_at__isnull=False)
    assert complained.kind == "challenge"
    assert complained.state == ObjectionState.ANSWERED
    assert (complained.complaint_region, complained.complaint_category) == ("210112", "procurement")
    users = get_user_model().objects
    for supervisor in ("supervisor", "supervisor2"):  # the province's and Shenyang's cover 210112
        assert list(selectors.objections_for(viewer=users.get(username=supervisor))) == [complained]
    assert Event.objects.get(type="notices.complaint.filed").visibility == "supervisors"
    inquiry = Objection.objects.get(kind="inquiry")
    assert inquiry.pause is None
    assert inquiry.answer


def test_the_pauses_and_the_termination(demo: Demo) -> None:
    fault = Pause.objects.select_related("started_by").get(basis=PauseBasis.PLATFORM_FAULT)
    assert fault.state == PauseState.RESUMED
    assert fault.started_by.username == "staff"
    windows = [json.loads(e.document)["data"] for e in Event.objects.filter(type="sealing.window.set")]
    assert len([w for w in windows if w["previous"]]) >= 1  # the fault's postponement (and a clarification's)
    order = Pause.objects.select_related("started_by").get(basis=PauseBasis.SUPERVISOR_ORDER)
    assert order.state == PauseState.ACTIVE
    assert order.started_by.username == "supervisor2"
    assert order.until is not None
    assert clock.authority_now() < order.until <= order.started_at + dt.timedelta(days=30)
    with pytest.raises(DomainError) as refused:
        pause_check(tender_project=order.tender_project, step=PauseStep.EVALUATION)
    assert refused.value.code is RegistryError.PAUSED
    ended = Pause.objects.get(state=PauseState.TERMINATED)
    with pytest.raises(DomainError) as refused:
        pause_check(tender_project=ended.tender_project, step=PauseStep.CONTRACT)
    assert refused.value.code is RegistryError.TERMINATED
    termination = Notice.objects.get(tender_project=ended.tender_project, type=NoticeType.TERMINATION)
    assert termination.state == NoticeState.DRAFT
    assert termination.corrects is not None
    specials = Notice.objects.filter(type=NoticeType.SPECIAL, state=NoticeState.DRAFT)
    assert specials.count() >= 3  # the fault, its resumption, the order: each drafted for publication
    centres = {
        p.tender_project.project.centre.code
        for p in Pause.objects.select_related("tender_project__project__centre")
    }
    assert centres == {"ln", "sy"}


def test_a_second_load_adds_nothing(demo: Demo) -> None:
    counts = (Objection.objects.count(), Pause.objects.count(), Notice.objects.count(), Event.objects.count())
    call_command("demo_load", verbosity=0)
    assert (
        Objection.objects.count(),
        Pause.objects.count(),
        Notice.objects.count(),
        Event.objects.count(),
    ) == counts
