"""The centre's own pool (issue 33): experts registered by its staff with every field checked, each keeping
its profile through changes its centre reviews, recording its own days unavailable; staff suspend and
reinstate with the instant kept. Bad input changes nothing."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.contrib.auth import get_user_model

from ggzy.core import clock
from ggzy.core.errors import DomainError
from ggzy.core.roles import Role
from ggzy.events.models import Event
from ggzy.experts import services
from ggzy.experts.errors import ExpertsError
from ggzy.experts.models import ChangeState, Expert, ProfileChange, Specialty, Unavailability
from tests import factories

pytestmark = pytest.mark.django_db
EMPLOYER = factories.make_uscc(5151)
SERIAL = itertools.count()


def staff(name: str = "pool-staff") -> object:
    user = get_user_model().objects.create_user(username=name)
    factories.grant_role(user, Role.CENTRE_STAFF)
    return user


def register(actor: object, **fields: object) -> Expert:
    for code in ("DEMO-A01", "DEMO-B02"):
        Specialty.objects.get_or_create(code=code, defaults={"name": code, "source": "测试"})
    arguments: dict[str, object] = {
        "actor": actor,
        "centre": "ln",
        "name": "王 建国",
        "id_number": factories.make_resident_id(321, birth="19700315"),
        "phone": "13912345678",
        "region": "210102",
        "title": "senior",
        "field_since": 2001,
        "expertise": "technical",
        "specialties": ["DEMO-A01"],
        "employments": [{"uscc": EMPLOYER, "employer": "沈阳建筑设计院", "since": "2005-03-01"}],
        "user": get_user_model().objects.create_user(username=f"expert-{next(SERIAL)}"),
    }
    arguments.update(fields)
    return services.expert_register(**arguments)  # type: ignore[arg-type]


def test_staff_register_an_expert_with_every_field_checked_once_per_person() -> None:
    clerk = staff()
    for bad, field in (
        ({"id_number": "210102197003150000"}, "id_number"),
        ({"phone": "12345"}, "phone"),
        ({"region": "21"}, "region"),
        ({"title": "professor"}, "title"),
        ({"field_since": 2101}, "field_since"),
        ({"specialties": ["NOPE"]}, "specialties"),
        ({"employments": [{"uscc": "x", "employer": "某单位"}]}, "employments"),
        ({"employments": [{"uscc": EMPLOYER, "employer": "某单位", "since": "2099-01-01"}]}, "employments"),
    ):
        with pytest.raises(DomainError) as refused:
            register(clerk, **bad)
        assert (refused.value.code, refused.value.detail["field"]) == (ExpertsError.PROFILE_INVALID, field)
    assert not Expert.objects.exists()
    outsider = get_user_model().objects.create_user(username="not-staff")
    with pytest.raises(DomainError) as denied:
        register(outsider)
    assert denied.value.code == ExpertsError.POOL_DENIED
    made = register(clerk)
    assert made.name == "王 建国"
    assert made.birth_date == dt.date(1970, 3, 15)  # read from the identity number
    assert list(made.specialties.values_list("code", flat=True)) == ["DEMO-A01"]
    assert made.employments.get().since == dt.date(2005, 3, 1)
    with pytest.raises(DomainError) as twice:
        register(clerk)
    assert twice.value.code == ExpertsError.EXPERT_TWICE
    assert Event.objects.filter(type="experts.expert.registered").count() == 1


def test_an_expert_changes_its_profile_through_its_centres_review() -> None:
    clerk = staff()
    made = register(clerk)
    user = made.user
    with pytest.raises(DomainError) as name_change:
        services.profile_change_submit(actor=user, proposed={"name": "王建民"})
    assert name_change.value.code == ExpertsError.PROFILE_INVALID  # the centre's to correct, not the expert's
    change = services.profile_change_submit(
        actor=user, proposed={"title": "full_senior", "specialties": ["DEMO-A01", "DEMO-B02"]}
    )
    with pytest.raises(DomainError) as pending:
        services.profile_change_submit(actor=user, proposed={"region": "210103"})
    assert pending.value.code == ExpertsError.CHANGE_PENDING
    made.refresh_from_db()
    assert made.title == "senior"  # nothing applied before the review
    with pytest.raises(DomainError) as no_note:
        services.profile_change_review(actor=clerk, change=change, approve=False)
    assert no_note.value.code == ExpertsError.PROFILE_INVALID
    services.profile_change_review(actor=clerk, change=change, approve=True)
    made.refresh_from_db()
    assert made.title == "full_senior"
    assert sorted(made.specialties.values_list("code", flat=True)) == ["DEMO-A01", "DEMO-B02"]
    change.refresh_from_db()
    assert change.state == ChangeState.APPROVED
    with pytest.raises(DomainError) as again:
        services.profile_change_review(actor=clerk, change=change, approve=False, note="重复")
    assert again.value.code == ExpertsError.CHANGE_DONE
    rejected = services.profile_change_submit(actor=user, proposed={"phone": "13800000000"})
    services.profile_change_review(actor=clerk, change=rejected, approve=False, note="请提供本人手机号")
    assert ProfileChange.objects.get(pk=rejected.pk).state == ChangeState.REJECTED


def test_an_expert_records_its_own_days_unavailable_and_staff_suspend_with_the_instant_kept() -> None:
    clerk = staff()
    made = register(clerk)
    today = clock.local_now().date()
    for start, end in (
        (today - dt.timedelta(days=1), today),
        (today + dt.timedelta(days=3), today + dt.timedelta(days=2)),
        (today, today + dt.timedelta(days=400)),
    ):
        with pytest.raises(DomainError) as refused:
            services.unavailability_record(actor=made.user, start=start, end=end)
        assert refused.value.code == ExpertsError.UNAVAILABLE_INVALID
    assert not Unavailability.objects.exists()
    services.unavailability_record(actor=made.user, start=today, end=today + dt.timedelta(days=2))
    assert Unavailability.objects.get().recorded_at is not None
    with pytest.raises(DomainError) as no_reason:
        services.expert_status_set(actor=clerk, expert=made, status="suspended", reason=" ")
    assert no_reason.value.code == ExpertsError.PROFILE_INVALID
    services.expert_status_set(actor=clerk, expert=made, status="suspended", reason="评标中违反纪律")
    made.refresh_from_db()
    assert made.status == "suspended"
    assert made.status_changed_at is not None
