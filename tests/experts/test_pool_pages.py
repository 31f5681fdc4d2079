"""The pool's pages (issue 33): the centre's staff register, suspend and reinstate their experts and review
the changes the experts ask; the expert asks a change, records its days unavailable and declares a conflict
at check-in; the staff's request page offers the check-in and, for a centre using the provincial pool, the
pool's draw. Another centre's staff find nothing; bad input says why in Chinese and changes nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from ggzy.core import clock
from ggzy.core.fields import Kind, mask
from ggzy.core.roles import Role
from ggzy.events.models import Event
from ggzy.experts import selectors
from ggzy.experts.models import Call, ChangeState, Expert, ProfileChange, Specialty, Unavailability
from ggzy.experts.states import Answer
from tests import factories
from tests.experts.test_pages import Scene, assert_chinese_error, drawn, made, scene  # noqa: F401
from tests.experts.test_pool import EMPLOYER, register

pytestmark = pytest.mark.django_db
ID_NUMBER = factories.make_resident_id(777, birth="19680520")


def pool_staff(name: str = "ln-pool-staff") -> Any:
    """A staff member of centre "ln", the centre of the experts of the scene."""
    user = get_user_model().objects.create_user(username=name)
    factories.grant_role(user, Role.CENTRE_STAFF)
    return user


def client(user: Any) -> Client:
    return factories.signed_in(Client(), user)


def specialties() -> None:
    for code, name in (("DEMO-A01", "房屋建筑"), ("DEMO-B02", "市政道路")):
        Specialty.objects.get_or_create(code=code, defaults={"name": name, "source": "测试"})


def registered(clerk: Any) -> Expert:
    specialties()
    made_expert = register(clerk)
    factories.grant_role(made_expert.user, Role.EXPERT)
    return made_expert


def test_staff_register_an_expert_and_bad_input_changes_nothing(db: Any) -> None:
    specialties()
    clerk = pool_staff()
    account = get_user_model().objects.create_user(username="wang-expert")
    staff = client(clerk)
    assert staff.get(reverse("experts:pool")).status_code == 200
    good = {
        "centre": "ln",
        "name": "王建国",
        "id_number": ID_NUMBER,
        "phone": "13912345678",
        "region": "210102",
        "title": "senior",
        "field_since": "2001",
        "expertise": "technical",
        "specialties": ["DEMO-A01", "DEMO-B02"],
        "employer_uscc": EMPLOYER,
        "employer": "沈阳建筑设计院",
        "employer_since": "2005-03-01",
        "username": "wang-expert",
    }
    url = reverse("experts:pool-register")
    for bad in (
        {"id_number": "210102196805200000"},  # a wrong check digit
        {"phone": "12345"},
        {"region": "21"},
        {"specialties": []},
        {"employer_uscc": "x"},
        {"username": "nobody-here"},
        {"centre": "sy"},  # not a centre of the viewer
    ):
        response = staff.post(url, good | bad)
        assert response.status_code == 400, bad
        assert_chinese_error(response)
        assert not Expert.objects.exists(), bad
    response = staff.post(url, good)
    expert = Expert.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("experts:pool-expert", args=[expert.uid])
    assert expert.user == account
    assert sorted(expert.specialties.values_list("code", flat=True)) == ["DEMO-A01", "DEMO-B02"]
    listed = staff.get(reverse("experts:pool")).content.decode()
    assert "王建国" in listed
    assert ID_NUMBER not in listed
    assert mask(Kind.ID_NUMBER, ID_NUMBER) in listed
    # the staff's experts area leads to the pool (no dead end)
    assert reverse("experts:pool") in staff.get(reverse("experts:requests")).content.decode()
    assert reverse("experts:pool") in staff.get(reverse("core:workspace"), follow=True).content.decode()


def test_staff_suspend_and_reinstate_with_a_reason_and_another_centres_staff_find_nothing(
    scene: Scene,  # noqa: F811
) -> None:
    clerk = pool_staff()
    expert = registered(clerk)
    staff = client(clerk)
    page = reverse("experts:pool-expert", args=[expert.uid])
    status = reverse("experts:pool-status", args=[expert.uid])
    assert staff.get(page).status_code == 200
    response = staff.post(status, {"status": "suspended", "reason": ""}, follow=True)
    assert_chinese_error(response)
    expert.refresh_from_db()
    assert expert.status == "active"
    response = staff.post(status, {"status": "suspended", "reason": "多次无故缺席评标"})
    assert response.status_code == 302
    expert.refresh_from_db()
    assert expert.status == "suspended"
    assert expert.status_changed_at is not None
    assert staff.get(reverse("experts:pool")).content.decode().count('data-status="suspended"') == 1
    staff.post(status, {"status": "active", "reason": "申诉成立"})
    expert.refresh_from_db()
    assert expert.status == "active"
    # the staff of another centre (the scene's "sy") find nothing: not its page, not its action
    other = client(scene.world.staff[0])
    assert other.get(page).status_code == 404
    assert other.post(status, {"status": "suspended", "reason": "越权"}).status_code == 404
    expert.refresh_from_db()
    assert expert.status == "active"
    assert expert.name not in other.get(reverse("experts:pool")).content.decode()


def test_an_expert_asks_a_change_and_an_approval_applies_it(scene: Scene) -> None:  # noqa: F811
    clerk = pool_staff()
    expert = registered(clerk)
    mine = client(expert.user)
    assert mine.get(reverse("experts:profile")).status_code == 200
    url = reverse("experts:profile-change")
    good = {
        "phone": "13800001111",
        "region": "210103",
        "title": "full_senior",
        "field_since": "1999",
        "expertise": "economic",
        "specialties": ["DEMO-B02"],
    }
    for bad in ({"phone": "12345"}, {"region": "21"}, {"specialties": ["NOPE"]}, {"field_since": "1800"}):
        response = mine.post(url, good | bad)
        assert response.status_code == 400, bad
        assert_chinese_error(response)
        assert not ProfileChange.objects.exists(), bad
    assert mine.post(url, good).status_code == 302
    change = ProfileChange.objects.get()
    assert change.state == ChangeState.PENDING
    # the staff see the flag, and the change beside the current profile
    staff = client(clerk)
    assert 'data-pending="1"' in staff.get(reverse("experts:pool")).content.decode()
    changes = staff.get(reverse("experts:pool-changes")).content.decode()
    assert "正高级" in changes  # proposed title
    assert "副高级" in changes  # current title
    review = reverse("experts:change-review", args=[change.uid])
    # another centre's staff: not found, nothing decided
    assert client(scene.world.staff[0]).post(review, {"decision": "approve"}).status_code == 404
    # a rejection without a note: refused, still pending
    response = staff.post(review, {"decision": "reject", "note": ""}, follow=True)
    assert_chinese_error(response)
    change.refresh_from_db()
    assert change.state == ChangeState.PENDING
    assert staff.post(review, {"decision": "approve"}).status_code == 302
    change.refresh_from_db()
    expert.refresh_from_db()
    assert change.state == ChangeState.APPROVED
    assert (expert.title, expert.region, expert.field_since, expert.expertise) == (
        "full_senior",
        "210103",
        1999,
        "economic",
    )
    assert list(expert.specialties.values_list("code", flat=True)) == ["DEMO-B02"]
    assert expert.phone.decrypt_for_system() == "13800001111"
    # a second decision is refused
    response = staff.post(review, {"decision": "reject", "note": "重复"}, follow=True)
    assert_chinese_error(response)


def test_an_expert_who_moved_names_its_new_employer_and_the_old_one_ends_the_day_before(db: Any) -> None:
    """A change of employer on the expert's own form: the employer it was still with ends the day before
    the new one begins (the procurement rule avoids an employer left within 3 years: the dates matter);
    half a new employer, a start in the future or before the old one's start, a bad credit code: refused in
    Chinese, nothing asked."""
    from ggzy.experts import eligibility
    from ggzy.experts.models import Employment

    clerk = pool_staff()
    expert = registered(clerk)  # with 沈阳建筑设计院 since 2005-03-01, still there
    mine = client(expert.user)
    page = mine.get(reverse("experts:profile")).content.decode()
    assert "更换工作单位" in page
    url = reverse("experts:profile-change")
    today = clock.local_now().date()
    moved = today - dt.timedelta(days=40)
    new = factories.make_uscc(6262)
    profile = {
        "phone": "13912345678",
        "region": "210102",
        "title": "senior",
        "field_since": "2001",
        "expertise": "technical",
        "specialties": ["DEMO-A01"],
    }
    move = {
        "new_employer_uscc": new,
        "new_employer": "大连市政设计院",
        "new_employer_since": moved.isoformat(),
    }
    for bad in (
        {"new_employer_since": ""},  # half a new employer
        {"new_employer": ""},
        {"new_employer_uscc": "91210000XXXX"},  # not a credit code
        {"new_employer_since": (today + dt.timedelta(days=3)).isoformat()},  # not yet
        {"new_employer_since": "2004-01-01"},  # before the old employer began
    ):
        response = mine.post(url, profile | move | bad)
        assert response.status_code == 400, bad
        assert_chinese_error(response)
        assert not ProfileChange.objects.exists(), bad
    assert mine.post(url, profile | move).status_code == 302
    change = ProfileChange.objects.get()
    changes = client(clerk).get(reverse("experts:pool-changes")).content.decode()
    assert "大连市政设计院" in changes
    assert (
        client(clerk)
        .post(reverse("experts:change-review", args=[change.uid]), {"decision": "approve"})
        .status_code
        == 302
    )
    rows = list(
        Employment.objects.filter(expert=expert).order_by("since").values_list("employer", "since", "until")
    )
    assert rows == [
        ("沈阳建筑设计院", dt.date(2005, 3, 1), moved - dt.timedelta(days=1)),
        ("大连市政设计院", moved, None),
    ]
    # what the rules read: avoided for a procurement trade of the old employer (left within 3 years), not
    # for an engineering one; for either trade of the new employer
    from tests.experts.test_pool import EMPLOYER

    def employer_rule(uscc: str, *, procurement: bool) -> bool:
        rules = eligibility.rule_q(
            day=today, at=clock.now(), procurement=procurement, engineering=False, organisations=[uscc],
            supervising=[], persons=[], names=[], max_calls=0, age_limit=70, remote_city="",
        )  # fmt: skip
        return Expert.objects.filter(rules["employer"], pk=expert.pk).exists()

    assert employer_rule(EMPLOYER, procurement=True)
    assert not employer_rule(EMPLOYER, procurement=False)
    assert employer_rule(new, procurement=False)


def test_an_expert_records_days_unavailable_shown_on_its_profile(db: Any) -> None:
    expert = registered(pool_staff())
    mine = client(expert.user)
    today = clock.local_now().date()
    url = reverse("experts:unavailable")
    for start, end in (
        (today + dt.timedelta(days=5), today + dt.timedelta(days=3)),
        (today - dt.timedelta(days=2), today),
    ):
        response = mine.post(url, {"start": start.isoformat(), "end": end.isoformat()})
        assert response.status_code == 400
        assert_chinese_error(response)
    response = mine.post(url, {"start": "明天", "end": ""})
    assert response.status_code == 400
    assert_chinese_error(response)
    assert not Unavailability.objects.exists()
    start, end = today + dt.timedelta(days=10), today + dt.timedelta(days=12)
    assert mine.post(url, {"start": start.isoformat(), "end": end.isoformat()}).status_code == 302
    profile = mine.get(reverse("experts:profile")).content.decode()
    assert f"{start:%Y-%m-%d} — {end:%Y-%m-%d}" in profile
    staff_page = client(pool_staff("ln-other-clerk")).get(reverse("experts:pool-expert", args=[expert.uid]))
    assert f"{start:%Y-%m-%d} — {end:%Y-%m-%d}" in staff_page.content.decode()


def test_the_expert_declares_at_check_in_and_only_for_its_own_call(
    scene: Scene,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    request = drawn(scene, monkeypatch)
    first, second = list(Call.objects.filter(request=request).select_related("expert").order_by("sequence"))[
        :2
    ]
    mine = client(first.expert.user)
    calls = mine.get(reverse("experts:calls")).content.decode()
    assert reverse("experts:declare", args=[first.uid]) in calls
    url = reverse("experts:declare", args=[first.uid])
    # another expert's call: not found
    assert client(second.expert.user).post(url, {"conflict": "yes"}).status_code == 404
    response = mine.post(url, {"conflict": "maybe"}, follow=True)
    assert_chinese_error(response)
    assert mine.post(url, {"conflict": "no"}).status_code == 302
    first.refresh_from_db()
    assert first.answer == Answer.PENDING
    assert Event.objects.filter(type="experts.call.declared").count() == 1
    assert mine.post(url, {"conflict": "yes"}).status_code == 302
    first.refresh_from_db()
    assert first.answer == Answer.AVOIDED
    assert Call.objects.filter(request=request, replaces=first.sequence).exists()


def test_the_staff_request_page_offers_the_check_in_and_the_provincial_pool(
    scene: Scene,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    settings: Any,
) -> None:
    request = drawn(scene, monkeypatch)
    staff = client(scene.world.staff[0])
    page = reverse("experts:request", args=[request.uid])
    checkin = reverse("experts:checkin", args=[request.uid])
    assert checkin not in staff.get(page).content.decode()  # the section has no deadline passed
    monkeypatch.setattr(selectors, "bidders_known", lambda found: True)
    assert checkin not in client(scene.world.agent_user).get(page).content.decode()  # staff only
    assert checkin in staff.get(page).content.decode()
    before = list(Call.objects.filter(request=request).values_list("sequence", "answer"))
    response = staff.post(checkin, follow=True)  # the service still finds no bid window: refused
    assert_chinese_error(response)
    assert list(Call.objects.filter(request=request).values_list("sequence", "answer")) == before
    # a centre using the provincial pool: its draw instead of seed, fix and draw
    fresh = made(scene)
    fresh_page = reverse("experts:request", args=[fresh.uid])
    assert reverse("experts:seed", args=[fresh.uid]) in staff.get(fresh_page).content.decode()
    settings.GGZY_EXPERT_POOL = "lnpool=https://pool.invalid"
    settings.GGZY_EXPERT_POOL_CENTRES = fresh.centre
    html = staff.get(fresh_page).content.decode()
    assert reverse("experts:provincial-draw", args=[fresh.uid]) in html
    assert reverse("experts:seed", args=[fresh.uid]) not in html
