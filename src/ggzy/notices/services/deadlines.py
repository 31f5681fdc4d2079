"""The bid deadline a notice announces, checked against the rule table and set as the sections' bid
windows (standard 6.4.1; 招标投标法 §24, 政府采购法 §35; 招标投标法实施条例 §21, 政府采购法实施条例 §31).

* `deadline_check` (when a notice is scheduled): a tender notice, an invitation or a procurement notice
  announces a bid deadline at least 20 days after the documents are first issued — taken as the notice's
  publication instant until the documents issue records the first issue itself — and an opening not before
  it. A correction that postpones the deadline names the new one: never earlier than the one in force,
  and at least 15 days after the correction is published (a change that affects the preparation of bids
  leaves 15 days, or the deadline moves). A refusal names the rule, its article and the earliest legal
  instant (`calendar.calc.rule_check`); nothing is scheduled.
* `windows_announce` (when the notice's publication is recorded, by the tick): each announced section's
  bid window is set, or postponed for a correction, through `sealing.window_set`, which sends the
  custodians the signed notice they honour. Before its publication nothing is set, so the deadline shows
  nowhere before the notice does. A window that cannot be set (its deadline passed meanwhile) is recorded
  for the parties and the supervisors (`notices.window.refused`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction

from ggzy.calendar import calc
from ggzy.core.errors import DomainError
from ggzy.core.types import Actor, JSONDict
from ggzy.events.services import event_record
from ggzy.notices.errors import NoticesError
from ggzy.notices.event_types import NoticesEvents
from ggzy.notices.models import Notice, NoticeType
from ggzy.registry.models import Section, TenderProject
from ggzy.sealing import selectors as sealing_selectors
from ggzy.sealing import services as sealing

#: The notices that announce a bid deadline and an opening (their content's `bid_deadline`, `opening_at`).
ANNOUNCING = frozenset({NoticeType.TENDER, NoticeType.INVITATION, NoticeType.PROCUREMENT})
#: The rows of the rule table, by the project's category.
BID_PERIOD = {"engineering": "tender-bid-period", "procurement": "procurement-bid-period"}
CLARIFICATION = {
    "engineering": "tender-clarification-notice",
    "procurement": "procurement-clarification-notice",
}


def _instant(notice: Notice, key: str) -> dt.datetime | None:
    value = notice.content.get(key)
    return dt.datetime.fromisoformat(value) if isinstance(value, str) else None


def _sections(notice: Notice) -> list[Section]:
    """The sections a notice announces (none named: every section of the tender project); a correction
    names its own or those of the notice it changes."""
    named = list(notice.sections.order_by("code"))
    if not named and notice.corrects is not None:
        named = list(notice.corrects.sections.order_by("code"))
    return named or list(notice.tender_project.sections.order_by("code"))


def _in_force(notice: Notice, sections: list[Section]) -> dt.datetime | None:
    """The latest deadline in force for the sections: their windows', else the original's announced one."""
    windows = [w for s in sections if (w := sealing_selectors.window_of(s)) is not None]
    if windows:
        return max(w.deadline for w in windows)
    original = notice.corrects
    return _instant(original, "bid_deadline") if original is not None else None


def deadline_check(notice: Notice, publish_at: dt.datetime) -> None:
    """Refuse scheduling a notice whose deadline breaks the rule table (see the module)."""
    category = str(notice.tender_project.project.category_id)
    centre = notice.tender_project.project.centre.code
    if notice.type in ANNOUNCING:
        deadline, opening = _instant(notice, "bid_deadline"), _instant(notice, "opening_at")
        if deadline is None:
            return
        if opening is not None and opening < deadline:
            raise DomainError(NoticesError.OPENING_BEFORE_DEADLINE)
        if category in BID_PERIOD:  # the documents are issued from the notice's publication on
            calc.rule_check(BID_PERIOD[category], act_at=deadline, anchor_at=publish_at, centre=centre)
        return
    if notice.type != NoticeType.CORRECTION:
        return
    deadline, opening = _instant(notice, "new_bid_deadline"), _instant(notice, "new_opening_at")
    if deadline is None:
        if opening is not None:
            raise DomainError(NoticesError.OPENING_BEFORE_DEADLINE)
        return
    if opening is not None and opening < deadline:
        raise DomainError(NoticesError.OPENING_BEFORE_DEADLINE)
    in_force = _in_force(notice, _sections(notice))
    if in_force is not None and deadline < in_force:
        raise DomainError(NoticesError.DEADLINE_EARLIER, detail={"in_force": in_force.isoformat()})
    if category in CLARIFICATION:  # the change is published at `publish_at`: 15 days must remain
        calc.rule_check(
            CLARIFICATION[category], act_at=publish_at, anchor_at=deadline, centre=centre, moving="anchor"
        )


def windows_announce(notice: Notice) -> None:
    """Set (or postpone) the announced sections' bid windows once the notice is published."""
    if notice.type in ANNOUNCING:
        deadline, opening = _instant(notice, "bid_deadline"), _instant(notice, "opening_at")
    elif notice.type == NoticeType.CORRECTION:
        deadline, opening = _instant(notice, "new_bid_deadline"), _instant(notice, "new_opening_at")
    else:
        return
    if deadline is None:
        return
    for section in _sections(notice):
        window = sealing_selectors.window_of(section)
        if window is not None and window.deadline == deadline and window.opening_at == (opening or deadline):
            continue
        if window is not None and notice.type in ANNOUNCING:
            continue  # a section's window is set once by its notice; later changes are corrections
        try:
            with transaction.atomic():
                sealing.window_set(actor=None, section=section, deadline=deadline, opening_at=opening)
        except DomainError as refused:
            project = notice.tender_project.project
            event_record(
                type=NoticesEvents.WINDOW_REFUSED,
                actor=None,
                section=section.code,
                project=project.code,
                centre=project.centre.code,
                region=project.region,
                category=project.category_id,
                data={"notice": str(notice.uid), "section": section.code, "reason": refused.code.value},
            )


def later_deadline(deadline: dt.datetime, earliest: dt.datetime, centre: str) -> dt.datetime:
    """The first instant from `earliest` on that keeps the deadline's time of day and falls on a working
    day of the centre (a deadline moved by a clarification: 09:30 stays 09:30, a Saturday becomes the
    Monday; later than the law's floor is always legal)."""
    calendar = calc.Calendar(centre)
    at = deadline.astimezone(calc.SHANGHAI).timetz()
    day = earliest.astimezone(calc.SHANGHAI).date()
    while True:
        candidate = dt.datetime.combine(day, at.replace(tzinfo=None), calc.SHANGHAI)
        if candidate >= earliest and calendar.is_working_day(day):
            return candidate
        day += dt.timedelta(days=1)


def clarification_postpone(
    *, actor: Actor | None, tender_project: TenderProject, sections: Iterable[Section], now: dt.datetime
) -> JSONDict | None:
    """A clarification or amendment that may affect the preparation of bids, issued at `now`: each
    section whose bid deadline lies less than the rule's days ahead (15 days: 招标投标法实施条例 §21;
    政府采购法实施条例 §31) is postponed to the first working day at the same time of day from the earliest
    legal instant on, through `sealing.window_set` (the custodians' signed notice; never earlier). Returns
    {section code: {"from", "to", "opening_at"}} for what moved, or None. The one place both the
    objections' answers and the tender documents' clarifications move a deadline."""
    centre = tender_project.project.centre.code
    rule = CLARIFICATION[str(tender_project.project.category_id)]
    moved: JSONDict = {}
    for section in sections:
        window = sealing_selectors.window_of(section)
        if window is None or now >= window.deadline:
            continue
        earliest = calc.earliest_legal(rule, act_at=now, centre=centre).at
        if window.deadline >= earliest:
            continue
        new_deadline = later_deadline(window.deadline, earliest, centre)
        new_opening = new_deadline + (window.opening_at - window.deadline)
        sealing.window_set(actor=actor, section=section, deadline=new_deadline, opening_at=new_opening)
        moved[section.code] = {"from": window.deadline, "to": new_deadline, "opening_at": new_opening}
    return moved or None
