"""The day-before mode (issue 33): a draw made before the bid deadline, the bidders unknown; once the deadline
has passed each called expert is checked again against the parties as they now are, and a conflicted one is
avoided and replaced from the same order; the expert's own declaration of a conflict does the same."""

from __future__ import annotations

import datetime as dt

import pytest

from ggzy.core.errors import DomainError
from ggzy.experts import services
from ggzy.experts.draw import replay
from ggzy.experts.errors import ExpertsError
from ggzy.experts.models import Call, Employment
from ggzy.experts.states import Answer
from tests.experts.test_draw import SEED, expert, request
from tests.notices.test_objections import trade  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db


def test_a_draw_before_the_deadline_is_checked_against_the_bidders_once_known(
    trade: object,  # noqa: F811
) -> None:
    from tests.opening.test_hall import DEADLINE, MINUTE, at, bids
    from tests.securities.conftest import documents_issue

    documents_issue(trade)
    bids(trade, 3)
    for n in range(12):
        expert(n)
    section = trade.section  # type: ignore[attr-defined]
    project = section.tender_project.project
    made = request(
        section=section,
        evaluation_at=DEADLINE + dt.timedelta(days=1),
        avoid={"organisations": [project.initiator.uscc, project.agent.uscc]},  # the bidders not yet known
    )
    fixed = services.request_fix(actor=None, request=made)
    fixed = services.calls_make(actor=None, request=fixed, seed=SEED)
    calls = list(Call.objects.filter(request=fixed).select_related("expert").order_by("sequence"))
    conflicted = calls[2]
    services.call_answer(actor=conflicted.expert.user, call=conflicted, answer=Answer.ACCEPTED)
    bidder = trade.stage.bidders[0].organisation  # type: ignore[attr-defined]
    Employment.objects.create(expert=conflicted.expert, uscc=bidder.uscc, employer=bidder.name)
    with pytest.raises(DomainError) as early:
        services.checkin_check(actor=None, request=fixed)
    assert early.value.code == ExpertsError.CHECKIN_EARLY  # before the deadline the bidders are secret
    at(trade, DEADLINE + MINUTE)
    assert services.checkin_check(actor=None, request=fixed) == 1
    conflicted.refresh_from_db()
    assert conflicted.answer == Answer.AVOIDED
    replacement = Call.objects.get(request=fixed, replaces=conflicted.sequence)
    assert replacement.expert_id != conflicted.expert_id
    assert services.checkin_check(actor=None, request=fixed) == 0  # nobody conflicted is left
    # the expert's own declaration: the same path, only by itself
    declaring = calls[0]
    with pytest.raises(DomainError) as other:
        services.call_declare(actor=calls[1].expert.user, call=declaring, conflict=True)
    assert other.value.code == ExpertsError.NOT_YOURS
    services.call_declare(actor=declaring.expert.user, call=declaring, conflict=True)
    declaring.refresh_from_db()
    assert declaring.answer == Answer.AVOIDED
    assert Call.objects.filter(request=fixed, replaces=declaring.sequence).exists()
    # an auditor's replay gives the same calls
    walk = replay(SEED, services.eligible_of(fixed), fixed.needs, services.declined_order(fixed))
    recorded = [
        (c.position, str(c.expert.uid)) for c in Call.objects.filter(request=fixed).order_by("sequence")
    ]
    assert recorded == [(s.position, s.expert) for s in walk.seats]
    # after the evaluation, a section with a bid window takes fees and ratings (their events are never
    # embargoed, not by the section's opening either)
    services.call_answer(actor=replacement.expert.user, call=replacement, answer=Answer.ACCEPTED)
    at(trade, fixed.evaluation_at + MINUTE)
    sat = Call.objects.filter(request=fixed, answer=Answer.ACCEPTED).first()
    assert sat is not None
    staff = trade.world.staff[0]  # type: ignore[attr-defined]
    services.fee_record(actor=staff, call=sat, amount_fen=80_000, hours="4", basis="评审 4 小时")
    services.rating_record(actor=trade.world.agent_user, call=sat, score=5, conduct="good")  # type: ignore[attr-defined]
