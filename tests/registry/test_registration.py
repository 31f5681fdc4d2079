"""Project registration: codes, checklists and files, the one-time notice, 容缺, the 2-working-day
limit on the official calendar, the responsible person and deputy, and every bad input."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.utils import timezone

from ggzy.accounts import parties
from ggzy.calendar.calc import SHANGHAI
from ggzy.core import clock
from ggzy.core.errors import DomainError
from ggzy.events.models import Event, Message
from ggzy.registry import selectors, services, tasks
from ggzy.registry.models import Blob, Project, Registration, Section, State, TradingCategory
from ggzy.registry.services import Promise, SectionIn, TenderProjectIn, Upload
from tests.factories import make_uscc
from tests.registry.conftest import PDF, World, pdf

pytestmark = pytest.mark.django_db
TOMORROW = dt.timedelta(days=1)


def later(days: int = 10) -> dt.date:
    return clock.local_now().date() + dt.timedelta(days=days)


@pytest.mark.clause("6.2.2.1")
def test_an_agent_files_an_engineering_project_and_codes_are_issued(world: World) -> None:
    files = {"application_form": pdf("申请表"), "filing_form": pdf("备案表")}
    registration = world.file(
        files=files, promises={"agency_contract": Promise("合同盖章中，三日内补交", later(3))}
    )
    project = registration.project
    year = clock.local_now().year
    assert re.fullmatch(rf"A210100{year}\d{{6}}", project.code)
    tender = project.tender_projects.get()
    assert tender.code == project.code + "001"
    assert [s.code for s in Section.objects.filter(tender_project=tender)] == [
        tender.code + "001",
        tender.code + "002",
    ]
    assert Section.objects.get(code=tender.code + "001").budget_fen == 1234567890  # money in fen, exact
    assert project.investment_code == "2026-210100-48-01-000123"
    assert registration.state == State.SUBMITTED
    assert registration.checklist.version == 1
    # complete with the promise: the 2-working-day clock runs
    assert registration.complete_at is not None
    assert registration.deadline is not None
    assert registration.deadline.rule.code == "registration-review"
    types = set(Event.objects.filter(project_ref=project.code).values_list("type", flat=True))
    assert {
        "registry.registration.filed",
        "registry.registration.complete",
        "accounts.project_role.set",
    } <= types


def test_the_same_file_is_stored_once(world: World) -> None:
    same = pdf("同一文件")
    world.file(files={"application_form": same, "filing_form": same})
    assert Blob.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"category": "land"}, "category_not_served"),
        (
            {
                "external": {
                    "investment_code": "2026-21010-48-01-000123",
                    "approval_number": "沈发改审批〔2026〕15号",
                }
            },
            "code_invalid",
        ),
        ({"external": {"investment_code": "2026-210100-48-01-000123"}}, "code_missing"),
        ({"region": "991234"}, "code_invalid"),
        (
            {"files": {"application_form": Upload("申请表.pdf", b""), "filing_form": pdf("备案表")}},
            "file_empty",
        ),
        (
            {
                "files": {
                    "application_form": Upload("申请表.exe", b"MZ\x90\x00"),
                    "filing_form": pdf("备案表"),
                }
            },
            "file_type",
        ),
        (
            {"files": {"application_form": Upload("申请表.docx", PDF), "filing_form": pdf("备案表")}},
            "file_type",
        ),
        ({"files": {"application_form": pdf("申请表"), "nonsense": pdf("x")}}, "item_unknown"),
        (
            {"files": {"application_form": pdf("申请表"), "agency_contract": pdf("合同")}},
            None,
        ),  # not complete
        ({"not_applicable": {"filing_form"}}, "incomplete"),
        ({"promises": {"filing_form": Promise("稍后补交", dt.date(2099, 1, 1))}}, "defer_not_allowed"),
        ({"promises": {"agency_contract": Promise("稍后补交", dt.date(2000, 1, 1))}}, "promise_invalid"),
        ({"promises": {"agency_contract": Promise("  ", dt.date(2099, 1, 1))}}, "promise_invalid"),
        ({"tender_projects": []}, "no_sections"),
        ({"tender_projects": [TenderProjectIn(name="施工", sections=[])]}, "no_sections"),
        (
            {
                "tender_projects": [
                    TenderProjectIn("施工", [SectionIn("一标段", "1.234", "amount", "open_tender")])
                ]
            },
            "money_invalid",
        ),
        (
            {
                "tender_projects": [
                    TenderProjectIn("施工", [SectionIn("一标段", "-5", "amount", "open_tender")])
                ]
            },
            "money_invalid",
        ),
        (
            {
                "tender_projects": [
                    TenderProjectIn("施工", [SectionIn("一标段", "NaN", "amount", "open_tender")])
                ]
            },
            "money_invalid",
        ),
        (
            {"tender_projects": [TenderProjectIn("施工", [SectionIn("一标段", "100", "amount", "inquiry")])]},
            "method_invalid",
        ),
    ],
)
def test_bad_registrations_are_refused_and_nothing_is_stored(
    world: World, change: dict[str, Any], code: str | None
) -> None:
    if "category" in change:
        change = {**change, "category": TradingCategory.objects.get(code=change["category"])}
    events = Event.objects.count()
    if code is None:
        registration = world.file(**change)
        assert registration.complete_at is None  # no clock until the file is complete
        assert selectors.missing_items(registration) == ["filing_form"]
        return
    with pytest.raises(DomainError) as caught:
        world.file(**change)
    assert caught.value.code.value == code
    assert Project.objects.count() == 0
    assert Blob.objects.count() == 0
    assert Event.objects.count() == events


def test_an_agent_without_entrustment_or_an_outsider_cannot_file(
    world: World, django_user_model: Any
) -> None:
    other_agent = parties.organisation_register(
        actor=None,
        uscc=make_uscc(),
        name="别家代理",
        legal_representative="钱",
        contact_name="钱",
        contact_phone="13900000003",
    )
    other_user = django_user_model.objects.create_user(username="other-agent")
    parties.membership_add(actor=None, user=other_user, organisation=other_agent)
    with pytest.raises(DomainError) as caught:
        world.file(actor=other_user, agent=other_agent)
    assert caught.value.code.value == "not_entrusted"
    with pytest.raises(DomainError) as caught:
        world.file(actor=other_user)  # a member of neither organisation
    assert caught.value.code.value == "not_a_party"
    with pytest.raises(DomainError) as caught:  # entrusted for another project's code
        world.file(
            external={
                "investment_code": "2026-210100-48-01-999999",
                "approval_number": "沈发改审批〔2026〕15号",
            }
        )
    assert caught.value.code.value == "not_entrusted"
    assert Project.objects.count() == 0


@pytest.mark.clause("6.2.1")
def test_staff_enter_a_walk_in_registration_on_site(world: World) -> None:
    registration = world.file(actor=world.staff[0], channel="on_site")
    assert registration.channel == "on_site"
    assert registration.filed_by == world.staff[0]
    with pytest.raises(DomainError):
        world.file(actor=world.agent_user, channel="on_site")  # only staff enter at the desk


@pytest.mark.clause("6.2.3")
def test_one_time_notice_names_every_item_at_once_and_a_later_one_only_new_or_changed_items(
    world: World,
) -> None:
    registration = world.file(files={"application_form": pdf("申请表"), "filing_form": pdf("备案表")})
    a, _b, _c = world.staff
    first = services.notice_issue(
        actor=a,
        registration=registration,
        lines=[("filing_form", "备案表未盖章"), ("agency_contract", "缺少代理合同")],
    )
    assert first.number == 1
    registration.refresh_from_db()
    assert registration.state == State.RETURNED
    assert Message.objects.filter(template="registry.returned").exists()
    with pytest.raises(DomainError):  # a party must complete it before it can be resubmitted
        services.notice_issue(actor=a, registration=registration, lines=[("application_form", "x")])
    services.item_supply(
        actor=world.agent_user, registration=registration, key="filing_form", upload=pdf("备案表-盖章")
    )
    services.item_supply(
        actor=world.agent_user, registration=registration, key="agency_contract", upload=pdf("合同")
    )
    services.registration_resubmit(actor=world.agent_user, registration=registration)
    events = Event.objects.count()
    with pytest.raises(
        DomainError
    ) as caught:  # the application form was there, unchanged, at the first notice
        services.notice_issue(
            actor=a,
            registration=registration,
            lines=[("application_form", "申请表填写不全"), ("filing_form", "日期有误")],
        )
    assert caught.value.code.value == "notice_unchanged_item"
    assert caught.value.detail == {"items": ["application_form"]}
    assert Event.objects.count() == events
    second = services.notice_issue(
        actor=a, registration=registration, lines=[("filing_form", "新备案表日期有误")]
    )
    assert second.number == 2  # a changed file may be named again
    with pytest.raises(DomainError) as caught:
        services.notice_issue(actor=a, registration=registration, lines=[("filing_form", "  ")])
    assert caught.value.code.value in {"notice_empty", "registration_state"}


def test_a_notice_with_no_item_is_refused(world: World) -> None:
    registration = world.file()
    with pytest.raises(DomainError) as caught:
        services.notice_issue(actor=world.staff[0], registration=registration, lines=[])
    assert caught.value.code.value == "notice_empty"
    registration.refresh_from_db()
    assert registration.state == State.SUBMITTED


@pytest.mark.clause("6.2.5")
def test_acceptance_with_a_promised_item_and_the_deputy_while_the_responsible_person_is_away(
    world: World,
) -> None:
    files = {"application_form": pdf("申请表"), "filing_form": pdf("备案表")}
    registration = world.file(files=files, promises={"agency_contract": Promise("合同盖章中", later(3))})
    a, b, c = world.staff
    with pytest.raises(DomainError) as caught:
        services.registration_accept(actor=a, registration=registration, responsible=b, deputy=b)
    assert caught.value.code.value == "staff_invalid"
    services.registration_accept(actor=a, registration=registration, responsible=b, deputy=c)
    registration.refresh_from_db()
    assert registration.state == State.ACCEPTED
    accepted = Message.objects.get(template="registry.accepted", recipient=world.agent_user)
    assert "20 日" in accepted.body  # what to watch out for next (6.2.4)
    with pytest.raises(DomainError) as caught:  # the promised item has not arrived: the notice step waits
        services.step_check(registration, "notice")
    assert caught.value.detail == {"items": ["agency_contract"], "step": "notice"}
    services.item_supply(
        actor=world.agent_user, registration=registration, key="agency_contract", upload=pdf("合同")
    )
    now = clock.now()
    services.leave_record(actor=b, user=b, starts_at=now - TOMORROW, ends_at=now + TOMORROW)
    assert selectors.handler_now(registration) == c  # the deputy takes over while b is away
    with pytest.raises(DomainError) as caught:
        services.promised_item_confirm(actor=b, registration=registration, key="agency_contract")
    assert caught.value.code.value == "not_handler"
    services.promised_item_confirm(actor=c, registration=registration, key="agency_contract")
    services.step_check(registration, "notice")  # passes now
    assert selectors.handler_now(registration, now + 2 * TOMORROW) == b  # back from leave
    confirmed = Event.objects.get(type="registry.item.confirmed")
    assert confirmed.data["as"] == "deputy"


@pytest.mark.clause("6.2.4")
def test_the_two_working_days_run_over_a_real_holiday(world: World, freeze: Any) -> None:
    """Complete on the eve of National Day 2026: the limit ends two working days after the holiday."""
    from ggzy.calendar.calc import Calendar

    calendar = Calendar("sy")
    start = dt.datetime(2026, 9, 30, 10, 0, tzinfo=SHANGHAI)
    freeze(start)
    registration = world.file(actor=world.initiator_user, agent=None, not_applicable={"agency_contract"})
    due = timezone.localtime(registration.deadline.due_at)
    # count the working days from the day after completion to the due day, on the official calendar
    days, day = [], start.date() + dt.timedelta(days=1)
    while day <= due.date():
        if calendar.is_working_day(day):
            days.append(day)
        day += dt.timedelta(days=1)
    assert len(days) == 2
    assert due.date() > dt.date(2026, 10, 7)  # not inside the holiday
    assert registration.deadline.provisional is False


def test_an_overdue_registration_escalates_to_the_head_once(world: World, freeze: Any) -> None:
    registration = world.file()
    freeze(registration.deadline.due_at + dt.timedelta(hours=1))
    assert tasks.escalate_overdue() == 1
    assert tasks.escalate_overdue() == 0
    assert Message.objects.filter(template="registry.overdue", recipient=world.head).count() == 1
    registration.refresh_from_db()
    assert registration.escalated_at is not None


def test_a_medicine_project_is_registered_and_routed(world: World) -> None:
    medical = TradingCategory.objects.get(code="medical")
    services.category_serve(actor=None, centre=world.centre, category=medical)
    registration = world.file(
        category=medical,
        actor=world.initiator_user,
        agent=None,
        external={},
        files={"application_form": pdf("申请表")},
        tender_projects=[
            TenderProjectIn("药品采购", [SectionIn("包1", "500000", "amount", "medical_central")])
        ],
    )
    assert registration.state == State.ROUTED
    assert registration.project.code.startswith("E")
    assert registration.deadline is None


def test_codes_never_collide_and_count_up(world: World) -> None:
    first = world.file().project.code
    second = world.file().project.code
    assert first != second
    assert int(second[-6:]) == int(first[-6:]) + 1
    assert Registration.objects.count() == 2
