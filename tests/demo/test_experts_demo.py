"""The demo's evaluation experts (issue 33): a pool of forty linked to the demo's expert users, a draw request
in every state made through the services with the demo's beacons and co-signers running, one replacement
called after an expert's own decline, a bidder's employee excluded (counted), the pushed roster signed and
verified, printed once by the appointed keeper, fees and ratings after the evaluation; a second run
changes nothing."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from ggzy.accounts.selectors import user_roles
from ggzy.core.roles import Role
from ggzy.demo import experts as demo_experts
from ggzy.events.models import Event
from ggzy.experts import services
from ggzy.experts.event_types import ExpertsEvents
from ggzy.experts.management.commands.experts import verify_draw
from ggzy.experts.models import Call, DrawRequest, Employment, Expert, Fee, Rating, Specialty
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
)


def of_state(state: str) -> DrawRequest:
    return DrawRequest.objects.get(state=state)


def test_the_pool_is_the_demo_experts_with_their_accounts_and_unverified_demo_codes(demo: Demo) -> None:
    pool = Expert.objects.select_related("user")
    assert pool.count() == 40
    assert all(e.user is not None and Role.EXPERT in user_roles(e.user) for e in pool)
    assert pool.filter(user__username=demo_experts.EXPERT_LOGIN, name="刘芳").exists()
    codes = Specialty.objects.all()
    assert codes.count() == len(demo_experts.SPECIALTIES)
    assert all(s.code.startswith("DEMO-") and not s.verified and "316" in s.source for s in codes)
    assert pool.filter(status="suspended").count() == 1
    assert Employment.objects.filter(until__isnull=False).count() >= 2  # employers with dates


def test_there_is_a_draw_request_in_every_state(demo: Demo) -> None:
    states = sorted(DrawRequest.objects.values_list("state", flat=True))
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
