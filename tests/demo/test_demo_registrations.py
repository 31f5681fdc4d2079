"""The demo's project registrations (6.2, 12.1): a registration in every state, an overdue one escalated
to the head of the desk, the one-time rule kept by the second notice, each centre set up through the
services of its staff pages (desk heads and deputies, templates, a checklist's second version, a covered
leave), the must-enter lists on the portal, and a second load adds nothing (without the sandbox:
tests/demo/test_demo_load.py)."""

from __future__ import annotations

import html
import io
import zipfile

import pytest
from django.core.management import call_command
from django.test import Client

from ggzy.accounts.models import Centre
from ggzy.core import clock
from ggzy.demo.registrations_data import CHECKLIST_REVISED, DESK_HEADS, LEAVE_COVER, TEMPLATES
from ggzy.events.models import Event, Message
from ggzy.registry import blobs, selectors
from ggzy.registry.models import (
    CentreCategory,
    DeskHead,
    Item,
    Leave,
    Registration,
    RegistrationChannel,
    State,
    TradingCategory,
)
from tests.demo.conftest import Demo, load_once

pytestmark = pytest.mark.django_db


demo = load_once(sandbox=True)  # as `make demo` runs it: on the sandbox clock, with a month of history


def test_the_demo_has_a_registration_in_every_state_and_loads_once(demo: Demo) -> None:
    registrations = Registration.objects.select_related("project__category", "deadline")
    assert set(registrations.values_list("state", flat=True)) == {
        State.SUBMITTED,
        State.RETURNED,
        State.ACCEPTED,
        State.ROUTED,
    }
    assert set(registrations.values_list("project__category", flat=True)) == {
        "engineering",
        "procurement",
        "land",
        "assets",
        "medical",
    }
    assert registrations.get(project__category="medical").state == State.ROUTED
    walk_in = registrations.get(channel=RegistrationChannel.ON_SITE, project__category="engineering")
    assert walk_in.state == State.ACCEPTED
    land = registrations.get(project__category="land")
    assert land.entrustment is None
    assert land.project.investment_code == ""
    assert all(r.project.procurement_plan for r in registrations.filter(project__category="procurement"))
    # waiting and due soon: complete, its 2 working days still running
    now = clock.now()
    due = [r.deadline.due_at for r in registrations.filter(state=State.SUBMITTED) if r.deadline is not None]
    waiting = [at for at in due if at > now]
    assert len(waiting) == 1
    assert (waiting[0] - now).days < 7
    # accepted with a promised item still pending, and one the deputy confirmed during the leave
    pending = Item.objects.filter(registration__state=State.ACCEPTED, promise__gt="", blob__isnull=True)
    assert pending.count() >= 2
    confirmed = Event.objects.get(type="registry.item.confirmed")
    assert confirmed.data["as"] == "deputy"
    registration = Registration.objects.get(uid=confirmed.data["registration"])
    assert Leave.objects.filter(
        user=registration.responsible, starts_at__lte=confirmed.occurred_at, ends_at__gt=confirmed.occurred_at
    ).exists()
    # both centres serve every category, with what to watch out for next and the must-enter list
    assert CentreCategory.objects.filter(enabled=True).count() == 10
    engineering = CentreCategory.objects.filter(category="engineering")
    assert all("400 万元" in row.must_enter and row.next_steps for row in engineering)

    events = Event.objects.count()
    call_command("demo_load", verbosity=0)
    assert Event.objects.count() == events
    assert Registration.objects.count() == registrations.count()


def test_an_overdue_registration_was_escalated_to_the_head_of_the_desk(demo: Demo) -> None:
    overdue = Registration.objects.get(escalated_at__isnull=False)
    assert overdue.state == State.SUBMITTED
    assert overdue.deadline is not None
    assert overdue.escalated_at is not None
    assert overdue.escalated_at > overdue.deadline.due_at
    head = DeskHead.objects.get(centre=overdue.project.centre).user
    message = Message.objects.get(template="registry.overdue")
    assert message.recipient == head
    assert overdue.project.code in message.body


def test_the_second_notice_names_only_items_changed_since_the_first(demo: Demo) -> None:
    twice = Registration.objects.get(returns__number=2)
    assert twice.state == State.RETURNED
    first, second = twice.returns.order_by("number")
    assert len(first.lines.all()) == 2  # every item at once
    named_again = {line.checklist_item.key for line in second.lines.all()}
    assert named_again == {"procurement_filing"}
    for key in named_again:
        item = twice.items.get(checklist_item__key=key)
        assert first.snapshot[key] != f"v{twice.checklist.version}:{item.blob_id}"  # its file changed
    once = Registration.objects.filter(state=State.RETURNED).exclude(pk=twice.pk).get()
    assert once.returns.count() == 1
    assert Message.objects.filter(template="registry.returned").exists()


def test_each_centre_is_set_up_through_the_services_its_pages_use(demo: Demo) -> None:
    """Desk heads with deputies, templates (one in a second version), a checklist in two versions and a
    covered leave — each written by the service the staff pages call, so each is an event."""
    for code, (head, deputy) in DESK_HEADS.items():
        desk = DeskHead.objects.select_related("user", "deputy").get(centre__code=code)
        assert (desk.user.username, desk.deputy.username if desk.deputy else None) == (head, deputy)
    assert Event.objects.filter(type="registry.desk_head.set").count() == len(DESK_HEADS)
    # the templates offered now; the replaced one keeps its first version, for the record
    offered = list(selectors.template_list())
    assert {t.name for t in offered} == {o.name for o in TEMPLATES.values()}
    replaced = next(t for t in offered if t.version == 2)
    assert replaced.previous is not None
    assert replaced.previous.version == 1
    assert zipfile.ZipFile(io.BytesIO(blobs.read(replaced.blob))).read("word/document.xml")
    assert Event.objects.filter(type="registry.template.published").count() == len(TEMPLATES) + 1
    # the Shenyang engineering checklist: version 2 in force, the registrations filed before under 1
    centre_code, category_code, _by, (added, _need), _basis = CHECKLIST_REVISED
    centre = Centre.objects.get(code=centre_code)
    category = TradingCategory.objects.get(code=category_code)
    versions = selectors.checklist_versions(category=category, centre=centre)
    assert [(v.checklist.version, v.in_force) for v in versions] == [(2, True), (1, False)]
    assert added in [i.name for i in versions[0].items]
    assert versions[1].registrations >= 1
    assert versions[0].registrations == 0
    assert selectors.current_checklist(category).version == 1  # the other centre's stays the platform's
    # the leave names who covers
    assert Leave.objects.get().covered_by.username == LEAVE_COVER


def test_the_must_enter_lists_are_published_on_the_portal(demo: Demo) -> None:
    page = Client().get("/registry/must-enter/?centre=sy").content.decode()
    row = CentreCategory.objects.get(centre__code="sy", category="engineering")
    assert html.escape(row.must_enter.splitlines()[0]) in page
