"""The drawn experts of the differential crawl's worlds (tests/sealing/test_differential_crawl.py; the
secrecy table's `drawn_experts` row; docs/experts.md).

Both worlds hold the same pool of 15 experts of the centre (the same names, identity numbers and users) and
the same draw request for the crawl's section — its evaluation the day after the opening — with its eligible
list fixed and its 7 experts (5 members, 2 reserves) called from the same seed, through the services. The
worlds differ only in who was drawn: each expert's uid is fixed, ascending with its number in one world and
descending in the other, so the same positions of the seed's order fall on other people. One called expert
declined in both worlds (its replacement called). The crawl's `expert` identity is the pool's 15th expert,
suspended in both worlds: never eligible, so its own pages are the same in both. The roster is not pushed:
the crawl asks before the opening, long before the push."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.contrib.auth import get_user_model

from ggzy.accounts.models import RoleGrant
from ggzy.core import clock
from ggzy.core.roles import Role
from ggzy.experts import services as experts
from ggzy.experts.models import Call, Expert, ExpertSpecialty, Title
from ggzy.experts.states import Answer
from tests import factories

POOL = 15
SEED = "3c" * 32
SPECIALTY = "DEMO-A01"
SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩"


def _uid(n: int, *, hidden: bool) -> uuid.UUID:
    """Expert n's uid: ascending with n in one world, descending in the other (the draw's order is by uid)."""
    return uuid.UUID(int=(POOL - n) if hidden else (n + 1))


def experts_world(stage: Any, expert_user: Any, *, hidden: bool) -> dict[str, str]:
    """The pool, the request fixed and drawn, one decline and its replacement; the probes naming them."""
    now = clock.now()
    pool = []
    for n in range(POOL):
        if n == POOL - 1:
            user = expert_user
        else:
            user = get_user_model().objects.create_user(username=f"pool-expert-{n}")
            RoleGrant.objects.create(user=user, role=Role.EXPERT, granted_at=now)
        made = Expert.objects.create(
            uid=_uid(n, hidden=hidden),
            name=f"{SURNAMES[n]}评审",
            id_number=factories.make_resident_id(700 + n, birth="19700101"),
            birth_date=dt.date(1970, 1, 1),
            region="210102",
            title=Title.SENIOR,
            field_since=2000,
            centre=stage.section.centre.code,
            registered_at=now,
            user=user,
            status="suspended" if n == POOL - 1 else "active",
        )
        ExpertSpecialty.objects.create(expert=made, code=SPECIALTY)
        pool.append(made)
    section = stage.section
    request = experts.request_make(
        actor=stage.world.agent_user,
        centre=pool[0].centre,
        region=section.tender_project.project.region,
        evaluation_at=stage.deadline + dt.timedelta(days=1),
        place="评标室 3",
        needs={SPECIALTY: {"count": 5, "reserves": 2}},
        committee=7,
        section=section,
        engineering=True,
        avoid=experts.avoid_for_section(section, day=(stage.deadline + dt.timedelta(days=1)).date()),
    )
    fixed = experts.request_fix(actor=None, request=request)
    experts.calls_make(actor=None, request=fixed, seed=SEED)
    first = Call.objects.filter(request=fixed).select_related("expert").order_by("sequence").first()
    assert first is not None
    experts.call_answer(actor=first.expert.user, call=first, answer=Answer.DECLINED)
    called = sorted(Call.objects.filter(request=fixed).values_list("expert__name", flat=True))
    return {"request_uid": str(fixed.uid), "drawn": ",".join(called)}
