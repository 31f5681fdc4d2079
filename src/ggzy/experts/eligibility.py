"""Who may be drawn for a request, decided in the database (one query per rule for its count, one for the
list): the rules of docs/experts.md as `Q` objects over the pool. Each rule has a code; the counts per code
are published with the draw (never names). An expert excluded by several rules counts under each.

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

from django.db.models import BooleanField, Count, ExpressionWrapper, Q

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
    (`pk IN (…)`; `expert_id` is never null), not a subquery per expert (benchmarks/expert_draw.py)."""
    employed_from = years_before(day, PROCUREMENT_YEARS) if procurement else day
    started = Q(since__isnull=True) | Q(since__lte=day)
    frequent = (
        Call.objects.filter(called_at__gt=at - dt.timedelta(days=RECENT_DAYS), called_at__lte=at)
        .order_by()
        .values("expert")
        .annotate(n=Count("pk"))
        .filter(n__gte=max_calls)
        .values("expert")
    )
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
        "frequent": Q(pk__in=frequent) if max_calls > 0 else NOBODY,
        "experience": (Q(field_since__gt=day.year - ENGINEERING_YEARS) | ~Q(title__in=SENIOR_TITLES))
        if engineering
        else NOBODY,
        "same_city": Q(region__startswith=remote_city) if remote_city else NOBODY,
    }


def eligible(*, codes: list[str], rules: dict[str, Q]) -> tuple[dict[str, list[str]], dict[str, int]]:
    """The eligible experts' uids per specialty code (sorted: the fixed list's order) and, per rule, how
    many experts of those specialties it excludes — in one query: each expert of the specialties (a row
    per specialty it has among them) with one column per rule, true where the rule excludes it, decided by
    the database; here only tallied."""
    live = {rule: q for rule, q in rules.items() if q != NOBODY}
    flags = {f"x_{rule}": ExpressionWrapper(q, output_field=BooleanField()) for rule, q in live.items()}
    rows = (
        Expert.objects.filter(specialties__code__in=codes)
        .annotate(**flags)
        .values_list("specialties__code", "uid", *flags)
    )
    counts = dict.fromkeys(rules, 0)
    found: dict[str, list[str]] = {code: [] for code in codes}
    seen: set[object] = set()
    for code, uid, *excluded in rows:
        if uid not in seen:
            seen.add(uid)
            for rule, hit in zip(live, excluded, strict=True):
                counts[rule] += bool(hit)
        if not any(excluded):
            found[code].append(str(uid))
    return {code: sorted(uids) for code, uids in found.items()}, counts
