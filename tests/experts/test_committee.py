"""The committee after the draw (issue 33; standard 6.6.1–6.6.3, 6.8.7): the initiator's own members entered
in time and checked by the same rules, the roster signed and pushed at its set time and unreadable before,
the printable list for the authorised staff member only with every printing recorded, fees and ratings
after the evaluation."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from ggzy.core import clock
from ggzy.core.errors import DomainError
from ggzy.core.roles import Role
from ggzy.events.models import Event
from ggzy.experts import services
from ggzy.experts.errors import ExpertsError
from ggzy.experts.models import Call, DrawRequest, Fee, Member, Rating
from ggzy.experts.states import Answer, MemberKind, RequestState
from tests import factories
from tests.experts.test_draw import BIDDER, SEED, expert, request

pytestmark = pytest.mark.django_db
OTHER = factories.make_uscc(4242)
RIVAL = factories.make_uscc(4343)  # a bidder


def at(monkeypatch: pytest.MonkeyPatch, instant: dt.datetime) -> None:
    monkeypatch.setattr(clock, "authority_now", lambda: instant)


def drawn(monkeypatch: pytest.MonkeyPatch) -> DrawRequest:
    """A request of 7 (5 experts, 2 reserves; 2 seats for the initiator), drawn, every member accepting."""
    for n in range(9):
        expert(n)
    made = services.request_fix(actor=None, request=request(avoid={"organisations": [BIDDER, RIVAL]}))
    services.calls_make(actor=None, request=made, seed=SEED)
    for call in Call.objects.filter(request=made, role="principal"):
        services.call_answer(actor=call.expert.user, call=call, answer=Answer.ACCEPTED)
    made.refresh_from_db()
    return made


def enter(made: DrawRequest, n: int, kind: str = MemberKind.REPRESENTATIVE, **fields: str) -> Member:
    user = get_user_model().objects.get_or_create(username="agent-user")[0]
    arguments = {
        "name": f"代表{n}",
        "id_number": factories.make_resident_id(n),
        "employer_uscc": OTHER,
        "employer": "某招标人",
    } | fields
    return services.member_enter(actor=user, request=made, kind=kind, **arguments)  # type: ignore[arg-type]


@pytest.mark.clause("6.6.2")
def test_the_initiators_members_are_entered_in_time_within_their_seats_by_the_same_rules(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made = drawn(monkeypatch)
    assert services.seats_for_members(made) == 2
    for bad, code in (
        ({"id_number": "210102198001010000"}, ExpertsError.MEMBER_INVALID),
        ({"employer_uscc": "91210100MA0NOTVALID"}, ExpertsError.MEMBER_INVALID),
        ({"employer_uscc": RIVAL}, ExpertsError.MEMBER_AVOIDED),  # a bidder's employee: never
    ):
        with pytest.raises(DomainError) as refused:
            enter(made, 1, MemberKind.OUTSIDE, **bad)
        assert refused.value.code == code
    assert not Member.objects.exists()
    enter(made, 1)
    with pytest.raises(DomainError) as twice:
        enter(made, 1, name="代表一")
    assert twice.value.code == ExpertsError.MEMBER_TWICE
    enter(made, 2, MemberKind.OUTSIDE)
    with pytest.raises(DomainError) as full:
        enter(made, 3)
    assert full.value.code == ExpertsError.MEMBERS_FULL
    assert Member.objects.filter(request=made).count() == 2
    entered = Event.objects.filter(type="experts.member.entered")
    assert entered.count() == 2
    assert all("代表" not in str(e.document) for e in entered)  # kind and seats, never the name
    at(monkeypatch, made.push_at)  # type: ignore[arg-type]
    with pytest.raises(DomainError) as late:
        enter(made, 4)
    assert late.value.code == ExpertsError.MEMBER_LATE


@pytest.mark.clause("6.6.1")
def test_the_roster_is_pushed_signed_at_its_time_and_read_by_nobody_before(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made = drawn(monkeypatch)
    enter(made, 1)
    with pytest.raises(DomainError) as early:
        services.roster_push(request=made)
    assert early.value.code == ExpertsError.PUSH_EARLY
    with pytest.raises(DomainError) as unread:
        services.roster_of(made)
    assert unread.value.code == ExpertsError.NOT_PUSHED
    assert services.rosters_push() == 0
    at(monkeypatch, made.push_at)  # type: ignore[arg-type]
    assert services.rosters_push() == 1
    assert services.rosters_push() == 0  # once
    made.refresh_from_db()
    assert made.state == RequestState.PUSHED
    roster = services.roster_of(made)
    sources = [m["source"] for m in roster["members"]]
    assert sources.count("pool") == 5
    assert sources.count(MemberKind.REPRESENTATIVE) == 1
    accepted = Call.objects.filter(request=made, answer=Answer.ACCEPTED).select_related("expert")
    assert {m["name"] for m in roster["members"] if m["source"] == "pool"} == {
        c.expert.name for c in accepted
    }
    assert services.roster_verify(roster, made.roster_signature, made.roster_key)
    forged = {**roster, "place": "别处"}
    assert not services.roster_verify(forged, made.roster_signature, made.roster_key)
    pushed = Event.objects.get(type="experts.roster.pushed")
    assert json.loads(pushed.document)["data"]["members"] == {"pool": 5, "representative": 1}
    assert all(m["name"] not in str(pushed.document) for m in roster["members"])


@pytest.mark.clause("6.6.3")
def test_the_printable_list_is_for_the_authorised_staff_member_only_and_each_printing_is_recorded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made = drawn(monkeypatch)
    staff = get_user_model().objects.create_user(username="staff-plain")
    factories.grant_role(staff, Role.CENTRE_STAFF)
    authorised = get_user_model().objects.create_user(username="staff-printer")
    factories.grant_role(authorised, Role.CENTRE_STAFF)
    security = get_user_model().objects.create_user(username="security-admin")
    factories.grant_role(security, Role.SECURITY_ADMIN)
    outsider = get_user_model().objects.create_user(username="printer-elsewhere")
    for appointing, whom, code in (
        (staff, authorised, ExpertsError.KEEPER_DENIED),  # staff do not appoint themselves or others
        (security, outsider, ExpertsError.KEEPER_NOT_STAFF),
    ):
        with pytest.raises(DomainError) as refused:
            services.keeper_appoint(actor=appointing, centre="ln", user=whom)
        assert refused.value.code == code
    services.keeper_appoint(actor=security, centre="ln", user=authorised)
    with pytest.raises(DomainError) as before:
        services.roster_print(actor=authorised, request=made)
    assert before.value.code == ExpertsError.NOT_PUSHED
    at(monkeypatch, made.push_at)  # type: ignore[arg-type]
    services.rosters_push()
    made.refresh_from_db()
    for refused in (staff, outsider, security):
        with pytest.raises(DomainError) as denied:
            services.roster_print(actor=refused, request=made)
        assert denied.value.code == ExpertsError.PRINT_DENIED
    assert not Event.objects.filter(type="experts.roster.printed").exists()
    roster = services.roster_print(actor=authorised, request=made)
    assert len(roster["members"]) == 5
    printed = Event.objects.get(type="experts.roster.printed")
    assert printed.actor_id == authorised.pk  # type: ignore[attr-defined]


@pytest.mark.clause("6.8.7")
def test_fees_and_ratings_follow_the_evaluation_once_each_and_the_fees_export(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made = drawn(monkeypatch)
    staff = get_user_model().objects.create_user(username="staff-fees")
    member = Call.objects.filter(request=made, answer=Answer.ACCEPTED).first()
    reserve = Call.objects.filter(request=made, answer=Answer.PENDING).first()
    assert member is not None
    assert reserve is not None
    with pytest.raises(DomainError) as early:
        services.fee_record(actor=staff, call=member, amount_fen=80_000, hours="4", basis="评审 4 小时")
    assert early.value.code == ExpertsError.NOT_AFTER
    at(monkeypatch, made.evaluation_at + dt.timedelta(hours=5))
    for bad in ({"amount_fen": 0}, {"amount_fen": 800.5}, {"hours": "25"}, {"hours": "x"}, {"basis": " "}):
        arguments = {"amount_fen": 80_000, "hours": "4", "basis": "评审 4 小时"} | bad
        with pytest.raises(DomainError) as invalid:
            services.fee_record(actor=staff, call=member, **arguments)  # type: ignore[arg-type]
        assert invalid.value.code == ExpertsError.FEE_INVALID
    with pytest.raises(DomainError) as not_sat:
        services.fee_record(actor=staff, call=reserve, amount_fen=80_000, hours="4", basis="评审 4 小时")
    assert not_sat.value.code == ExpertsError.NOT_AFTER
    services.fee_record(actor=staff, call=member, amount_fen=80_050, hours="4.5", basis="评审 4.5 小时")
    with pytest.raises(DomainError) as twice:
        services.fee_record(actor=staff, call=member, amount_fen=1, hours="1", basis="again")
    assert twice.value.code == ExpertsError.RECORDED
    assert Fee.objects.get().hours == Decimal("4.5")
    month = made.evaluation_at.astimezone(dt.timezone(dt.timedelta(hours=8))).date()
    exported = services.fees_csv(centre="ln", month=month).splitlines()
    assert len(exported) == 2
    assert "800.50" in exported[1]
    assert member.expert.name in exported[1]
    agent = get_user_model().objects.create_user(username="agent-rates")
    with pytest.raises(DomainError) as bad_score:
        services.rating_record(actor=agent, call=member, score=6, conduct="good")
    assert bad_score.value.code == ExpertsError.RATING_INVALID
    services.rating_record(actor=agent, call=member, score=4, conduct="good", note="按时到场，评审认真")
    with pytest.raises(DomainError) as again:
        services.rating_record(actor=agent, call=member, score=1, conduct="poor")
    assert again.value.code == ExpertsError.RECORDED
    assert Rating.objects.get().score == 4


def test_a_status_or_availability_changed_within_48_hours_before_the_draw_is_flagged_to_supervisors() -> None:
    from ggzy.experts.models import Unavailability

    pool = [expert(n) for n in range(12)]
    pool[0].status, pool[0].status_changed_at = "suspended", clock.now() - dt.timedelta(hours=47)
    pool[0].save()
    pool[1].status_changed_at = clock.now() - dt.timedelta(hours=49)  # long enough before: not flagged
    pool[1].save()
    day = (clock.now() + dt.timedelta(days=2)).date()
    Unavailability.objects.create(expert=pool[2], start=day, end=day, recorded_at=clock.now())
    services.request_fix(actor=None, request=request())
    flagged = Event.objects.get(type="experts.changes.flagged")
    data = json.loads(flagged.document)["data"]
    assert (data["status_changed"], data["unavailability_recorded"]) == (1, 1)
    assert flagged.visibility == "supervisors"
    assert pool[0].name not in flagged.document


def test_no_recent_change_no_flag() -> None:
    for n in range(9):
        expert(n)
    services.request_fix(actor=None, request=request())
    assert not Event.objects.filter(type="experts.changes.flagged").exists()


def test_a_called_expert_is_told_the_time_and_place_only_in_its_inbox_and_by_sms_under_the_embargo() -> None:
    from ggzy.events.models import Message

    pool = [expert(n, phone=f"1390000{n:04d}") for n in range(12)]
    made = services.request_fix(actor=None, request=request(project="P-不可泄露的项目"))
    services.calls_make(actor=None, request=made, seed=SEED)
    told = Message.objects.filter(template="experts.called")
    assert told.filter(channel="inbox").count() == 7
    assert told.filter(channel="sms").count() == 7
    for message in told:
        assert "评标室 3" in message.body  # the place
        assert "P-不可泄露的项目" not in message.body + message.subject
        assert (message.embargo_kind, message.embargo_ref) == ("experts.evaluation", made.ref)
    first = Call.objects.filter(request=made).order_by("sequence").first()
    assert first is not None
    services.call_answer(actor=first.expert.user, call=first, answer=Answer.DECLINED)
    replacement = Call.objects.get(request=made, replaces=first.sequence)
    assert told.filter(recipient=replacement.expert.user, channel="inbox").count() == 1
    assert len(pool) == 12


@pytest.mark.clause("6.6.2")
def test_the_requester_is_reminded_once_before_the_push_while_the_initiators_seats_are_empty(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from ggzy.events.models import Message

    agent = get_user_model().objects.create_user(username="agent-reminded")
    for n in range(9):
        expert(n)
    made = services.request_fix(actor=None, request=request(actor=agent))
    filled = services.request_fix(actor=None, request=request(actor=agent))
    enter(filled, 1)
    enter(filled, 2)
    assert services.members_remind() == 0  # the push is two days away
    at(monkeypatch, made.push_at - services.REMIND_BEFORE + dt.timedelta(minutes=1))  # type: ignore[operator]
    assert services.members_remind() == 1  # the filled request is not reminded
    assert services.members_remind() == 0  # once
    (message,) = Message.objects.filter(template="experts.members_due")
    assert message.recipient == agent
    assert "2" in message.body  # both seats still empty
    made.refresh_from_db()
    assert made.reminded_at is not None
