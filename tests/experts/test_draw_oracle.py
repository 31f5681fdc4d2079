"""The expert draw against an independent oracle (issue 33): random pools and requests, the eligible list
and the counts per rule compared with `tests/experts/oracle.py` (the rules in plain Python over the data the
test generated, never the database filter under test); every drawn expert eligible and called once; the
same inputs giving the same draw; replacements walking down each specialty's order as recomputed from
`ggzy_sm.randomness.ordering`; the members uniform over the eligible experts (fixed seeds, never flaky).

Each example runs on a frozen clock (the request made "now" at one of a few instants, one of them days
before 29 February 2028) inside a transaction that is rolled back, so the examples do not see each other."""

from __future__ import annotations

import datetime as dt
import math
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from ggzy.core import clock
from ggzy.core.errors import DomainError
from ggzy.core.fields import lookup_for
from ggzy.events.models import Event
from ggzy.experts import services
from ggzy.experts.draw import Walk
from ggzy.experts.errors import ExpertsError
from ggzy.experts.models import (
    Call,
    DrawRequest,
    Employment,
    Expert,
    ExpertSpecialty,
    Relation,
    Unavailability,
)
from ggzy.experts.states import Answer, RequestState
from tests.experts import oracle
from tests.experts.oracle import Job

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
DAY = dt.timedelta(days=1)
EXAMPLES = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

#: The instants a request is made at: an ordinary day, two days before 29 February 2028 in Beijing (the
#: evaluation day can fall on it, or on 1 March), and late February of a common year.
NOWS = (
    dt.datetime(2026, 12, 8, 3, 17, 5, tzinfo=dt.UTC),
    dt.datetime(2028, 2, 25, 16, 30, tzinfo=dt.UTC),
    dt.datetime(2027, 2, 25, 18, 0, 0, 250000, tzinfo=dt.UTC),
)
CODES = ("A08", "B02", "C05")  # the specialties a request may need
OTHER_CODE = "D01"  # a specialty no request here needs: its experts are never counted
ORGS = {
    "91210100MA0ORG0001": "沈阳某建设集团有限公司",
    "91210200MA0ORG0002": "大连某工程咨询有限公司",
    "91210100MA0ORG0003": "辽宁某设计研究院",
    "11210000MB0ORG0004": "辽宁省某厅",
    "91210300MA0ORG0005": "鞍山某监理有限公司",
}
RENAMED = {"91210100MA0ORG0003": "辽宁某设计研究院有限公司"}  # the same employer recorded under another name
SAFE_ORG = ("91210400MA0SAFE006", "抚顺某高校")  # never avoided
NOBODY = "91210100MA0NOBODY1"  # avoided, but nobody works there
NAMES = ("张伟", "王芳", "李娜", "刘洋", "陈静")
REGIONS = ("210102", "210103", "210202", "211002", "220102", "210302")
CITIES = ("", "2101", "2102", "2201")
TITLES = ("full_senior", "senior", "intermediate", "junior")
#: When earlier calls were made, relative to now: (now − 30 days, now] counts.
CALL_AGES = (
    dt.timedelta(days=60),
    dt.timedelta(days=31),
    dt.timedelta(days=30),
    dt.timedelta(days=30) - dt.timedelta(microseconds=1),
    dt.timedelta(days=29, hours=23, minutes=59, seconds=59),
    dt.timedelta(days=7),
    dt.timedelta(seconds=1),
    dt.timedelta(0),
)
MOST_CALLS = 5  # earlier calls of one expert (each from an earlier request of its own)


@dataclass(frozen=True)
class ExpertSpec:
    uid: uuid.UUID
    name: str
    birth_date: dt.date
    region: str
    title: str
    field_since: int
    status: str
    codes: tuple[str, ...]
    jobs: tuple[Job, ...]
    relations: tuple[str, ...]
    away: tuple[tuple[dt.date, dt.date], ...]
    calls: tuple[dt.datetime, ...]


@dataclass(frozen=True)
class World:
    """A pool and a request, as plain data."""

    now: dt.datetime
    evaluation_at: dt.datetime
    experts: tuple[ExpertSpec, ...]
    needs: dict[str, dict[str, int]]
    committee: int
    procurement: bool
    engineering: bool
    organisations: tuple[str, ...]
    supervising: tuple[str, ...]
    persons: tuple[int, ...]  # indexes of experts whose identity number is avoided
    stranger: bool  # and the identity number of someone not in the pool
    names: tuple[tuple[str, str], ...]
    remote_city: str
    max_calls: int
    age_limit: int

    @property
    def day(self) -> dt.date:
        return self.evaluation_at.astimezone(SH).date()


def id_number(index: int, born: dt.date) -> str:
    return f"210102{born:%Y%m%d}{index:03d}{index % 10}"


STRANGER_ID = "210102198001019990"


def anniversaries(day: dt.date, years: int) -> list[dt.date]:
    """The dates around `day` `years` earlier: the same month and day (both 28 February and 1 March for a
    29 February that the year lacks) and the days either side — the boundaries, found without the oracle."""
    year = day.year - years
    try:
        centres = [day.replace(year=year)]
    except ValueError:
        centres = [dt.date(year, 2, 28), dt.date(year, 3, 1)]
    return sorted({d + k * DAY for d in centres for k in (-1, 0, 1)})


@st.composite
def risky_expert(
    draw: st.DrawFn, uid: uuid.UUID, day: dt.date, age_limit: int, now: dt.datetime
) -> ExpertSpec:
    """An expert whose every attribute may sit on a rule's boundary."""
    births = anniversaries(day, age_limit + 1) + anniversaries(day, age_limit)
    births += [
        dt.date(y, 2, 29) for y in range(day.year - age_limit - 2, day.year - age_limit + 1) if y % 4 == 0
    ]
    born = draw(
        st.sampled_from(births)
        | st.builds(
            lambda years, days: day - dt.timedelta(days=365 * years + days),
            st.integers(25, 80),
            st.integers(0, 364),
        )
    )
    three = anniversaries(day, 3)
    since = st.sampled_from((None, day, day + DAY, day - DAY, day - 1000 * DAY, three[0]))
    until = st.sampled_from((None, day, day - DAY, day + DAY, *three, day - 2000 * DAY))

    def job(uscc: str, renamed: bool, begun: dt.date | None, ended: dt.date | None) -> Job:
        return Job(uscc, RENAMED.get(uscc, ORGS[uscc]) if renamed else ORGS[uscc], begun, ended)

    jobs = draw(
        st.lists(st.builds(job, st.sampled_from(sorted(ORGS)), st.booleans(), since, until), max_size=3)
    )
    days = st.sampled_from((-3, -1, 0, 1, 3)).map(lambda n: day + n * DAY)
    away = draw(st.lists(st.tuples(days, days).map(lambda p: (min(p), max(p))), max_size=2))
    return ExpertSpec(
        uid=uid,
        name=draw(st.sampled_from(NAMES)),
        birth_date=born,
        region=draw(st.sampled_from(REGIONS)),
        title=draw(st.sampled_from(TITLES)),
        field_since=draw(
            st.sampled_from((day.year - 8, day.year - 7, day.year - 9)) | st.integers(1980, day.year)
        ),
        status=draw(st.sampled_from(("active", "suspended"))),
        codes=tuple(sorted(draw(st.sets(st.sampled_from((*CODES, OTHER_CODE)), min_size=1)))),
        jobs=tuple(jobs),
        relations=tuple(draw(st.lists(st.sampled_from(sorted(ORGS)), max_size=2))),
        away=tuple(away),
        calls=tuple(now - age for age in draw(st.lists(st.sampled_from(CALL_AGES), max_size=MOST_CALLS))),
    )


@st.composite
def plain_expert(draw: st.DrawFn, uid: uuid.UUID, index: int, day: dt.date) -> ExpertSpec:
    """An expert no rule of these requests can touch (unless its city is the remote one)."""
    return ExpertSpec(
        uid=uid,
        name=f"专家{index:03d}",
        birth_date=day - dt.timedelta(days=365 * draw(st.integers(35, 55))),
        region=draw(st.sampled_from(("210302", "211002"))),
        title=draw(st.sampled_from(("full_senior", "senior"))),
        field_since=day.year - draw(st.integers(10, 30)),
        status="active",
        codes=tuple(sorted(draw(st.sets(st.sampled_from((*CODES, OTHER_CODE)), min_size=1)))),
        jobs=(Job(SAFE_ORG[0], SAFE_ORG[1], None, None),),
        relations=(),
        away=(),
        calls=(),
    )


@st.composite
def worlds(
    draw: st.DrawFn,
    sizes: tuple[int, int] = (10, 40),
    risky: int = 5,
    committees: tuple[int, ...] = (5, 7, 9),
    leap: bool = False,
) -> World:
    """A pool of `sizes` experts, about `risky` in ten of them on the rules' boundaries, and a request
    (`leap`: evaluated on 29 February or 1 March 2028)."""
    now = NOWS[1] if leap else draw(st.sampled_from(NOWS))
    today = now.astimezone(SH).date()
    if leap:
        ahead = draw(st.sampled_from((dt.date(2028, 2, 29), dt.date(2028, 3, 1)))) - today
    else:
        ahead = draw(st.sampled_from((1, 2, 3, 4)) | st.integers(1, 40)) * DAY
    at = draw(st.sampled_from((dt.time(0, 0), dt.time(9, 30), dt.time(23, 59, 59))))
    evaluation_at = dt.datetime.combine(today + ahead, at, SH)
    day = evaluation_at.date()
    age_limit = draw(st.sampled_from((70, 65, 60)) | st.integers(30, 70))
    n = draw(st.integers(*sizes))
    uids = draw(st.lists(st.uuids(), min_size=n, max_size=n, unique=True))
    experts = tuple(
        draw(risky_expert(uid, day, age_limit, now))
        if draw(st.integers(0, 9)) < risky
        else draw(plain_expert(uid, i, day))
        for i, uid in enumerate(uids)
    )
    codes = sorted(draw(st.sets(st.sampled_from(CODES), min_size=1)))
    committee = draw(st.sampled_from(committees))
    total = draw(st.integers(math.ceil(2 * committee / 3), committee))
    counts = dict.fromkeys(codes, 1)
    for _ in range(total - len(codes)):
        counts[draw(st.sampled_from(codes))] += 1
    needs = {code: {"count": counts[code], "reserves": draw(st.integers(0, 2))} for code in codes}
    names = st.tuples(
        st.sampled_from((*NAMES, "赵六")),
        st.sampled_from(("", *ORGS.values(), *RENAMED.values(), "某不相干公司")),
    )
    return World(
        now=now,
        evaluation_at=evaluation_at,
        experts=experts,
        needs=needs,
        committee=committee,
        procurement=draw(st.booleans()),
        engineering=draw(st.booleans()),
        organisations=tuple(
            draw(st.lists(st.sampled_from((*sorted(ORGS), NOBODY)), max_size=3, unique=True))
        ),
        supervising=tuple(draw(st.lists(st.sampled_from(sorted(ORGS)), max_size=2, unique=True))),
        persons=tuple(draw(st.lists(st.integers(0, n - 1), max_size=3, unique=True))),
        stranger=draw(st.booleans()),
        names=tuple(draw(st.lists(names, max_size=3))),
        remote_city=draw(st.sampled_from(CITIES)),
        max_calls=draw(st.integers(1, 4)),
        age_limit=age_limit,
    )


seeds = st.binary(min_size=32, max_size=32).map(bytes.hex)
#: What the experts answer, in turn: which pending call (an index taken modulo their number) and how.
answers = st.lists(
    st.tuples(st.sampled_from(("declined", "declined", "accepted")), st.integers(0, 99)), max_size=6
)


@contextmanager
def frozen(now: dt.datetime) -> Iterator[None]:
    """The platform's clock stopped at `now`, and everything done inside rolled back."""
    with mock.patch.object(clock, "now", return_value=now), transaction.atomic():
        yield
        transaction.set_rollback(True)


def build(world: World, *, users: bool = False) -> tuple[list[oracle.Person], oracle.Rules]:
    """The pool in the database, its earlier calls included, and the same pool and rules as the oracle
    takes them (from the generated data, never read back from the database)."""
    most = max((len(e.calls) for e in world.experts), default=0)
    earlier = [
        services.request_make(
            actor=None,
            centre="ln",
            region="210000",
            evaluation_at=world.now + DAY,
            place="辽宁省公共资源交易中心 评标室 1",
            needs={OTHER_CODE: {"count": 5, "reserves": 0}},
            committee=5,
        )
        for _ in range(most)
    ]
    pool = []
    lookups = []
    for i, spec in enumerate(world.experts):
        number = id_number(i, spec.birth_date)
        expert = Expert.objects.create(
            uid=spec.uid,
            name=spec.name,
            id_number=number,
            birth_date=spec.birth_date,
            region=spec.region,
            title=spec.title,
            field_since=spec.field_since,
            status=spec.status,
            centre="ln",
            registered_at=world.now - 400 * DAY,
            user=get_user_model().objects.create_user(username=f"expert-{spec.uid}") if users else None,
        )
        ExpertSpecialty.objects.bulk_create(ExpertSpecialty(expert=expert, code=code) for code in spec.codes)
        Employment.objects.bulk_create(
            Employment(expert=expert, uscc=j.uscc, employer=j.employer, since=j.since, until=j.until)
            for j in spec.jobs
        )
        Relation.objects.bulk_create(
            Relation(expert=expert, uscc=uscc, kind="interest") for uscc in spec.relations
        )
        Unavailability.objects.bulk_create(
            Unavailability(expert=expert, start=start, end=end, recorded_at=world.now - 10 * DAY)
            for start, end in spec.away
        )
        Call.objects.bulk_create(
            Call(
                request=earlier[k],
                specialty=OTHER_CODE,
                position=i,
                expert=expert,
                role="principal",
                sequence=i,
                called_at=at,
            )
            for k, at in enumerate(spec.calls)
        )
        lookup = lookup_for(Expert, "id_number", number)
        lookups.append(lookup)
        pool.append(
            oracle.Person(
                uid=str(spec.uid),
                name=spec.name,
                lookup=lookup,
                birth_date=spec.birth_date,
                region=spec.region,
                title=spec.title,
                field_since=spec.field_since,
                status=spec.status,
                codes=frozenset(spec.codes),
                jobs=spec.jobs,
                relations=spec.relations,
                away=spec.away,
                calls=spec.calls,
            )
        )
    persons = [lookups[i] for i in world.persons]
    if world.stranger:
        persons.append(lookup_for(Expert, "id_number", STRANGER_ID))
    rules = oracle.Rules(
        day=world.day,
        now=world.now,
        procurement=world.procurement,
        engineering=world.engineering,
        organisations=frozenset(world.organisations),
        supervising=frozenset(world.supervising),
        persons=frozenset(persons),
        names=world.names,
        remote_city=world.remote_city,
        max_calls=world.max_calls,
        age_limit=world.age_limit,
    )
    return pool, rules


def request_for(world: World, rules: oracle.Rules) -> DrawRequest:
    return services.request_make(
        actor=None,
        centre="ln",
        region="210000",
        evaluation_at=world.evaluation_at,
        place="辽宁省公共资源交易中心 评标室 3",
        needs=world.needs,
        committee=world.committee,
        procurement=world.procurement,
        engineering=world.engineering,
        avoid={
            "organisations": list(world.organisations),
            "supervising": list(world.supervising),
            "persons": sorted(rules.persons),
            "names": [list(pair) for pair in world.names],
        },
        remote_city=world.remote_city,
        max_calls_30_days=world.max_calls,
        age_limit=world.age_limit,
    )


def short_of(world: World, eligible: dict[str, list[str]]) -> dict[str, int]:
    """The specialties with fewer eligible experts than they need with their reserves."""
    return {
        code: len(eligible[code])
        for code, need in world.needs.items()
        if len(eligible[code]) < need["count"] + need["reserves"]
    }


def counted(exclusions: dict[str, int]) -> dict[str, int]:
    """The code's counts with the rules no one broke left out (after checking it names only known rules)."""
    assert set(exclusions) <= set(oracle.RULES), exclusions
    return {rule: n for rule, n in exclusions.items() if n}


def recorded(request: DrawRequest) -> list[tuple[int, str, int, str, str, int | None]]:
    calls = Call.objects.filter(request=request).select_related("expert").order_by("sequence")
    return [(c.sequence, c.specialty, c.position, str(c.expert.uid), c.role, c.replaces) for c in calls]


def pending(request: DrawRequest) -> list[Call]:
    found = Call.objects.filter(request=request, answer=Answer.PENDING).select_related("expert__user")
    return list(found.order_by("sequence"))


# 1. The eligible list and the counts --------------------------------------------------------------------


@settings(EXAMPLES, max_examples=30)
@given(world=worlds())
def test_the_eligible_list_and_the_counts_per_rule_are_the_oracle_s(world: World) -> None:
    eligible_as_the_oracle_says(world)


@EXAMPLES
@given(world=worlds(leap=True))
def test_the_eligible_list_on_29_february_and_1_march(world: World) -> None:
    """29 February 2028 less 3 or 71 years is no day: 28 February then (so 1 March is the day after)."""
    eligible_as_the_oracle_says(world)


def eligible_as_the_oracle_says(world: World) -> None:
    with frozen(world.now):
        pool, rules = build(world)
        made = request_for(world, rules)
        expected = oracle.eligible(pool, sorted(world.needs), rules)
        counts = oracle.exclusions(pool, sorted(world.needs), rules)
        short = short_of(world, expected)
        event("refused: too few" if short else "fixed")
        if short:
            with pytest.raises(DomainError) as refused:
                services.request_fix(actor=None, request=made)
            assert refused.value.code == ExpertsError.TOO_FEW
            assert refused.value.detail["eligible"] == short
            assert counted(refused.value.detail["excluded"]) == counts
            made.refresh_from_db()
            assert made.state == RequestState.REQUESTED
            assert (made.eligible_sm3, made.exclusions, made.fixed_at) == ("", {}, None)
            assert made.fixed_event is None
            assert services.fixed_event(made) is None
            assert not Event.objects.filter(
                type="experts.eligible.fixed", document__contains=str(made.uid)
            ).exists()
        else:
            fixed = services.request_fix(actor=None, request=made)
            fixed.refresh_from_db()
            assert fixed.state == RequestState.FIXED
            assert services.eligible_of(fixed) == expected
            assert counted(fixed.exclusions) == counts


# 2.–4. The draw ----------------------------------------------------------------------------------------

DRAWABLE = worlds(sizes=(20, 32), risky=3, committees=(5,))


def fixed_for(
    world: World, *, users: bool = True
) -> tuple[list[oracle.Person], oracle.Rules, DrawRequest, dict[str, list[str]]]:
    pool, rules = build(world, users=users)
    expected = oracle.eligible(pool, sorted(world.needs), rules)
    assume(not short_of(world, expected))
    fixed = services.request_fix(actor=None, request=request_for(world, rules))
    return pool, rules, fixed, expected


def answer(call: Call, how: str) -> None:
    assert call.expert.user is not None
    services.call_answer(actor=call.expert.user, call=call, answer=how)


def take_turns(fixed: DrawRequest, turns: list[tuple[str, int]]) -> None:
    """The experts answer in turn, each time one of the calls still pending; a decline that finds no one
    left in its specialty's order is refused (and the call stays pending)."""
    for how, pick in turns:
        waiting = pending(fixed)
        if not waiting:
            return
        answer(waiting[pick % len(waiting)], how)


@EXAMPLES
@given(world=DRAWABLE, seed=seeds, turns=answers)
def test_every_expert_called_is_eligible_for_its_specialty_and_called_once(
    world: World, seed: str, turns: list[tuple[str, int]]
) -> None:
    with frozen(world.now):
        pool, rules, fixed, _ = fixed_for(world)
        services.calls_make(actor=None, request=fixed, seed=seed)
        take_turns(fixed, turns)
        by_uid = {p.uid: p for p in pool}
        calls = recorded(fixed)
        assert calls, "a drawn request calls someone"
        for _, specialty, _, uid, _, _ in calls:
            person = by_uid[uid]
            assert specialty in world.needs
            assert specialty in person.codes
            assert oracle.broken(person, rules) == set(), (uid, specialty)
        assert len({uid for _, _, _, uid, _, _ in calls}) == len(calls)


@EXAMPLES
@given(world=DRAWABLE, seed=seeds, turns=answers)
def test_replacements_walk_down_each_specialty_s_order(
    world: World, seed: str, turns: list[tuple[str, int]]
) -> None:
    """The first calls and every replacement recomputed from `ordering` over the oracle's sorted list."""
    with frozen(world.now):
        _, _, fixed, expected = fixed_for(world)
        walker = oracle.Walker(seed, expected)
        walker.first(world.needs)
        services.calls_make(actor=None, request=fixed, seed=seed)

        def walked() -> list[tuple[int, str, int, str, str, int | None]]:
            return [
                (i, m.specialty, m.position, m.expert, m.role, m.replaces) for i, m in enumerate(walker.made)
            ]

        assert recorded(fixed) == walked()
        for how, pick in turns:
            waiting = pending(fixed)
            if not waiting:
                break
            call = waiting[pick % len(waiting)]
            if (
                how == Answer.DECLINED
                and walker.call(call.specialty, "replacement", replaces=call.sequence) is None
            ):
                answer(call, how)
                event("a specialty's order ran out")
                call.refresh_from_db()
                assert call.answer == Answer.DECLINED  # the decline stands; no one is left to call
                assert not Call.objects.filter(request=fixed, replaces=call.sequence).exists()
            else:
                answer(call, how)
            assert recorded(fixed) == walked()


def drawn_by_name(
    world: World, seed: str, turns: list[tuple[str, int]]
) -> tuple[str, list[tuple[object, ...]]]:
    with frozen(world.now):
        _, _, fixed, _ = fixed_for(world)
        services.calls_make(actor=None, request=fixed, seed=seed)
        take_turns(fixed, turns)
        calls = Call.objects.filter(request=fixed).select_related("expert").order_by("sequence")
        return fixed.eligible_sm3, [
            (c.specialty, c.position, c.expert.name, str(c.expert.uid), c.role, c.replaces, c.answer)
            for c in calls
        ]


@settings(EXAMPLES, max_examples=12)
@given(world=DRAWABLE, seed=seeds, turns=answers)
def test_the_same_pool_request_and_seed_give_the_same_draw(
    world: World, seed: str, turns: list[tuple[str, int]]
) -> None:
    """The pool registered twice (the same uids: the list is of uids), each time rolled back."""
    assert drawn_by_name(world, seed, turns) == drawn_by_name(world, seed, turns)


# 5. Uniformity -----------------------------------------------------------------------------------------

#: The chi-square critical value at p = 0.001 with 9 degrees of freedom: the x where the upper tail
#: 1 − P(9/2, x/2) (regularised lower incomplete gamma, by its power series) equals 0.001, found by
#: bisection = 27.8772; a table gives 27.877.
CHI2_DF9_P001 = 27.877
M, K, N = 10, 4, 6000  # eligible experts, members drawn (a committee of 5 has 4 or 5), fixed seeds


def test_each_eligible_expert_is_a_member_equally_often() -> None:
    """`draw.Walk(seed, eligible).first(needs)` over N fixed seeds f"{k:064x}" (pure: a DB draw per seed,
    `services.calls_make` with its request, would take minutes), each checked against the oracle's walk;
    the DB-side draw is checked for a few of the same seeds in the next test.

    A member set is k of m without replacement, so the cells of Σ(O − E)²/E are not multinomial: the sum
    is (m − k)/(m − 1)·χ²(m − 1) (each seed's indicator vector has covariance p(m − k)/(m − 1)·(I − J/m),
    p = k/m); scaled by (m − 1)/(m − k) it is χ²(m − 1). The first member alone is one of m: plain χ²."""
    listed = [str(uuid.UUID(int=i + 1)) for i in range(M)]
    needs = {"A08": {"count": K, "reserves": 0}}
    members: Counter[str] = Counter()
    firsts: Counter[str] = Counter()
    for k in range(N):
        seed = f"{k:064x}"
        seats = Walk(seed, {"A08": listed}).first(needs)
        mine = oracle.Walker(seed, {"A08": listed}).first(needs)
        assert [(s.position, s.expert, s.role) for s in seats] == [
            (m.position, m.expert, m.role) for m in mine
        ]
        assert [s.role for s in seats] == ["principal"] * K
        assert len({s.expert for s in seats}) == K
        members.update(s.expert for s in seats)
        firsts[seats[0].expert] += 1
    expected = N * K / M
    spread = sum((members[uid] - expected) ** 2 / expected for uid in listed) * (M - 1) / (M - K)
    assert spread < CHI2_DF9_P001, (spread, members)
    expected_first = N / M
    first_spread = sum((firsts[uid] - expected_first) ** 2 / expected_first for uid in listed)
    assert first_spread < CHI2_DF9_P001, (first_spread, firsts)


def test_the_database_draw_is_the_walk_for_fixed_seeds() -> None:
    """One pool of M experts, one request per seed: `services.calls_make` calls the oracle's members."""
    now = NOWS[0]
    world = World(
        now=now,
        evaluation_at=now + 2 * DAY,
        experts=(),
        needs={"A08": {"count": K, "reserves": 0}},
        committee=5,
        procurement=False,
        engineering=True,
        organisations=(),
        supervising=(),
        persons=(),
        stranger=False,
        names=(),
        remote_city="",
        max_calls=100,  # the same ten experts are called again and again here
        age_limit=70,
    )
    with frozen(now):
        for i in range(M):
            expert = Expert.objects.create(
                name=f"专家{i:03d}",
                id_number=id_number(i, dt.date(1970, 1, 1)),
                birth_date=dt.date(1970, 1, 1),
                region="210102",
                title="senior",
                field_since=2000,
                centre="ln",
                registered_at=now,
            )
            ExpertSpecialty.objects.create(expert=expert, code="A08")
        listed = sorted(str(uid) for uid in Expert.objects.values_list("uid", flat=True))
        for k in range(8):
            seed = f"{k:064x}"
            fixed = services.request_fix(
                actor=None, request=request_for(world, oracle.Rules(day=world.day, now=now))
            )
            assert services.eligible_of(fixed) == {"A08": listed}
            services.calls_make(actor=None, request=fixed, seed=seed)
            mine = oracle.Walker(seed, {"A08": listed}).first(world.needs)
            assert recorded(fixed) == [
                (i, m.specialty, m.position, m.expert, m.role, None) for i, m in enumerate(mine)
            ]
