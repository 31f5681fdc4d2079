"""An independent oracle of the expert draw (issue 33): the eligibility rules and the walk down each
specialty's order, in plain Python over the data a test generated — never through the ORM, never through
`ggzy.experts.eligibility` or `ggzy.experts.draw`. The rules are written from the law as the issue states
them (the evaluation day D, the request made "now"):

    suspended    status is not "active"
    over_age     older than the age limit in completed years on D: born on or before D minus (limit + 1)
                 years (29 Feb → 28 Feb)
    unavailable  an unavailability with start ≤ D ≤ end
    employer     an employment at an organisation to avoid, begun by D (or undated), not ended before D —
                 in government procurement not ended before D minus 3 years (the same calendar day)
    related      any relation to an organisation to avoid
    supervising  an employment at a supervising department, current on D
    person       the identity number's search hash among the persons to avoid
    named        a name to avoid, with its employer (the employer's name as recorded) current on D (in
                 procurement within the 3 years), or the name alone when no employer is given
    frequent     at least `max_calls` calls in (now − 30 days, now]
    experience   engineering only: in the field fewer than 8 years by D's year, or no senior title
    same_city    remote evaluation: the expert's region is in the request's city
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import islice

from ggzy_sm.randomness import ordering

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
SENIOR = frozenset({"full_senior", "senior"})
WINDOW = dt.timedelta(days=30)


def years_before(day: dt.date, years: int) -> dt.date:
    """The same calendar day `years` earlier; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


@dataclass(frozen=True)
class Job:
    uscc: str
    employer: str
    since: dt.date | None
    until: dt.date | None


@dataclass(frozen=True)
class Person:
    """An expert as the test registered it, with everything the rules read."""

    uid: str
    name: str
    lookup: str  # the identity number's search hash
    birth_date: dt.date
    region: str
    title: str
    field_since: int
    status: str
    codes: frozenset[str]
    jobs: tuple[Job, ...] = ()
    relations: tuple[str, ...] = ()  # USCCs
    away: tuple[tuple[dt.date, dt.date], ...] = ()
    calls: tuple[dt.datetime, ...] = ()  # called_at of its earlier calls


@dataclass(frozen=True)
class Rules:
    day: dt.date  # the evaluation day in Beijing time
    now: dt.datetime
    procurement: bool = False
    engineering: bool = False
    organisations: frozenset[str] = frozenset()
    supervising: frozenset[str] = frozenset()
    persons: frozenset[str] = frozenset()
    names: tuple[tuple[str, str], ...] = ()
    remote_city: str = ""
    max_calls: int = 6
    age_limit: int = 70


def _begun(job: Job, day: dt.date) -> bool:
    return job.since is None or job.since <= day


def _current(job: Job, day: dt.date) -> bool:
    return _begun(job, day) and (job.until is None or job.until >= day)


def _within_three_years(job: Job, day: dt.date) -> bool:
    return _begun(job, day) and (job.until is None or job.until >= years_before(day, 3))


def broken(person: Person, rules: Rules) -> set[str]:
    """The rules `person` breaks for a request with `rules`."""
    return _of_the_person(person, rules) | _avoided(person, rules)


def _of_the_person(person: Person, rules: Rules) -> set[str]:
    """The rules on the expert itself: status, age, days away, recent calls, experience, city."""
    day = rules.day
    out: set[str] = set()
    if person.status != "active":
        out.add("suspended")
    if person.birth_date <= years_before(day, rules.age_limit + 1):
        out.add("over_age")
    if any(start <= day <= end for start, end in person.away):
        out.add("unavailable")
    recent = [at for at in person.calls if rules.now - WINDOW < at <= rules.now]
    if len(recent) >= rules.max_calls:
        out.add("frequent")
    if rules.engineering and (person.field_since > day.year - 8 or person.title not in SENIOR):
        out.add("experience")
    if rules.remote_city and person.region.startswith(rules.remote_city):
        out.add("same_city")
    return out


def _avoided(person: Person, rules: Rules) -> set[str]:
    """The rules of whom the request avoids: organisations, supervising departments, persons, names."""
    day = rules.day
    employed = _within_three_years if rules.procurement else _current
    out: set[str] = set()
    if any(job.uscc in rules.organisations and employed(job, day) for job in person.jobs):
        out.add("employer")
    if any(uscc in rules.organisations for uscc in person.relations):
        out.add("related")
    if any(job.uscc in rules.supervising and _current(job, day) for job in person.jobs):
        out.add("supervising")
    if person.lookup in rules.persons:
        out.add("person")
    for name, employer in rules.names:
        if person.name != name:
            continue
        if not employer or any(job.employer == employer and employed(job, day) for job in person.jobs):
            out.add("named")
    return out


def eligible(pool: Iterable[Person], codes: Iterable[str], rules: Rules) -> dict[str, list[str]]:
    """{code: sorted uids of the experts of that specialty who break no rule}."""
    pool = list(pool)
    return {code: sorted(p.uid for p in pool if code in p.codes and not broken(p, rules)) for code in codes}


def exclusions(pool: Iterable[Person], codes: Iterable[str], rules: Rules) -> dict[str, int]:
    """{rule: how many experts of the request's specialties break it} (each expert once per rule; rules no
    one breaks left out)."""
    wanted = set(codes)
    counts: dict[str, int] = {}
    for person in pool:
        if person.codes & wanted:
            for rule in broken(person, rules):
                counts[rule] = counts.get(rule, 0) + 1
    return counts


# The walk --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Made:
    specialty: str
    position: int
    expert: str  # uid
    role: str
    replaces: int | None = None


@dataclass
class Walker:
    """Each specialty's order is `ordering(seed, n, "experts.<code>")` over its sorted eligible list; a call
    takes the first position after the last one called in that specialty whose expert has not been called
    for this request (in any specialty)."""

    seed: str
    eligible: dict[str, list[str]]
    made: list[Made] = field(default_factory=list)

    def next(self, code: str) -> tuple[int, str] | None:
        listed = self.eligible.get(code, [])
        called = {m.expert for m in self.made}
        last = max((m.position for m in self.made if m.specialty == code), default=-1)
        order = ordering(self.seed, len(listed), f"experts.{code}")
        for position, index in enumerate(islice(order, last + 1, None), last + 1):
            if listed[index] not in called:
                return position, listed[index]
        return None

    def call(self, code: str, role: str, replaces: int | None = None) -> Made | None:
        found = self.next(code)
        if found is None:
            return None
        made = Made(code, found[0], found[1], role, replaces)
        self.made.append(made)
        return made

    def first(self, needs: dict[str, dict[str, int]]) -> list[Made]:
        """Specialties in code order, each its members then its reserves (an expert already called for
        another specialty passed over; nothing called when the order runs out)."""
        for code in sorted(needs):
            for role, key in (("principal", "count"), ("reserve", "reserves")):
                for _ in range(needs[code].get(key, 0)):
                    self.call(code, role)
        return list(self.made)
