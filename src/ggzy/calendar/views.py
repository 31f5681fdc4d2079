"""The public calendar page: the year's holidays and adjusted working days, the period rules, and a
deadline calculator (a plain GET form); the public rule table by sector with the centres' longer local
periods (`/calendar/rules/`); and the centre staff's page to set a longer local period
(`/workspace/calendar/local-rules/`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ggzy.accounts.models import Centre
from ggzy.accounts.selectors import centre_by_code
from ggzy.calendar import selectors, services
from ggzy.calendar.anchors import event_name
from ggzy.calendar.calc import SHANGHAI, Calendar, period_end, rule_get
from ggzy.calendar.errors import CalendarError
from ggzy.calendar.forms import LocalRuleForm
from ggzy.calendar.models import Bound, Direction, LocalPeriodRule, PeriodRule, Sector, Unit
from ggzy.calendar.names import holiday_name
from ggzy.core import clock
from ggzy.core.access import actor_of, allow, public
from ggzy.core.errors import CoreError, DomainError
from ggzy.core.middleware import roles_of
from ggzy.core.pages import page_action
from ggzy.core.roles import Role


@public
def calendar_page(request: HttpRequest) -> HttpResponse:
    today = clock.local_now().date()
    try:
        year = int(request.GET.get("year", today.year))
        data = selectors.year_get(year)
    except (ValueError, DomainError):
        year, data = today.year, selectors.year_get(today.year)
    result, error = None, ""
    rule_code, start_text = request.GET.get("rule", ""), request.GET.get("start", "")
    if rule_code and start_text:
        try:
            start = dt.datetime.fromisoformat(start_text)
            start = start if start.tzinfo else start.replace(tzinfo=SHANGHAI)
            result = period_end(start, rule_get(rule_code), Calendar())
        except ValueError:
            error = "bad_start"
        except DomainError as exc:
            error = str(exc.message)
    rules = list(selectors.rule_list())
    days = sorted(
        [(d, "holiday", holiday_name(n)) for d, n in data.holidays.items()]
        + [(d, "workday", holiday_name(n)) for d, n in data.workdays.items()]
    )
    return render(
        request,
        "calendar/calendar.html",
        {
            "year": year,
            "data": data,
            "days": days,
            "rules": rules,
            "rule_rows": [(r, event_name(r.anchor)) for r in rules],
            "result": result,
            "error": error,
            "rule_code": rule_code,
            "start_text": start_text or timezone.localtime(clock.now()).strftime("%Y-%m-%dT%H:%M"),
        },
    )


# --- the rule table, and a centre's longer local periods ---------------------------------------------------
#: The sectors in the order the rule table shows them.
SECTOR_ORDER = (Sector.ENGINEERING, Sector.PROCUREMENT, Sector.LAND, Sector.STATE_ASSETS, Sector.GENERAL)

PERIOD_WORDS: dict[tuple[str, str], Promise] = {
    (Bound.AT_LEAST, Unit.CALENDAR_DAY): gettext_lazy("at least %(n)s days (calendar days)"),
    (Bound.AT_LEAST, Unit.WORKING_DAY): gettext_lazy("at least %(n)s working days"),
    (Bound.AT_LEAST, Unit.HOUR): gettext_lazy("at least %(n)s hours"),
    (Bound.WITHIN, Unit.CALENDAR_DAY): gettext_lazy("within %(n)s days (calendar days)"),
    (Bound.WITHIN, Unit.WORKING_DAY): gettext_lazy("within %(n)s working days"),
    (Bound.WITHIN, Unit.HOUR): gettext_lazy("within %(n)s hours"),
}
RELATION_WORDS: dict[str, Promise] = {
    Direction.AFTER: gettext_lazy("from “%(anchor)s” to “%(act)s”"),
    Direction.BEFORE: gettext_lazy("“%(act)s” before “%(anchor)s”"),
}
CERTAINTY_WORDS: dict[str, Promise] = {
    "law": gettext_lazy("law"),
    "practice": gettext_lazy("seen in practice"),
    "verify": gettext_lazy("to be verified"),
}


def period_words(bound: str, amount: int, unit: str) -> str:
    """A period as people say it: "至少 20 日（日历日）", "5 个工作日内"."""
    words = PERIOD_WORDS.get((bound, unit))
    return str(words) % {"n": amount} if words is not None else f"{amount} {unit}"


def relation_words(rule: PeriodRule) -> str:
    """Which two events the period lies between, by their names."""
    words = RELATION_WORDS.get(rule.direction, RELATION_WORDS[Direction.AFTER])
    return str(words) % {"anchor": event_name(rule.anchor), "act": event_name(rule.act)}


@dataclass(frozen=True)
class LocalRow:
    centre_code: str
    centre_name: str
    period: str
    basis: str


@dataclass(frozen=True)
class RuleRow:
    rule: PeriodRule
    period: str
    relation: str
    certainty: str
    local: list[LocalRow] = field(default_factory=list)
    form: LocalRuleForm | None = None


def _rule_row(rule: PeriodRule, local: list[LocalRow], form: LocalRuleForm | None = None) -> RuleRow:
    return RuleRow(
        rule=rule,
        period=period_words(rule.bound, rule.amount, rule.unit),
        relation=relation_words(rule),
        certainty=str(CERTAINTY_WORDS.get(rule.certainty, rule.certainty)),
        local=local,
        form=form,
    )


def _local_row(local: LocalPeriodRule, names: dict[str, Centre]) -> LocalRow:
    centre = names.get(local.centre)
    return LocalRow(
        centre_code=local.centre,
        centre_name=centre.name if centre is not None else local.centre,
        period=period_words(Bound.AT_LEAST, local.amount, local.unit),
        basis=local.basis,
    )


def _by_sector(rows: list[RuleRow]) -> list[tuple[str, list[RuleRow]]]:
    """The rows under their sectors, in SECTOR_ORDER (a sector without rows is left out)."""
    return [
        (str(sector.label), found)
        for sector in SECTOR_ORDER
        if (found := [row for row in rows if row.rule.sector == sector])
    ]


@public
def rules_page(request: HttpRequest) -> HttpResponse:
    """Every rule by sector, with its period, the events it lies between, its legal basis and how sure we
    are; beside each floor, the centres' longer local periods (of one centre with `?centre=`)."""
    code = request.GET.get("centre", "")
    centre = centre_by_code(code) if code else None
    if code and centre is None:
        raise DomainError(CoreError.NOT_FOUND)
    every_local = list(selectors.local_rules())
    names = selectors.centres_named({local.centre for local in every_local})
    shown: dict[int, list[LocalRow]] = {}
    for local in every_local:
        if not code or local.centre == code:
            shown.setdefault(local.rule_id, []).append(_local_row(local, names))
    rows = [_rule_row(rule, shown.get(rule.pk, [])) for rule in selectors.rule_list()]
    return render(
        request,
        "calendar/rules.html",
        {
            "sections": _by_sector(rows),
            "centre": centre,
            "local_centres": sorted(names.values(), key=lambda c: c.code),
            "is_staff": Role.CENTRE_STAFF in roles_of(request),
        },
    )


def _local_page(centre: Centre) -> str:
    return f"{reverse('calendar:local-rules')}?{urlencode({'centre': centre.code})}"


@allow(Role.CENTRE_STAFF)
def local_rules_page(request: HttpRequest) -> HttpResponse:
    """The floors a centre may lengthen, each with the law's period, the centre's local one and a form to
    set a longer one."""
    user = actor_of(request)
    centre = selectors.chosen_centre(viewer=user, code=request.GET.get("centre", ""))
    context: dict[str, Any] = {"centre": centre, "centres": list(selectors.staff_centres(user))}
    if centre is not None:
        mine = {local.rule_id: local for local in selectors.local_rules(centre=centre.code)}
        names = {centre.code: centre}
        rows = []
        for rule in selectors.floor_rules():
            local = mine.get(rule.pk)
            initial = (
                {"amount": local.amount, "unit": local.unit, "basis": local.basis}
                if local is not None
                else {"amount": rule.amount, "unit": rule.unit}
            )
            form = LocalRuleForm(initial=initial, auto_id=f"id_{rule.code}_%s")
            rows.append(_rule_row(rule, [_local_row(local, names)] if local else [], form))
        context["sections"] = _by_sector(rows)
    return render(request, "calendar/local_rules.html", context)


def _refusal(error: DomainError) -> str:
    """The service's refusal; for a shorter period, also where it ends earlier than the law's."""
    text = str(error.message)
    detail = error.detail or {}
    if error.code is CalendarError.LOCAL_RULE_SHORTER and {"anchor", "law", "local"} <= set(detail):

        def shown(value: str) -> str:
            return dt.datetime.fromisoformat(value).astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")

        text += " " + _(
            "Counted from %(anchor)s, the law's period ends at %(law)s and yours at %(local)s (%(basis)s)."
        ) % {
            "anchor": shown(detail["anchor"]),
            "law": shown(detail["law"]),
            "local": shown(detail["local"]),
            "basis": detail.get("legal_basis", ""),
        }
    return text


@require_POST
@allow(Role.CENTRE_STAFF)
def local_rule_set(request: HttpRequest) -> HttpResponse:
    centre = selectors.access_staff_centre(viewer=request.user, code=request.POST.get("centre", ""))
    rule = rule_get(request.POST.get("rule", ""))
    form = LocalRuleForm(request.POST)
    back = f"{_local_page(centre)}#rule-{rule.code}"
    return page_action(
        request,
        lambda: services.local_rule_set(
            actor=actor_of(request),
            centre=centre.code,
            code=rule.code,
            amount=form.cleaned_data["amount"],
            unit=form.cleaned_data["unit"],
            basis=form.cleaned_data["basis"],
        ),
        success=lambda local: (
            _("%(centre)s: “%(rule)s” is now %(period)s (%(basis)s).")
            % {
                "centre": centre.name,
                "rule": rule.name,
                "period": period_words(Bound.AT_LEAST, local.amount, local.unit),
                "basis": local.basis,
            }
        ),
        form=form,
        invalid=_("Give the length (a whole number), its unit and the local rule it comes from."),
        to=back,
        explain=_refusal,
    )
