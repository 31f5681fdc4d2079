"""Who sees which events: class, visibility and embargo applied in the one read path."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from ggzy.core import clock
from ggzy.core.roles import Role
from ggzy.events.embargo import Embargo
from ggzy.events.selectors import events_visible_to
from ggzy.events.services import event_record
from ggzy.events.states import EventClass, Visibility
from tests.testapp.models import SealedThing

pytestmark = pytest.mark.django_db


def record(
    type_: str, event_class: str, visibility: str, actor: Any = None, embargo: Embargo | None = None
) -> None:
    with transaction.atomic():
        event_record(type=type_, event_class=event_class, visibility=visibility, actor=actor, embargo=embargo)


@pytest.fixture
def mixed_events(make_user: Callable[..., Any]) -> Any:
    bidder = make_user(Role.RESPONDER)
    record("testapp.notice.published", EventClass.DOMAIN, Visibility.PUBLIC)
    record("testapp.registration.accepted", EventClass.DOMAIN, Visibility.PARTIES)
    record("testapp.alert.raised", EventClass.DOMAIN, Visibility.SUPERVISORS)
    record("auth.login.failed", EventClass.SECURITY, Visibility.AUDIT)
    record("admin.object.changed", EventClass.SECURITY, Visibility.AUDIT)
    record("testapp.bid.submitted", EventClass.DOMAIN, Visibility.PARTIES, actor=bidder)
    return bidder


def types_seen_by(user: Any) -> set[str]:
    return set(events_visible_to(user).values_list("type", flat=True))


def test_audit_administrator_sees_security_events(mixed_events: Any, make_user: Callable[..., Any]) -> None:
    assert types_seen_by(make_user(Role.AUDIT_ADMIN)) == {
        "testapp.notice.published",
        "auth.login.failed",
        "admin.object.changed",
    }


def test_supervisor_sees_domain_events_but_no_security_events(
    mixed_events: Any, make_user: Callable[..., Any]
) -> None:
    assert types_seen_by(make_user(Role.SUPERVISOR)) == {
        "testapp.notice.published",
        "testapp.registration.accepted",
        "testapp.alert.raised",
        "testapp.bid.submitted",
    }


def test_a_bidder_sees_public_events_and_its_own(mixed_events: Any, make_user: Callable[..., Any]) -> None:
    assert types_seen_by(mixed_events) == {"testapp.notice.published", "testapp.bid.submitted"}
    assert types_seen_by(make_user(Role.RESPONDER)) == {"testapp.notice.published"}


def test_system_and_security_administrators_see_no_audit_trail(
    mixed_events: Any, make_user: Callable[..., Any]
) -> None:
    assert types_seen_by(make_user(Role.SYSTEM_ADMIN)) == {"testapp.notice.published"}
    assert types_seen_by(make_user(Role.SECURITY_ADMIN)) == {"testapp.notice.published"}


@pytest.mark.clause("11.2.8")
def test_embargo_hides_an_event_until_its_referenced_instant_and_follows_it(
    make_user: Callable[..., Any],
) -> None:
    bidder, supervisor = make_user(Role.RESPONDER), make_user(Role.SUPERVISOR)
    opening = clock.now() + dt.timedelta(days=2)
    thing = SealedThing.objects.create(code="E-001", opens_at=opening)
    record(
        "testapp.bid.submitted",
        EventClass.DOMAIN,
        Visibility.PARTIES,
        actor=bidder,
        embargo=Embargo("testapp.opening", "E-001"),
    )

    assert types_seen_by(supervisor) == set()
    assert types_seen_by(bidder) == {"testapp.bid.submitted"}  # its own receipt
    assert events_visible_to(supervisor, now=opening + dt.timedelta(seconds=1)).count() == 1

    thing.opens_at = opening + dt.timedelta(days=7)  # the deadline is extended: so is the embargo
    thing.save()
    assert events_visible_to(supervisor, now=opening + dt.timedelta(seconds=1)).count() == 0

    thing.opens_at = clock.now() - dt.timedelta(seconds=1)
    thing.save()
    assert types_seen_by(supervisor) == {"testapp.bid.submitted"}


def test_an_embargo_whose_instant_is_unset_stays_closed(make_user: Callable[..., Any]) -> None:
    SealedThing.objects.create(code="E-002", opens_at=None)
    record(
        "testapp.bid.published",
        EventClass.DOMAIN,
        Visibility.PUBLIC,
        embargo=Embargo("testapp.opening", "E-002"),
    )
    assert types_seen_by(make_user(Role.SUPERVISOR)) == set()
    assert types_seen_by(None) == set()


def test_api_counts_only_what_may_be_seen(mixed_events: Any, client_as: Callable[..., Client]) -> None:
    SealedThing.objects.create(code="E-003", opens_at=clock.now() + dt.timedelta(days=1))
    for _ in range(3):
        record(
            "testapp.bid.submitted",
            EventClass.DOMAIN,
            Visibility.PARTIES,
            embargo=Embargo("testapp.opening", "E-003"),
        )
    body = client_as(Role.SUPERVISOR).get("/api/v1/events").json()  # signing in is an event of its own
    assert body["count"] == 5
    assert sorted(i["type"] for i in body["items"]) == sorted(
        [
            "testapp.notice.published",
            "testapp.registration.accepted",
            "testapp.alert.raised",
            "testapp.bid.submitted",
            "auth.login.succeeded",
        ]
    )
    security = client_as(Role.AUDIT_ADMIN).get("/api/v1/events?event_class=security").json()
    assert {i["type"] for i in security["items"]} == {
        "auth.login.failed",
        "admin.object.changed",
        "auth.login.succeeded",
    }


def test_staff_see_their_centre_and_the_centres_under_it_only(make_user: Callable[..., Any]) -> None:
    from ggzy.accounts.models import Centre, RoleGrant

    province = Centre.objects.create(code="ln", name="省中心", region="210000")
    shenyang = Centre.objects.create(code="sy", name="沈阳市中心", region="210100", parent=province)
    dalian = Centre.objects.create(code="dl", name="大连市中心", region="210200", parent=province)
    for code in ("sy", "dl"):
        with transaction.atomic():
            event_record(
                type="registry.registration.accepted",
                event_class="domain",
                visibility="parties",
                centre=code,
                data={"centre": code},
            )

    def staff_of(centre: Centre) -> Any:
        user = make_user()
        RoleGrant.objects.create(user=user, role="centre_staff", centre=centre, granted_at=clock.now())
        return user

    def seen(user: Any) -> set[str]:
        return set(
            events_visible_to(user).filter(type__startswith="registry").values_list("centre", flat=True)
        )

    assert seen(staff_of(shenyang)) == {"sy"}
    assert seen(staff_of(dalian)) == {"dl"}
    assert seen(staff_of(province)) == {"sy", "dl"}  # shared upwards: the province oversees its cities


def test_supervisors_see_their_jurisdiction(make_user: Callable[..., Any]) -> None:
    from ggzy.accounts.models import RoleGrant

    for region in ("210102", "210203"):
        with transaction.atomic():
            event_record(
                type="testapp.alert.raised", event_class="domain", visibility="supervisors", region=region
            )

    def supervisor_of(region: str) -> Any:
        user = make_user()
        RoleGrant.objects.create(user=user, role="supervisor", region=region, granted_at=clock.now())
        return user

    def seen(user: Any) -> set[str]:
        return set(
            events_visible_to(user).filter(type__startswith="testapp.alert").values_list("region", flat=True)
        )

    assert seen(supervisor_of("210100")) == {"210102"}
    assert seen(supervisor_of("210000")) == {"210102", "210203"}
