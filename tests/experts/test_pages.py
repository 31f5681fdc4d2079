"""The experts pages (issue 33): each role reaches its own; an expert answers its own call and no other's;
no page of staff, supervisors or the initiator's side names a drawn expert before the list is pushed, the
keeper's printout does after it; bad input on each form changes nothing and says why in Chinese."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from ggzy.core import clock
from ggzy.core.fields import Kind, mask
from ggzy.core.formatting import PLATFORM_ZONE
from ggzy.core.roles import Role
from ggzy.experts import services
from ggzy.experts import views as expert_views
from ggzy.experts.models import Call, DrawRequest, Expert, Fee, Keeper, Member, Rating
from ggzy.experts.states import Answer, RequestState
from ggzy.registry.models import Section
from tests import factories
from tests.experts.test_draw import SEED, expert
from tests.notices.conftest import accepted
from tests.registry.conftest import World, make_world

pytestmark = pytest.mark.django_db


def at(monkeypatch: pytest.MonkeyPatch, instant: dt.datetime) -> None:
    monkeypatch.setattr(clock, "authority_now", lambda: instant)


@dataclass
class Scene:
    world: World
    section: Section
    experts: list[Expert]
    supervisor: Any
    security: Any

    def client(self, user: Any) -> Client:
        return factories.signed_in(Client(), user)


@pytest.fixture
def scene(db: Any) -> Scene:
    world = make_world()
    accepted(world)
    section = (
        Section.objects.filter(tender_project__project__initiator=world.initiator).order_by("code").first()
    )
    assert section is not None
    pool = [expert(n) for n in range(9)]
    for member in pool:
        factories.grant_role(member.user, Role.EXPERT)
    users = get_user_model().objects
    supervisor = users.create_user(username="supervisor-sy")
    factories.grant_role(supervisor, Role.SUPERVISOR)
    security = users.create_user(username="security-admin")
    factories.grant_role(security, Role.SECURITY_ADMIN)
    return Scene(world, section, pool, supervisor, security)


def made(scene: Scene, **fields: Any) -> DrawRequest:
    arguments: dict[str, Any] = {
        "actor": scene.world.agent_user,
        "centre": scene.section.centre.code,
        "region": scene.section.centre.region,
        "evaluation_at": clock.now() + dt.timedelta(days=2),
        "place": "沈阳市公共资源交易中心 评标室 3",
        "needs": {"A08": {"count": 5, "reserves": 2}},
        "committee": 7,
        "engineering": True,
        "section": scene.section,
    } | fields
    return services.request_make(**arguments)


def error_text(response: Any) -> str:
    """The error the page shows: a message or the form's error."""
    html = response.content.decode()
    found = re.findall(r'<div class="alert alert-(?:info|danger)"[^>]*>(.*?)</div>', html, re.DOTALL)
    return " ".join(found)


def assert_chinese_error(response: Any) -> None:
    text = error_text(response)
    assert text.strip(), "no error shown"
    assert re.search(r"[\u4e00-\u9fff]", text), text
    assert not re.search(r"[A-Za-z]{4,} [A-Za-z]{4,} [A-Za-z]{4,}", text), text  # not an English sentence


def drawn(scene: Scene, monkeypatch: pytest.MonkeyPatch) -> DrawRequest:
    """A request fixed and drawn through the staff's page (the seed's reveal replaced by the fixed seed)."""
    request = made(scene)
    staff = scene.client(scene.world.staff[0])
    monkeypatch.setattr(expert_views, "_seed_ready", lambda found: True)
    staff.post(reverse("experts:fix", args=[request.uid]))
    request.refresh_from_db()
    assert request.state == RequestState.FIXED
    monkeypatch.setattr(
        services,
        "request_draw",
        lambda actor, request: services.calls_make(actor=actor, request=request, seed=SEED),
    )
    staff.post(reverse("experts:draw", args=[request.uid]))
    request.refresh_from_db()
    assert request.state == RequestState.DRAWN
    return request


def test_each_role_reaches_its_pages(scene: Scene) -> None:
    request = made(scene)
    world = scene.world
    for user, names in (
        (world.staff[0], ["experts:requests"]),
        (scene.supervisor, ["experts:requests"]),
        (world.agent_user, ["experts:mine"]),
        (world.initiator_user, ["experts:mine"]),
        (scene.experts[0].user, ["experts:calls", "experts:profile"]),
        (scene.security, ["experts:keepers"]),
    ):
        client = scene.client(user)
        for name in names:
            assert client.get(reverse(name)).status_code == 200, (user, name)
        if user not in (scene.experts[0].user, scene.security):
            assert client.get(reverse("experts:request", args=[request.uid])).status_code == 200, user
    # the workspace leads there (no dead end)
    staff_workspace = (
        scene.client(world.staff[0]).get(reverse("core:workspace"), follow=True).content.decode()
    )
    assert reverse("experts:requests") in staff_workspace
    expert_workspace = (
        scene.client(scene.experts[0].user).get(reverse("core:workspace"), follow=True).content.decode()
    )
    assert reverse("experts:calls") in expert_workspace
    # the expert's profile: masked identity number, specialties
    profile = scene.client(scene.experts[0].user).get(reverse("experts:profile")).content.decode()
    assert scene.experts[0].name in profile
    assert "21010219700101" not in profile
    assert mask(Kind.ID_NUMBER, "210102197001010000") in profile
    # an expert, a responder or another centre's staff do not read the request
    stranger = get_user_model().objects.create_user(username="staff-elsewhere")
    factories.grant_role(stranger, Role.CENTRE_STAFF)  # staff of "ln", not of the request's centre
    for user in (stranger, scene.experts[0].user):
        assert scene.client(user).get(reverse("experts:request", args=[request.uid])).status_code in (
            403,
            404,
        )


def test_the_agent_requests_a_draw_for_its_section_and_bad_input_changes_nothing(scene: Scene) -> None:
    agent = scene.client(scene.world.agent_user)
    url = reverse("experts:request-new", args=[scene.section.code])
    assert agent.get(url).status_code == 200
    when = (clock.now() + dt.timedelta(days=3)).astimezone(PLATFORM_ZONE).strftime("%Y-%m-%dT%H:%M")
    good = {
        "evaluation_at": when,
        "place": "沈阳市公共资源交易中心 评标室 1",
        "committee": "7",
        "specialty_1": "A08",
        "count_1": "5",
        "reserves_1": "2",
    }
    for bad in ({"committee": "6"}, {"specialty_1": "", "count_1": ""}, {"evaluation_at": "明天"}):
        response = agent.post(url, good | bad)
        assert response.status_code == 400, bad
        assert_chinese_error(response)
        assert not DrawRequest.objects.exists()
    response = agent.post(url, good)
    request = DrawRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("experts:request", args=[request.uid])
    assert request.section == scene.section
    assert request.needs == {"A08": {"count": 5, "reserves": 2}}
    # the avoidance comes from the facts: the initiator and the agent at least
    assert {scene.world.initiator.uscc, scene.world.agent.uscc} <= set(request.avoid["organisations"])
    # another's section: not found
    elsewhere = get_user_model().objects.create_user(username="agent-elsewhere")
    factories.grant_role(elsewhere, Role.AGENT)
    assert scene.client(elsewhere).get(url).status_code == 404


def test_staff_fix_and_draw_by_the_state_and_refusals_change_nothing(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    request = made(scene, needs={"A08": {"count": 5, "reserves": 2}, "B01": {"count": 2, "reserves": 0}})
    staff = scene.client(scene.world.staff[0])
    fix = reverse("experts:fix", args=[request.uid])
    # the seed's commitments not yet logged: refused, nothing fixed
    response = staff.post(fix, follow=True)
    assert_chinese_error(response)
    request.refresh_from_db()
    assert request.state == RequestState.REQUESTED
    # too few for a specialty: refused with the counts per specialty
    monkeypatch.setattr(expert_views, "_seed_ready", lambda found: True)
    response = staff.post(fix, follow=True)
    assert_chinese_error(response)
    assert "B01 0" in error_text(response)
    request.refresh_from_db()
    assert request.state == RequestState.REQUESTED
    assert request.eligible_sm3 == ""
    # drawing before the list is fixed is not offered, and refused
    response = staff.post(reverse("experts:draw", args=[request.uid]), follow=True)
    assert_chinese_error(response)
    assert not Call.objects.exists()
    # the agent cannot act as staff
    agent = scene.client(scene.world.agent_user)
    assert agent.post(fix).status_code in (403, 404)


def test_no_name_before_the_push_the_keepers_printout_after_it(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    request = drawn(scene, monkeypatch)
    names = [c.expert.name for c in Call.objects.filter(request=request).select_related("expert")]
    assert len(names) == 7
    world = scene.world
    pages = [
        (world.staff[0], reverse("experts:requests")),
        (world.staff[0], reverse("experts:request", args=[request.uid])),
        (scene.supervisor, reverse("experts:requests")),
        (scene.supervisor, reverse("experts:request", args=[request.uid])),
        (world.agent_user, reverse("experts:mine")),
        (world.agent_user, reverse("experts:request", args=[request.uid])),
        (world.initiator_user, reverse("experts:request", args=[request.uid])),
    ]

    def no_names() -> None:
        for user, url in pages:
            response = scene.client(user).get(url)
            assert response.status_code == 200, url
            html = response.content.decode()
            assert not [n for n in names if n in html], (user, url)

    no_names()
    # the staff page shows the counts: 7 called, 7 awaiting the answer
    html = scene.client(world.staff[0]).get(reverse("experts:request", args=[request.uid])).content.decode()
    assert html.count('data-answer="pending"') == 7
    # the security administrator appoints a keeper; bad input changes nothing
    security = scene.client(scene.security)
    keeper_user = world.staff[1]
    for bad in (
        {"centre": "sy", "username": "no-such-user"},
        {"centre": "", "username": keeper_user.username},
    ):
        response = security.post(reverse("experts:keeper-appoint"), bad, follow=True)
        assert_chinese_error(response)
        assert not Keeper.objects.exists()
    response = security.post(reverse("experts:keeper-revoke"), {"keeper": "x"}, follow=True)
    assert_chinese_error(response)
    security.post(reverse("experts:keeper-appoint"), {"centre": "sy", "username": keeper_user.username})
    assert Keeper.objects.filter(user=keeper_user, revoked_at__isnull=True).exists()
    # the keeper cannot print before the push
    keeper = scene.client(keeper_user)
    response = keeper.post(reverse("experts:print", args=[request.uid]), follow=True)
    assert_chinese_error(response)
    assert not [n for n in names if n in response.content.decode()]
    no_names()
    # the experts accept; the push at its time
    for call in Call.objects.filter(request=request, role="principal").select_related("expert__user"):
        scene.client(call.expert.user).post(
            reverse("experts:answer", args=[call.uid]), {"answer": "accepted"}
        )
    accepted_names = [
        c.expert.name
        for c in Call.objects.filter(request=request, answer=Answer.ACCEPTED).select_related("expert")
    ]
    assert len(accepted_names) == 5
    no_names()
    at(monkeypatch, request.push_at)  # type: ignore[arg-type]
    assert services.rosters_push() == 1
    # another staff member does not print
    other = scene.client(world.staff[0])
    response = other.post(reverse("experts:print", args=[request.uid]), follow=True)
    assert_chinese_error(response)
    assert not [n for n in names if n in response.content.decode()]
    printed = keeper.post(reverse("experts:print", args=[request.uid]))
    assert printed.status_code == 200
    html = printed.content.decode()
    assert all(n in html for n in accepted_names)
    assert "21010219700101" not in html  # the identity number masked on the printout


def test_an_expert_answers_its_own_call_and_no_other(scene: Scene, monkeypatch: pytest.MonkeyPatch) -> None:
    request = drawn(scene, monkeypatch)
    calls = list(Call.objects.filter(request=request).order_by("sequence").select_related("expert__user"))
    mine, theirs = calls[0], calls[1]
    client = scene.client(mine.expert.user)
    page = client.get(reverse("experts:calls")).content.decode()
    assert request.place in page
    assert scene.section.code not in page
    assert scene.section.tender_project.project.name not in page
    # another's call: not found, nothing changed
    response = client.post(reverse("experts:answer", args=[theirs.uid]), {"answer": "declined"})
    assert response.status_code == 404
    # bad input: refused in Chinese, nothing changed
    response = client.post(reverse("experts:answer", args=[mine.uid]), {"answer": "maybe"}, follow=True)
    assert_chinese_error(response)
    assert Call.objects.filter(answer=Answer.PENDING).count() == 7
    # staff cannot answer for the expert
    staff = scene.client(scene.world.staff[0])
    assert staff.post(reverse("experts:answer", args=[mine.uid]), {"answer": "declined"}).status_code == 403
    response = client.post(reverse("experts:answer", args=[mine.uid]), {"answer": "declined"}, follow=True)
    assert response.status_code == 200
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.answer == Answer.DECLINED
    assert theirs.answer == Answer.PENDING
    assert Call.objects.filter(request=request, replaces=mine.sequence).exists()
    # answered once
    response = client.post(reverse("experts:answer", args=[mine.uid]), {"answer": "accepted"}, follow=True)
    assert_chinese_error(response)
    mine.refresh_from_db()
    assert mine.answer == Answer.DECLINED


def test_members_fees_and_ratings_through_the_pages(scene: Scene, monkeypatch: pytest.MonkeyPatch) -> None:
    request = drawn(scene, monkeypatch)
    for call in Call.objects.filter(request=request, role="principal").select_related("expert__user"):
        services.call_answer(actor=call.expert.user, call=call, answer=Answer.ACCEPTED)
    agent = scene.client(scene.world.agent_user)
    member_url = reverse("experts:member", args=[request.uid])
    good = {
        "kind": "representative",
        "name": "王代表",
        "id_number": factories.make_resident_id(7),
        "employer_uscc": scene.world.initiator.uscc,
        "employer": scene.world.initiator.name,
    }
    for bad in ({"id_number": "210102198001010000"}, {"kind": "boss"}, {"name": ""}):
        response = agent.post(member_url, good | bad, follow=True)
        assert_chinese_error(response)
        assert not Member.objects.exists()
    agent.post(member_url, good)
    assert Member.objects.filter(request=request, name="王代表").exists()
    # the rating form shows no name before the evaluation
    names = [c.expert.name for c in Call.objects.filter(request=request).select_related("expert")]
    html = agent.get(reverse("experts:request", args=[request.uid])).content.decode()
    assert not [n for n in names if n in html]
    at(monkeypatch, request.push_at)  # type: ignore[arg-type]
    services.rosters_push()
    at(monkeypatch, request.evaluation_at + dt.timedelta(hours=5))
    sat = Call.objects.filter(request=request, answer=Answer.ACCEPTED).select_related("expert").first()
    assert sat is not None
    staff = scene.client(scene.world.staff[0])
    fee_url = reverse("experts:fee", args=[request.uid, sat.uid])
    for bad in ({"amount": "abc"}, {"amount": "0"}, {"hours": "25"}, {"basis": ""}, {"amount": "1.001"}):
        response = staff.post(
            fee_url, {"amount": "800.50", "hours": "4.5", "basis": "评审 4.5 小时"} | bad, follow=True
        )
        assert_chinese_error(response)
        assert not Fee.objects.exists()
    staff.post(fee_url, {"amount": "800.50", "hours": "4.5", "basis": "评审 4.5 小时"})
    assert Fee.objects.get(call=sat).amount_fen == 80_050
    month = request.evaluation_at.astimezone(PLATFORM_ZONE).strftime("%Y-%m")
    exported = staff.get(reverse("experts:fees-csv"), {"month": month})
    assert exported.status_code == 200
    assert "800.50" in exported.content.decode("utf-8-sig")
    response = staff.get(reverse("experts:fees-csv"), {"month": "十二月"}, follow=True)
    assert_chinese_error(response)
    # the agent rates after the evaluation began: the names are shown now
    html = agent.get(reverse("experts:request", args=[request.uid])).content.decode()
    assert sat.expert.name in html
    rate_url = reverse("experts:rate", args=[request.uid, sat.uid])
    for bad in ({"score": "9"}, {"conduct": "rude"}):
        response = agent.post(rate_url, {"score": "4", "conduct": "good"} | bad, follow=True)
        assert_chinese_error(response)
        assert not Rating.objects.exists()
    agent.post(rate_url, {"score": "4", "conduct": "good", "note": "按时到场"})
    assert Rating.objects.get(call=sat).score == 4
