"""The demo's evaluation experts (issue 33): a pool of forty linked to the demo's expert users, a draw request
in every state made through the services with the demo's beacons and co-signers running, one replacement
called after an expert's own decline, a bidder's employee excluded (counted), the pushed roster signed and
verified, printed once by the appointed keeper, fees and ratings after the evaluation; a second run
changes nothing. The provincial centre's draw is made by the demo's provincial pool (a process of its own),
an expert's decline given to it and its replacement read back; the pushed request is the opened school
building's section's."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from ggzy.accounts.selectors import user_roles
from ggzy.core.roles import Role
from ggzy.demo import experts as demo_experts
from ggzy.demo import sealing
from ggzy.events.models import Event
from ggzy.experts import services
from ggzy.experts.event_types import ExpertsEvents
from ggzy.experts.management.commands.experts import verify_draw
from ggzy.experts.models import Call, DrawRequest, Employment, Expert, Fee, Rating, Source, Specialty
from ggzy.experts.services.provincial import list_of
from ggzy.experts.states import Answer, CallRole, RequestState
from tests.demo.conftest import Demo, load_once
from tests.outside import free_port

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

_OUTSIDE = Path(tempfile.mkdtemp(prefix="ggzy-experts-demo-"))
demo = load_once(
    sandbox=True,
    ca=True,
    GGZY_CUSTODIAN_TRANSPORT="ggzy.demo.custodians.IN_PROCESS",
    GGZY_DEMO_BEACON_DIR=str(_OUTSIDE / "beacons"),
    GGZY_BEACONS=",".join(f"{code}=http://127.0.0.1:{free_port()}" for code in "ab"),
    GGZY_BEACON_TRUST=str(_OUTSIDE / "beacons" / "trust.json"),
    GGZY_DEMO_COSIGNERS_DIR=str(_OUTSIDE / "cosigners"),
    GGZY_COSIGNERS=",".join(f"{name}=http://127.0.0.1:{free_port()}" for name in "abc"),
    GGZY_WITNESS_TRUST=str(_OUTSIDE / "cosigners" / "trust.json"),
    GGZY_DEMO_EXPERTPOOL_DIR=str(_OUTSIDE / "expertpool"),
    GGZY_EXPERT_POOL=f"ln=http://127.0.0.1:{free_port()}",
    GGZY_EXPERT_POOL_CENTRES="ln",
    GGZY_EXPERT_POOL_TRUST=str(_OUTSIDE / "expertpool" / "trust.json"),
)


def of_state(state: str) -> DrawRequest:
    """The request in `state` drawn (if it is) from the centres' own pool."""
    return DrawRequest.objects.exclude(source=Source.PROVINCIAL).get(state=state)


def test_the_pool_is_the_demo_experts_with_their_accounts_and_unverified_demo_codes(demo: Demo) -> None:
    pool = Expert.objects.filter(source=Source.LOCAL).select_related("user")
    assert pool.count() == 40
    assert all(e.user is not None and Role.EXPERT in user_roles(e.user) for e in pool)
    assert pool.filter(user__username=demo_experts.EXPERT_LOGIN, name="刘芳").exists()
    codes = Specialty.objects.all()
    assert codes.count() == len(demo_experts.SPECIALTIES)
    assert all(s.code.startswith("Z9") and not s.verified and "316" in s.source for s in codes)
    assert pool.filter(status="suspended").count() == 1
    assert Employment.objects.filter(until__isnull=False).count() >= 2  # employers with dates


def test_there_is_a_draw_request_in_every_state(demo: Demo) -> None:
    states = sorted(DrawRequest.objects.exclude(source=Source.PROVINCIAL).values_list("state", flat=True))
    assert states == sorted(
        [RequestState.REQUESTED, RequestState.FIXED, RequestState.DRAWN, RequestState.PUSHED]
    )
    fixed = of_state(RequestState.FIXED)
    assert fixed.eligible_sm3
    assert fixed.seed_draw is not None
    assert not fixed.seed
    assert not Call.objects.filter(request=fixed).exists()


def test_the_drawn_request_has_one_replacement_after_the_experts_own_decline(demo: Demo) -> None:
    drawn = of_state(RequestState.DRAWN)
    replacement = Call.objects.get(request=drawn, role=CallRole.REPLACEMENT)
    declined = Call.objects.get(request=drawn, sequence=replacement.replaces)
    assert declined.answer == Answer.DECLINED
    assert declined.specialty == replacement.specialty
    assert Call.objects.filter(request=drawn, answer=Answer.PENDING).count() == 0
    assert any("recomputed exactly" in line for line in verify_draw(str(drawn.uid)))


def test_the_bidders_employee_is_excluded_and_counted(demo: Demo) -> None:
    drawn = of_state(RequestState.DRAWN)
    assert drawn.exclusions["employer"] > 0
    employee = Expert.objects.get(
        employments__employer="辽宁天成建设集团有限公司", employments__until__isnull=True
    )
    listed = {uid for uids in services.eligible_of(drawn).values() for uid in uids}
    assert str(employee.uid) not in listed
    assert not Call.objects.filter(request=drawn, expert=employee).exists()


def test_the_pushed_roster_verifies_was_printed_once_and_has_fees_and_ratings(demo: Demo) -> None:
    pushed = of_state(RequestState.PUSHED)
    roster = services.roster_of(pushed)
    assert services.roster_verify(roster, pushed.roster_signature, pushed.roster_key)
    sources = [m["source"] for m in roster["members"]]
    roles = [m["role"] for m in roster["members"] if m["source"] == "pool"]
    assert sorted(roles) == ["principal"] * 4 + ["reserve"] * 2  # the reserves stand by
    assert sources.count("representative") == 1
    assert Event.objects.filter(type=ExpertsEvents.PRINTED.type).count() == 1
    sat = Call.objects.filter(request=pushed, answer=Answer.ACCEPTED, role=CallRole.PRINCIPAL)
    assert Fee.objects.filter(call__in=sat).count() == sat.count() == 4
    assert Rating.objects.filter(call__in=sat).count() == 4
    assert Fee.objects.count() == Rating.objects.count() == 4  # none for the reserves


def test_the_pushed_request_is_the_opened_sections_when_it_was_opened_before(demo: Demo) -> None:
    pushed = of_state(RequestState.PUSHED)
    opened = sealing.stages()[0]
    assert opened is not None
    window = opened.bid_window
    if window.opening_at < pushed.requested_at:  # the history had room for its opening (sealing.load)
        assert pushed.section == opened
        assert Fee.objects.filter(call__request=pushed).count() == 4  # its events take no embargo now
    else:
        assert pushed.section != opened  # not evaluated before its opening


def test_the_provincial_centres_draw_is_made_by_the_pool_with_one_replacement(demo: Demo) -> None:
    provincial = DrawRequest.objects.get(source=Source.PROVINCIAL)
    assert (provincial.state, provincial.centre, provincial.pool) == (RequestState.DRAWN, "ln", "ln")
    assert provincial.section is not None
    assert set(provincial.needs) == {"Z9A01", "Z9A02"}  # the pool's demo codes
    assert provincial.pool_draw
    assert provincial.pool_revision > 1
    calls = Call.objects.filter(request=provincial).select_related("expert")
    assert calls.count() == 6
    assert all(c.expert.source == Source.PROVINCIAL and c.expert.user is None for c in calls)
    assert {c.expert.pool_id for c in calls} == {
        s["card"]["id"] for s in list_of(provincial)["seats"] if s["excluded"] is None
    }
    replacement = calls.get(role=CallRole.REPLACEMENT)
    declined = calls.get(sequence=replacement.replaces)
    assert declined.answer == Answer.DECLINED
    assert not calls.filter(answer=Answer.PENDING).exists()
    seat = next(s for s in list_of(provincial)["seats"] if s["seat"] == declined.sequence)
    assert (seat["replaced_by"], seat["replaced_reason"]) == (replacement.sequence, "declined")
    assert Event.objects.filter(type=ExpertsEvents.POOL_DRAWN.type).count() == 1
    assert "provincial pool 1 (replacements 1)" in demo_experts.summary()


def test_a_second_run_changes_nothing(demo: Demo) -> None:
    def counts() -> list[int]:
        return [
            m.objects.count() for m in (Specialty, Expert, Employment, DrawRequest, Call, Fee, Rating, Event)
        ]

    before = counts()
    said: list[str] = []
    demo_experts.load(said.append)
    assert counts() == before
    assert said
    assert "pushed 1" in said[0]
