"""The draw from the local pool (issue 33): a request's eligible list fixed and hashed, the calls made from
a seed by each specialty's order, an expert's own decline calling the next of the same order, and the whole
walk recomputed from the list, the seed and the declines."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model

from ggzy.core import clock
from ggzy.core.errors import DomainError
from ggzy.experts import services
from ggzy.experts.draw import replay
from ggzy.experts.errors import ExpertsError
from ggzy.experts.models import Call, Employment, Expert, ExpertSpecialty, Title
from ggzy.experts.states import Answer, RequestState
from ggzy_sm.sm3 import sm3
from tests.notices.test_objections import trade  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db
SEED = "5e" * 32
BIDDER = "91210100MA0BIDDER1"


def expert(n: int, code: str = "A08", **fields: object) -> Expert:
    user = get_user_model().objects.create_user(username=f"expert-{code}-{n}")
    made = Expert.objects.create(
        name=f"专家{n:03d}",
        id_number=f"21010219700101{n:04d}",
        birth_date=dt.date(1970, 1, 1),
        region="210102",
        title=Title.SENIOR,
        field_since=2000,
        centre="ln",
        registered_at=clock.now(),
        user=user,
        **fields,
    )
    ExpertSpecialty.objects.create(expert=made, code=code)
    return made


def request(**fields: object) -> object:
    arguments: dict[str, object] = {
        "actor": None,
        "centre": "ln",
        "region": "210000",
        "evaluation_at": clock.now() + dt.timedelta(days=2),
        "place": "辽宁省公共资源交易中心 评标室 3",
        "needs": {"A08": {"count": 5, "reserves": 2}},
        "committee": 7,
        "engineering": True,
        "avoid": {"organisations": [BIDDER]},
    }
    arguments.update(fields)
    return services.request_make(**arguments)  # type: ignore[arg-type]


def test_a_draw_is_fixed_drawn_and_replayed_and_a_decline_walks_down_the_same_order() -> None:
    pool = [expert(n) for n in range(12)]
    Employment.objects.create(expert=pool[0], uscc=BIDDER, employer="某投标人")
    pool[1].status = "suspended"
    pool[1].save()
    made = request()
    fixed = services.request_fix(actor=None, request=made)
    assert fixed.state == RequestState.FIXED
    fixed.refresh_from_db()
    listed = services.eligible_of(fixed)["A08"]
    assert len(listed) == 10
    assert str(pool[0].uid) not in listed
    assert str(pool[1].uid) not in listed
    assert fixed.eligible_sm3 == sm3(services.eligible_text(fixed).encode()).hex()
    assert fixed.exclusions["employer"] == 1
    assert fixed.exclusions["suspended"] == 1
    services.calls_make(actor=None, request=fixed, seed=SEED)
    calls = list(Call.objects.filter(request=fixed).order_by("sequence"))
    assert [c.role for c in calls] == ["principal"] * 5 + ["reserve"] * 2
    first = calls[0]
    with pytest.raises(DomainError) as staff:
        services.call_answer(actor=calls[1].expert.user, call=first, answer=Answer.DECLINED)
    assert staff.value.code == ExpertsError.NOT_YOURS
    services.call_answer(actor=first.expert.user, call=first, answer=Answer.DECLINED)
    replacement = Call.objects.get(request=fixed, replaces=first.sequence)
    assert replacement.position == 7
    assert replacement.role == "replacement"
    walk = replay(SEED, {"A08": listed}, fixed.needs, services.declined_order(fixed))
    recorded = [
        (c.specialty, c.position, str(c.expert.uid), c.role) for c in Call.objects.filter(request=fixed)
    ]
    assert recorded == [(s.specialty, s.position, s.expert, s.role) for s in walk.seats]
    with pytest.raises(DomainError) as twice:
        services.calls_make(actor=None, request=fixed, seed=SEED)
    assert twice.value.code == ExpertsError.DRAWN


def test_too_few_eligible_is_refused_with_counts_per_rule_and_nothing_changes() -> None:
    pool = [expert(n) for n in range(6)]
    for member in pool[:2]:
        Employment.objects.create(expert=member, uscc=BIDDER, employer="某投标人")
    made = request()
    with pytest.raises(DomainError) as caught:
        services.request_fix(actor=None, request=made)
    assert caught.value.code == ExpertsError.TOO_FEW
    assert caught.value.detail["eligible"] == {"A08": 4}
    assert caught.value.detail["excluded"]["employer"] == 2
    made.refresh_from_db()
    assert made.state == RequestState.REQUESTED
    assert made.eligible_sm3 == ""


@pytest.mark.parametrize(
    ("needs", "committee"),
    [
        ({}, 7),
        ({"A08": {"count": 3}}, 7),
        ({"A08": {"count": 6}}, 6),
        ({"A08": {"count": -1}}, 5),
        ({"A08": {"count": 4}}, 3),
    ],
)
def test_a_committee_that_breaks_the_rule_is_refused(needs: object, committee: int) -> None:
    with pytest.raises(DomainError) as caught:
        request(needs=needs, committee=committee)
    assert caught.value.code == ExpertsError.NEEDS


def test_verify_draw_recomputes_the_calls_and_names_a_changed_one() -> None:
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError

    pool = [expert(n) for n in range(12)]
    made = services.request_fix(actor=None, request=request())
    services.calls_make(actor=None, request=made, seed=SEED)
    first = Call.objects.filter(request=made).order_by("sequence").first()
    assert first is not None
    services.call_answer(actor=first.expert.user, call=first, answer=Answer.DECLINED)
    out = StringIO()
    call_command("experts", "verify-draw", str(made.uid), stdout=out)
    assert "OK: the draw recomputes" in out.getvalue()
    # someone with the database swaps a called expert for another: the recomputation names the call
    called = {c.expert_id for c in Call.objects.filter(request=made)}
    other = next(e for e in pool if e.pk not in called)
    Call.objects.filter(pk=first.pk).update(expert=other)
    with pytest.raises(CommandError, match="call 0 differs"):
        call_command("experts", "verify-draw", str(made.uid), stdout=StringIO())


@pytest.mark.slow
def test_the_seed_is_committed_before_the_list_is_fixed_and_revealed_after_it(
    tmp_path: object, settings: object
) -> None:
    """The whole path with the beacons as processes: commitments in a co-signed head, then the eligible list
    fixed (the moment), then the reveal; a request fixed before its commitments were sealed is not drawn."""
    from io import StringIO

    from django.core.management import call_command

    from ggzy.events.models import Event
    from tests.opening.test_hall import _sealed_head
    from tests.outside import beacons_start

    settings.GGZY_WITNESS_TRUST = ""  # type: ignore[attr-defined]
    beacons = beacons_start(tmp_path / "beacons", settings)  # type: ignore[operator]
    try:
        for n in range(12):
            expert(n)
        made = services.seed_open(request=request())
        assert made.seed_draw is not None
        with pytest.raises(DomainError) as early:  # not yet shown logged: the seed could never be revealed
            services.request_fix(actor=None, request=made)
        assert early.value.code == ExpertsError.SEED_NOT_LOGGED
        assert not Event.objects.filter(type="experts.eligible.fixed").exists()
        _sealed_head()  # the commitments are in a co-signed head before the list is fixed
        fixed = services.request_fix(actor=None, request=made)
        moment = Event.objects.get(type="experts.eligible.fixed")
        drawn = services.request_draw(actor=None, request=fixed)
        drawn.refresh_from_db()
        assert drawn.state == RequestState.DRAWN
        assert drawn.seed_draw is not None
        assert drawn.seed_draw.state == "drawn"
        assert drawn.seed == drawn.seed_draw.seed
        assert drawn.seed_draw.moment_event == moment.uid
        assert Call.objects.filter(request=drawn).count() == 7
        out = StringIO()
        call_command("experts", "verify-draw", str(drawn.uid), stdout=out)
        assert "from randomness draw" in out.getvalue()
    finally:
        beacons.stop_all()


def test_a_sections_draw_avoids_its_initiator_agent_bidders_and_the_names_accepted_at_its_opening(
    trade: object,  # noqa: F811
) -> None:
    from ggzy.opening import services as opening
    from ggzy.opening.models import Hall
    from tests.opening.test_hall import DEADLINE, MINUTE, at, bids
    from tests.securities.conftest import documents_issue

    documents_issue(trade)
    bids(trade, 3)
    at(trade, DEADLINE - MINUTE)  # the hall
    at(trade, DEADLINE + dt.timedelta(seconds=5))  # the opening under way
    hall = Hall.objects.get(section=trade.section)  # type: ignore[attr-defined]
    first = trade.stage.bidders[0]  # type: ignore[attr-defined]
    asked = opening.avoidance_request(
        actor=first.user, hall=hall, person="张伟", reason="系投标人法定代表人近亲属"
    )
    opening.avoidance_decide(
        actor=trade.world.agent_user,
        hall=hall,
        request_uid=str(asked.uid),
        decision="accepted",
        answer="同意",  # type: ignore[attr-defined]
    )
    avoid = services.avoid_for_section(trade.section, day=(DEADLINE + MINUTE).date())  # type: ignore[attr-defined]
    project = trade.section.tender_project.project  # type: ignore[attr-defined]
    expected = {
        project.initiator.uscc,
        project.agent.uscc,
        *(b.organisation.uscc for b in trade.stage.bidders[:3]),
    }  # type: ignore[attr-defined]
    assert expected <= set(avoid["organisations"])
    assert avoid["names"] == [["张伟", ""]]


def test_the_calls_are_embargoed_until_the_evaluation_begins() -> None:
    """The draw's events name no expert, and its calls and answers wait for the evaluation: not listed for
    anyone before it (the embargo `experts.evaluation` lifts at the request's evaluation instant)."""
    from unittest import mock

    from ggzy.events.embargo import lifted_q
    from ggzy.events.models import Event

    for n in range(12):
        expert(n)
    made = services.request_fix(actor=None, request=request())
    services.calls_make(actor=None, request=made, seed=SEED)
    drawn = Event.objects.filter(type="experts.draw.made")
    assert drawn.count() == 1
    assert drawn.first().embargo_ref == made.ref == str(made.uid)  # type: ignore[union-attr]
    assert not drawn.filter(lifted_q(clock.now())).exists()
    assert drawn.filter(lifted_q(made.evaluation_at + dt.timedelta(seconds=1))).exists()
    with mock.patch.object(clock, "now", return_value=made.evaluation_at + dt.timedelta(seconds=1)):
        assert drawn.filter(lifted_q(clock.now())).exists()
    assert "专家" not in drawn.first().document  # type: ignore[union-attr]
