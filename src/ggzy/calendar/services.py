"""Writes of the calendar: loading an official year (and recomputing provisional deadlines),
closures, deadlines, and the tick job that catches up on deadlines that have passed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from django.db import transaction
from django.utils import timezone

from ggzy.accounts.selectors import centre_by_code
from ggzy.calendar.calc import SHANGHAI, Calendar, legal_bound, period_end, replace_amount, rule_get
from ggzy.calendar.errors import CalendarError
from ggzy.calendar.event_types import CalendarEvents
from ggzy.calendar.models import (
    Bound,
    CalendarDay,
    CalendarYear,
    Closure,
    DayKind,
    Deadline,
    LocalPeriodRule,
    Unit,
)
from ggzy.calendar.statutory import statutory_holidays
from ggzy.core import clock
from ggzy.core.errors import DomainError
from ggzy.core.formatting import local_time
from ggzy.core.types import Actor
from ggzy.events.notifications import Recipient, notify
from ggzy.events.services import event_record
from ggzy.events.states import DeliveryChannel


def _region_of(centre: str) -> str:
    """The region of the centre of code `centre` (an event of a centre records both: its scope)."""
    found = centre_by_code(centre)
    return found.region if found is not None else ""


@transaction.atomic
def deadline_set(
    *, owner: str, rule_code: str, start: dt.datetime, centre: str = "", parties: Iterable[Actor] = ()
) -> Deadline:
    """Compute and store the deadline of `rule_code` from `start` (the caller records its own event)."""
    rule = rule_get(rule_code)
    end = period_end(start, rule, Calendar(centre))
    deadline = Deadline.objects.create(
        owner=owner, rule=rule, centre=centre, start=start, due_at=end.due_at, provisional=end.provisional
    )
    deadline.parties.set(list(parties))
    return deadline


COMPARED_DAYS = 366  # a local rule is compared with the law's from every day of a year


@transaction.atomic
def local_rule_set(
    *,
    actor: Actor | None,
    centre: str,
    code: str,
    amount: int,
    unit: str,
    basis: str,
    compare_from: dt.date | None = None,
) -> LocalPeriodRule:
    """Set `centre`'s longer period for the floor rule `code` (e.g. a land listing of 10 working days
    where the law's floor is 10 days). Refused when it is shorter than the law's from any anchor in
    the year from `compare_from` (today by default): units may differ, so both are counted from the
    same anchors through the centre's calendar, never compared as numbers."""
    rule = rule_get(code)
    if rule.bound != Bound.AT_LEAST:
        raise DomainError(CalendarError.LOCAL_RULE_NOT_A_FLOOR, detail={"rule": code})
    problems = [f"unknown unit {unit}"] if unit not in Unit.values else []
    problems += ["the amount is negative"] if amount < 0 else []
    problems += ["cite the local basis"] if len(basis.strip()) < 2 else []  # noqa: PLR2004
    if problems:
        raise DomainError(CalendarError.LOCAL_RULE_INVALID, detail={"rule": code, "problems": problems})
    local = replace_amount(rule, amount, unit)
    calendar = Calendar(centre)
    first = compare_from or clock.local_now().date()
    for offset in range(COMPARED_DAYS):
        anchor = dt.datetime.combine(first + dt.timedelta(days=offset), dt.time(9, 30), SHANGHAI)
        law = legal_bound(rule, anchor_at=anchor, calendar=calendar)
        mine = legal_bound(local, anchor_at=anchor, calendar=calendar)
        shorter = mine.at < law.at if law.kind == "earliest" else mine.at > law.at
        if shorter:
            raise DomainError(
                CalendarError.LOCAL_RULE_SHORTER,
                detail={
                    "rule": code,
                    "legal_basis": rule.legal_basis,
                    "anchor": anchor.isoformat(),
                    "law": law.at.isoformat(),
                    "local": mine.at.isoformat(),
                },
            )
    row, _created = LocalPeriodRule.objects.update_or_create(
        centre=centre,
        rule=rule,
        defaults={
            "amount": amount,
            "unit": unit,
            "basis": basis.strip(),
            "set_at": clock.now(),
            "set_by": actor,
        },
    )
    event_record(
        type=CalendarEvents.LOCAL_RULE_SET,
        actor=actor,
        centre=centre,
        region=_region_of(centre),
        data={"rule": code, "amount": amount, "unit": unit, "basis": row.basis},
    )
    return row


def _validate_arrangement(
    year: int, holidays: Mapping[dt.date, str], workdays: Mapping[dt.date, str]
) -> None:
    problems = []
    for day in [*holidays, *workdays]:
        if day.year != year:
            problems.append(f"{day} is not in {year}")
    for day in set(holidays) & set(workdays):
        problems.append(f"{day} is both a holiday and a working day")
    for day in workdays:
        if day.weekday() < 5:  # noqa: PLR2004
            problems.append(f"{day} is a weekday: an adjusted working day is a Saturday or Sunday")
    missing = [str(d) for d in statutory_holidays(year) if d not in holidays] if year >= 2008 else []  # noqa: PLR2004
    if missing:
        problems.append(f"statutory holidays missing: {', '.join(missing)}")
    if problems:
        raise DomainError(CalendarError.ARRANGEMENT_INVALID, detail={"problems": problems})


@transaction.atomic
def calendar_year_load(
    *,
    actor: Actor | None,
    year: int,
    holidays: Mapping[dt.date, str],
    workdays: Mapping[dt.date, str],
    source: str,
) -> CalendarYear:
    """Load the State Council's arrangement for `year`; recompute the provisional deadlines it touches.

    An announced deadline only moves later (the later of old and new), unless an approved, recorded
    exception allows it to move earlier; every party whose deadline moved is told."""
    if CalendarYear.objects.filter(year=year).exists():
        raise DomainError(CalendarError.YEAR_ALREADY_OFFICIAL, detail={"year": year})
    if not source.strip():
        raise DomainError(
            CalendarError.ARRANGEMENT_INVALID, detail={"problems": ["the source notice is missing"]}
        )
    _validate_arrangement(year, holidays, workdays)
    row = CalendarYear.objects.create(
        year=year, source=source.strip(), loaded_at=clock.now(), loaded_by=actor
    )
    CalendarDay.objects.bulk_create(
        [CalendarDay(year=row, date=d, kind=DayKind.HOLIDAY, name=n) for d, n in sorted(holidays.items())]
        + [CalendarDay(year=row, date=d, kind=DayKind.WORKDAY, name=n) for d, n in sorted(workdays.items())]
    )
    event_record(
        type=CalendarEvents.YEAR_LOADED,
        actor=actor,
        data={"year": year, "source": row.source, "holidays": len(holidays), "workdays": len(workdays)},
    )
    _recompute_provisional(year, actor)
    return row


def _recompute_provisional(year: int, actor: Actor | None) -> None:
    affected = Deadline.objects.select_for_update().filter(provisional=True).select_related("rule")
    calendars: dict[str, Calendar] = {}  # one per centre: years and closures are read once, not per deadline
    for deadline in affected:
        start_year = timezone.localtime(deadline.start).year
        if not start_year <= year <= timezone.localtime(deadline.due_at).year + 1:
            continue
        calendar = calendars.setdefault(deadline.centre, Calendar(deadline.centre))
        end = period_end(deadline.start, deadline.rule, calendar)
        old = deadline.due_at
        new = end.due_at if (end.due_at >= old or deadline.earlier_allowed_by) else old
        deadline.provisional = end.provisional
        deadline.due_at = new
        deadline.save(update_fields=["provisional", "due_at"])
        if new == old:
            continue
        event = event_record(
            type=CalendarEvents.DEADLINE_MOVED,
            actor=actor,
            centre=deadline.centre,
            region=_region_of(deadline.centre),
            data={
                "deadline": deadline.uid,
                "owner": deadline.owner,
                "rule": deadline.rule.code,
                "from": old,
                "to": new,
                "reason": f"official calendar {year}",
            },
        )
        parties = list(deadline.parties.all())
        if parties:
            notify(
                template="calendar.deadline_moved",
                recipients=[Recipient(user=p) for p in parties],
                context={
                    "what": deadline.rule.name,
                    "old": local_time(old),
                    "new": local_time(new),
                    "year": str(year),
                },
                channels=[DeliveryChannel.INBOX],
                event=event,
            )


@transaction.atomic
def deadline_allow_earlier(*, actor: Actor | None, deadline: Deadline, approval: str) -> Deadline:
    """Record an approved exception that lets a provisional deadline move earlier when recomputed."""
    if len(approval.strip()) < 4:  # noqa: PLR2004
        raise DomainError(CalendarError.ARRANGEMENT_INVALID, detail={"problems": ["cite the approval"]})
    deadline.earlier_allowed_by = approval.strip()
    deadline.save(update_fields=["earlier_allowed_by"])
    event_record(
        type=CalendarEvents.DEADLINE_EXCEPTION,
        actor=actor,
        centre=deadline.centre,
        region=_region_of(deadline.centre),
        data={"deadline": deadline.uid, "approval": deadline.earlier_allowed_by},
    )
    return deadline


@transaction.atomic
def closure_add(*, actor: Actor | None, centre: str, date: dt.date, reason: str) -> Closure:
    if CalendarDay.objects.filter(date=date, kind=DayKind.WORKDAY).exists():
        raise DomainError(CalendarError.CLOSURE_ON_WORKDAY, detail={"date": str(date)})
    if Closure.objects.filter(centre=centre, date=date).exists():
        raise DomainError(CalendarError.CLOSURE_EXISTS, detail={"date": str(date)})
    closure = Closure.objects.create(
        centre=centre, date=date, reason=reason.strip(), created_at=clock.now(), created_by=actor
    )
    event_record(
        type=CalendarEvents.CLOSURE_ADDED,
        actor=actor,
        centre=centre,
        region=_region_of(centre),
        data={"date": date, "reason": closure.reason},
    )
    return closure


def deadlines_passed_catch_up(limit: int = 500) -> int:
    """Tick job: record, once, each deadline that has passed. The state "overdue" itself is derived
    from `due_at` at every read; this only catches up on the side effect (the event)."""
    done = 0
    now = clock.now()
    for deadline_id in Deadline.objects.filter(due_at__lte=now, passed_recorded=False).values_list(
        "pk", flat=True
    )[:limit]:
        with transaction.atomic():
            deadline = (
                Deadline.objects.select_for_update().filter(pk=deadline_id, passed_recorded=False).first()
            )
            if deadline is None:
                continue
            deadline.passed_recorded = True
            deadline.save(update_fields=["passed_recorded"])
            event_record(
                type=CalendarEvents.DEADLINE_PASSED,
                centre=deadline.centre,
                region=_region_of(deadline.centre),
                data={"deadline": deadline.uid, "owner": deadline.owner, "due_at": deadline.due_at},
            )
            done += 1
    return done
