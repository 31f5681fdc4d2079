"""Who may be drawn for a request, decided in the database (one query for the counts and the list): the
rules of docs/experts.md as `Q` objects over the pool. Each rule has a code; the counts per code are
published with the draw (never names). An expert excluded by several rules counts under each.

The rules (the legal basis of each in docs/experts.md):

* `specialty` — none of the request's specialties (not counted: the pool is the request's specialties);
* `suspended` — not active;
* `over_age` — older, in completed years on the evaluation day, than the request's age limit ("N 周岁以下"
  includes N: 民法典 §1259);
* `unavailable` — a recorded unavailability covers the evaluation day (Beijing time);
* `employer` — employed on the evaluation day by an organisation to avoid (the initiator, the agent, every
  bidder and consortium member, their controllers as the library records them) — in procurement also within
  the 3 years before it (政府采购法实施条例 §9);
* `related` — a recorded relation to an organisation to avoid;
* `supervising` — employed on the evaluation day by a department supervising the project (实施条例 §46);
* `person` — the person is one to avoid: tied to an organisation to avoid in the market-entity library
  (professional, key staff, controller, within 3 years), or who prepared the documents;
* `named` — an accepted avoidance request names the expert (name, and the employer where given);
* `frequent` — called for at least the request's maximum number of draws in the 30 days before it;
* `experience` — engineering: fewer than 8 years in the field or no senior title (招标投标法 §37);
* `same_city` — remote evaluation: from the city the request names."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.db import connection, transaction
from django.db.models import Case, Exists, IntegerField, OuterRef, Q, Value, When

from ggzy.experts.models import (
    SENIOR_TITLES,
    Call,
    Employment,
    Expert,
    ExpertStatus,
    Relation,
)
from ggzy.experts.models import Unavailability as Unavailable

#: In procurement an employer within this many years before the evaluation is avoided too (实施条例 §9).
PROCUREMENT_YEARS = 3
#: Engineering experts: at least this many years in the field, and a senior title (招标投标法 §37).
ENGINEERING_YEARS = 8
#: The window of the frequency rule.
RECENT_DAYS = 30

#: How the eligibility query is planned on PostgreSQL (see `eligible`), for its transaction only.
PLANNED = "SET LOCAL random_page_cost = 1.1; SET LOCAL max_parallel_workers_per_gather = 0"

#: The rule that excludes nobody (a request that lists no one to avoid of that kind).
NOBODY = Q(pk__in=[])

RULES = (
    "suspended",
    "over_age",
    "unavailable",
    "employer",
    "related",
    "supervising",
    "person",
    "named",
    "frequent",
    "experience",
    "same_city",
)


def years_before(day: dt.date, years: int) -> dt.date:
    """The same calendar day `years` earlier (29 February → 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def rule_q(
    *,
    day: dt.date,
    at: dt.datetime,
    procurement: bool,
    engineering: bool,
    organisations: list[str],
    supervising: list[str],
    persons: list[str],
    names: list[tuple[str, str]],
    max_calls: int,
    age_limit: int,
    remote_city: str,
) -> dict[str, Q]:
    """Each rule's exclusion as a `Q` over `Expert`, for an evaluation on `day` (the request made at `at`).
    The rules that look at other tables are sets of experts computed once from those tables' indexes
    (`pk IN (…)`; `expert_id` is never null), not a subquery per expert — except the frequency rule, which
    looks up each expert's recent calls by its index and stops at the `max_calls`-th (the window holds
    every call of the province; benchmarks/expert_draw.py)."""
    employed_from = years_before(day, PROCUREMENT_YEARS) if procurement else day
    started = Q(since__isnull=True) | Q(since__lte=day)
    # at least `max_calls` calls in the window: the expert's `max_calls`-th call exists — per expert of the
    # request's specialties from the (expert, called_at) index, stopping at that call; not every expert's
    # calls of the window counted (the window holds the whole province's calls)
    frequent = Call.objects.filter(
        expert=OuterRef("pk"), called_at__gt=at - dt.timedelta(days=RECENT_DAYS), called_at__lte=at
    ).order_by()[max(0, max_calls - 1) : max(1, max_calls)]
    named = NOBODY
    for name, employer in names:
        if employer:
            current = Employment.objects.filter(started, employer=employer, expert__name=name).filter(
                Q(until__isnull=True) | Q(until__gte=employed_from)
            )
            named |= Q(name=name) & Q(pk__in=current.values("expert"))
        else:
            named |= Q(name=name)
    # born on or before this day: older than the limit on `day` (aged limit + 1 or more)
    too_old = years_before(day, age_limit + 1)
    employed = (
        Employment.objects.filter(started, uscc__in=organisations)
        .filter(Q(until__isnull=True) | Q(until__gte=employed_from))
        .values("expert")
    )
    supervisors = (
        Employment.objects.filter(started, uscc__in=supervising)
        .filter(Q(until__isnull=True) | Q(until__gte=day))
        .values("expert")
    )
    return {
        "suspended": ~Q(status=ExpertStatus.ACTIVE),
        "over_age": Q(birth_date__lte=too_old),
        "unavailable": Q(pk__in=Unavailable.objects.filter(start__lte=day, end__gte=day).values("expert")),
        "employer": Q(pk__in=employed) if organisations else NOBODY,
        "related": Q(pk__in=Relation.objects.filter(uscc__in=organisations).values("expert"))
        if organisations
        else NOBODY,
        "supervising": Q(pk__in=supervisors) if supervising else NOBODY,
        "person": Q(id_number_lookup__in=persons) if persons else NOBODY,
        "named": named,
        "frequent": Q(Exists(frequent)) if max_calls > 0 else NOBODY,
        "experience": (Q(field_since__gt=day.year - ENGINEERING_YEARS) | ~Q(title__in=SENIOR_TITLES))
        if engineering
        else NOBODY,
        "same_city": Q(region__startswith=remote_city) if remote_city else NOBODY,
    }


def eligible(*, codes: list[str], rules: dict[str, Q]) -> tuple[dict[str, list[str]], dict[str, int]]:
    """The eligible experts' uids per specialty code (sorted: the fixed list's order) and, per rule, how
    many experts of those specialties it excludes — in one query: each expert of the specialties (a row
    per specialty it has among them) with the rules that exclude it as one bit each of a number, decided
    by the database; here only tallied (by the few distinct numbers, not row by row).

    On PostgreSQL the query is planned for a pool held in memory (`random_page_cost` 1.1, as PostgreSQL's
    documentation suggests for storage whose random reads cost little more than sequential ones) and
    without parallel workers (each worker would build every rule's set again): the experts of the
    specialties are found by their index, not by reading the whole pool (benchmarks/expert_draw.py:
    200,000 experts: p50 109 → 55 ms; docs/experts.md)."""
    live = {rule: q for rule, q in rules.items() if q != NOBODY}
    bits = [When(q, then=Value(1 << n)) for n, q in enumerate(live.values())]
    excluded = sum(
        (Case(bit, default=Value(0), output_field=IntegerField()) for bit in bits),
        start=Value(0, output_field=IntegerField()),
    )
    rows = (
        Expert.objects.filter(specialties__code__in=codes)
        .annotate(x_excluded=excluded)
        .values_list("specialties__code", "uid", "x_excluded")
    )
    found: dict[str, list[str]] = {code: [] for code in codes}
    of_expert: dict[object, int] = {}
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(PLANNED)
        for code, uid, mask in rows:
            of_expert[uid] = mask
            if not mask:
                found[code].append(str(uid))
    counts = dict.fromkeys(rules, 0)
    for mask, experts in Counter(of_expert.values()).items():
        for n, rule in enumerate(live):
            if mask >> n & 1:
                counts[rule] += experts
    return {code: sorted(uids) for code, uids in found.items()}, counts
