"""The inventory, its maintenance and the dated inspections (standard 7.9.1, 7.9.2, 9.1.1): refused when
dated in the future, incomplete, failed without a fix or by someone not the centre's staff — nothing
written then."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from ggzy.accounts import parties
from ggzy.core import clock
from ggzy.core.errors import DomainError
from ggzy.events.models import Event
from ggzy.venues import services
from ggzy.venues.facilities import CHECKLISTS
from ggzy.venues.models import Equipment, Inspection, Maintenance
from tests import factories
from tests.registry.conftest import staff_user
from tests.venues.conftest import Venue

pytestmark = pytest.mark.django_db


def refused(call: Any, code: str) -> None:
    counts = (Inspection.objects.count(), Maintenance.objects.count(), Event.objects.count())
    with pytest.raises(DomainError) as caught:
        call()
    assert caught.value.code == code
    assert (Inspection.objects.count(), Maintenance.objects.count(), Event.objects.count()) == counts


@pytest.mark.clause("9.1.1")
def test_a_security_check_is_recorded_with_every_point_and_its_fix(venue: Venue) -> None:
    today = clock.local_now().date()
    points = len(CHECKLISTS["security"])
    record = lambda **kw: services.inspection_record(  # noqa: E731
        **{"actor": venue.staff, "centre": venue.world.centre, "kind": "security", "checked_on": today,
           "results": dict.fromkeys(range(points), True), **kw}
    )  # fmt: skip
    refused(lambda: record(checked_on=today + dt.timedelta(days=1)), "venue_date_future")
    refused(lambda: record(results={0: True}), "venue_inspection_invalid")  # a point left out
    refused(
        lambda: record(results={**dict.fromkeys(range(points), True), 2: False}), "venue_inspection_invalid"
    )
    refused(lambda: record(kind="no-such"), "venue_inspection_invalid")
    elsewhere = parties.centre_create(actor=None, code="dl", name="大连市公共资源交易中心", region="210200")
    refused(lambda: record(actor=staff_user(elsewhere, "staff-dl")), "venue_not_staff")
    done = record(
        results={**dict.fromkeys(range(points), True), 2: False}, notes={2: "北门未上锁"}, fixed="已上锁"
    )
    assert [p["ok"] for p in done.points] == [True, True, False]
    assert done.points[2]["note"] == "北门未上锁"
    assert {p["clause"] for p in done.points} == {"9.1.1"}
    event = Event.objects.get(type="venues.inspection.recorded")
    assert (event.data["kind"], event.data["failed"]) == ("security", 1)


@pytest.mark.clause("7.9.2")
def test_maintenance_is_recorded_and_the_latest_sets_the_items_state(venue: Venue) -> None:
    today = clock.local_now().date()
    camera = venue.opening.equipment.get(item="camera")
    assert not services.overdue(camera)
    Equipment.objects.filter(pk=camera.pk).update(maintained_on=today - dt.timedelta(days=181))
    camera.refresh_from_db()
    assert services.overdue(camera)  # every 180 days
    tomorrow = today + dt.timedelta(days=1)
    refused(
        lambda: services.maintenance_record(
            actor=venue.staff, equipment=camera, done_on=tomorrow, working=True
        ),
        "venue_date_future",
    )
    services.maintenance_record(
        actor=venue.staff, equipment=camera, done_on=today, working=False, found="无画面"
    )
    # an older record entered afterwards does not overrule the latest
    services.maintenance_record(
        actor=venue.staff, equipment=camera, done_on=today - dt.timedelta(days=3), working=True, fixed="清洁"
    )
    camera.refresh_from_db()
    assert (camera.maintained_on, camera.working) == (today, False)
    assert not services.overdue(camera)
    assert Maintenance.objects.filter(equipment=camera).count() == 2


#: The section 7 clauses a dated self-inspection checks (the building is the centre's; the record is ours).
SELF_CHECKED = {
    "cleanliness": {"7.1.4"},
    "signage": {"7.6.1", "7.6.4"},
    "monitoring": {"7.2.8", "7.7.2", "7.7.3"},
    "fire": {"7.6.4", "7.8.2"},
    "accessibility": {"7.8.3"},
}


@pytest.mark.clause("7.1.4")
@pytest.mark.clause("7.6.1")
@pytest.mark.clause("7.6.4")
@pytest.mark.clause("7.7.3")
@pytest.mark.clause("7.8.2")
@pytest.mark.clause("7.8.3")
def test_each_self_inspection_checks_its_clauses_and_the_page_lists_it_dated(venue: Venue) -> None:
    day = clock.local_now().date() - dt.timedelta(days=1)
    for kind, clauses in SELF_CHECKED.items():
        points = len(CHECKLISTS[kind])
        done = services.inspection_record(
            actor=venue.staff,
            centre=venue.world.centre,
            kind=kind,
            checked_on=day,
            results={**dict.fromkeys(range(points), True), 0: False},
            notes={0: f"{kind} 问题"},
            fixed=f"{kind} 已整改",
        )
        assert {p["clause"] for p in done.points} == clauses, kind
        assert (done.points[0]["ok"], done.by, done.checked_on) == (False, venue.staff, day)
    page = factories.signed_in(Client(), venue.staff).get("/centre/venues/inspections/").content.decode()
    for label in ("清洁卫生与公共秩序", "标识标志", "监控覆盖", "消防安全与疏散", "无障碍设施"):
        assert label in page, label
    for clause in set().union(*SELF_CHECKED.values()):
        assert f"（{clause}）" in page, clause
    assert page.count(day.isoformat()) == len(SELF_CHECKED)
    assert "fire 已整改" in page
    assert "accessibility 问题" in page
