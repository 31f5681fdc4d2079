"""The opening hall's services (docs/opening.md). One tick job, `halls_due`, moves every hall by the clock:

1. **before the deadline**, a section whose documents are issued gets its hall (scheduled) and, when its
   documents draw K (`price_formula.parameters.k_choices`), its verifiable K draw is opened — so the
   commitments are in the co-signed witness log long before any release could be accepted;
2. **at the deadline** the standing bids are counted against the method's minimum (`registry.methods`):
   fewer → the hall fails with its reason, nothing is opened; enough → the schedule is fixed from the
   opening time in force (a postponement moves it) and the documents' decryption window;
3. **from the sign-in on**, each step begins when its scheduled instant comes and records its actual
   instant; a step's action (the control price, K, the bidder list with security, the opening sheet once
   the window closed) runs when it begins. Watchers of the hall's live channel are told each step.

The agent acts only where the rules give it a choice (attribution of an unreleased bid, objections, and
for a two-envelope section the second session: who passed the technical review, and when it opens).

**Two envelopes** (双信封, `envelopes.py`): the first session opens the technical envelopes only (the
decryption, the remedy and the sheet consider `FIRST_SESSION` envelopes; the price envelopes stay sealed,
refused by `sealing` too); `second_session_schedule` records the bidders that passed and the instant, and
the same tick job moves the second session by the clock: its window for those bidders' price envelopes
only, the remedy for theirs only, the price sheet, its own record.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable
from typing import TypeVar

from django.db import transaction
from django.db.models import QuerySet

from ggzy.core import clock, live
from ggzy.core.errors import DomainError
from ggzy.core.states import advance
from ggzy.core.types import Actor, JSONDict
from ggzy.events.catalogue import EventType
from ggzy.events.models import Event
from ggzy.events.services import event_record
from ggzy.opening import steps
from ggzy.opening.envelopes import FIRST_SESSION, two_envelopes
from ggzy.opening.errors import OpeningError
from ggzy.opening.event_types import OpeningEvents
from ggzy.opening.models import (
    Attribution,
    AttributionDecision,
    AvoidanceDecision,
    AvoidanceRequest,
    Hall,
    HallStep,
    LineConfirmation,
    LineDecision,
    SecondSession,
    SecondStep,
)
from ggzy.opening.states import SECOND_TRANSITIONS, TRANSITIONS, HallAction, HallState, SecondState
from ggzy.randomness import services as randomness
from ggzy.randomness.models import Draw
from ggzy.randomness.states import DrawState
from ggzy.registry import methods
from ggzy.registry.models import Section
from ggzy.registry.selectors import is_staff_of
from ggzy.sealing import selectors as sealing
from ggzy.sealing import services as sealing_services
from ggzy.sealing.models import BidWindow
from ggzy.securities import selectors as securities
from ggzy.tendering import selectors as tendering
from ggzy.tendering.selectors import acts_for
from ggzy_sm import canonical
from ggzy_sm.sm3 import sm3

log = logging.getLogger(__name__)
#: A step of either session (the first's `HallStep`, the second's `SecondStep`: the same columns).
S = TypeVar("S", HallStep, SecondStep)
K_MOMENT = "第一份投标文件解密被接受之前（此后平台即可知道报价）"


def channel(hall: Hall) -> str:
    return f"hall:{hall.uid}"


def criteria_of(section: Section) -> JSONDict | None:
    """The section's criteria record in the issued documents (None while none are issued)."""
    documents = tendering.documents_of_section(section)
    record = (documents.criteria or {}).get(section.code) if documents is not None else None
    return record if isinstance(record, dict) else None


def k_choices(record: JSONDict | None) -> list[str]:
    """The K values the documents draw from (benchmark_mean's `k_choices`), as strings; [] for none."""
    formula = (record or {}).get("price_formula") or {}
    choices = (formula.get("parameters") or {}).get("k_choices") if isinstance(formula, dict) else None
    return [str(c) for c in choices] if isinstance(choices, list) else []


def _record(hall: Hall, type_: EventType, actor: Actor | None, data: JSONDict) -> None:
    section = hall.section
    event_record(
        type=type_,
        actor=actor,
        data={"hall": str(hall.uid), "section": section.code, **data},
        centre=section.centre.code,
        region=section.centre.region,
        project=section.tender_project.project.code,
        section=section.code,
    )


# --- 1. before the deadline: the hall and its K draw ---------------------------------------------------


def hall_ensure(section: Section, window: BidWindow) -> Hall | None:
    """The section's hall, made (scheduled) once its documents are issued; None before that."""
    hall = Hall.objects.filter(section=section).first()
    if hall is not None:
        return hall
    record = criteria_of(section)
    if record is None:
        return None
    rules = methods.rules_of(section.method)
    minutes = record.get("decryption_window_minutes")
    with transaction.atomic():
        hall, _created = Hall.objects.get_or_create(
            section=section,
            defaults={
                "opens_at": window.opening_at,
                "window_minutes": minutes
                if isinstance(minutes, int) and minutes > 0
                else steps.DEFAULT_WINDOW,
                "min_bidders": rules.min_bidders,
                "prepared_at": clock.now(),
            },
        )
    return hall


def k_draw_ensure(hall: Hall) -> Draw | None:
    """Open the hall's K draw if its documents draw K and it has none (outside any transaction: it asks the
    beacons). A draw that cannot be opened now (no beacon answers) is tried again at the next tick."""
    if hall.k_draw_id is not None:
        return hall.k_draw
    choices = k_choices(criteria_of(hall.section))
    if not choices:
        return None
    section = hall.section
    try:
        draw = randomness.draw_open(
            actor=None,
            purpose="opening.k",
            subject=f"标段 {section.code} 评标基准价下浮系数 K",
            derive={"kind": "choose", "options": choices, "label": "K"},
            moment_label=K_MOMENT,
            centre=section.centre.code,
            region=section.centre.region,
            project=section.tender_project.project.code,
            section=section.code,
        )
    except DomainError as exc:
        log.warning("the K draw of %s could not be opened: %s", section.code, exc)
        return None
    with transaction.atomic():
        Hall.objects.filter(pk=hall.pk, k_draw__isnull=True).update(k_draw=draw)
        hall.refresh_from_db()
        _record(hall, OpeningEvents.K_COMMITTED, None, {"draw": str(draw.uid), "choices": choices})
    return hall.k_draw


# --- 2. at the deadline: enough bids, or none opened ----------------------------------------------------


def hall_count(hall: Hall, window: BidWindow) -> Hall:
    """At the deadline: the standing bids against the method's minimum; the schedule fixed, or the hall
    failed with its reason (no opening: 招标投标法实施条例 §44 — fewer than three bidders, not opened)."""
    with transaction.atomic():
        hall = (
            Hall.objects.select_for_update()
            .select_related("section__centre", "section__method")
            .get(pk=hall.pk)
        )
        if hall.bidders_counted is not None:
            return hall
        counted = len(sealing.bidder_organisations(hall.section))
        rules = methods.rules_of(hall.section.method)
        enough = methods.bidders_enough(rules, bidders=counted)
        Hall.objects.filter(pk=hall.pk).update(bidders_counted=counted)
        hall.bidders_counted = counted
        if not enough:
            basis = rules.source("min_bidders") or "招标投标法实施条例第四十四条"
            reason = f"投标人少于 {rules.min_bidders} 个，不得开标（{basis}）"
            advance(hall, TRANSITIONS, HallAction.FAIL, error=OpeningError.STATE, failed_reason=reason[:300])
            _record(
                hall, OpeningEvents.HALL_FAILED, None, {"min_bidders": rules.min_bidders, "reason": reason}
            )
            return hall
        hall.opens_at = window.opening_at
        Hall.objects.filter(pk=hall.pk).update(opens_at=window.opening_at)
        sealing_services.window_release_limit(
            section=hall.section, until=hall.opens_at + dt.timedelta(minutes=hall.window_minutes)
        )
        HallStep.objects.filter(hall=hall).delete()
        HallStep.objects.bulk_create(
            HallStep(hall=hall, position=i, code=code, scheduled_start=start, scheduled_end=end)
            for i, (code, start, end) in enumerate(
                steps.schedule(hall.opens_at, hall.window_minutes, not_before=window.deadline)
            )
        )
        _record(
            hall,
            OpeningEvents.HALL_PREPARED,
            None,
            {
                "opens_at": hall.opens_at,
                "window_minutes": hall.window_minutes,
                "min_bidders": rules.min_bidders,
            },
        )
    return hall


# --- 3. from the sign-in on: each step by the clock -----------------------------------------------------


def _control_price(hall: Hall) -> str:
    record = criteria_of(hall.section) or {}
    price = ((record.get("opening_sheet") or {}).get("price") or {}) if isinstance(record, dict) else {}
    ceiling = price.get("ceiling_fen") if isinstance(price, dict) else None
    value = ceiling if isinstance(ceiling, int) else hall.section.budget_fen
    Hall.objects.filter(pk=hall.pk).update(control_price_fen=value)
    return ""


def _random_parameters(hall: Hall) -> str:
    """K: the draw's moment marked now (before the decryption step begins, so before any release), then
    revealed; a draw not provably committed before it is refused (and said so here)."""
    draw = hall.k_draw
    if draw is None:
        return (
            "招标文件未规定随机抽取参数"
            if not k_choices(criteria_of(hall.section))
            else "K 抽取未能开启（无外部随机数服务应答）"
        )
    if draw.state == DrawState.OPEN:
        # the moment anyone could profit: the first release accepted, if one came before this step (the
        # opener does not wait for the hall), else now — before the decryption step begins
        first = (
            Event.objects.filter(type="sealing.bid.opened", section_ref=hall.section.code)
            .order_by("pk")
            .first()
        )
        moment = first or randomness.moment_mark(actor=None, draw=draw)
        try:
            draw = randomness.draw_reveal(actor=None, draw=draw, moment=moment)
        except DomainError as exc:
            return f"K 抽取被拒绝：{exc.code.value if hasattr(exc.code, 'value') else exc.code}"
    if draw.state == DrawState.DRAWN and isinstance(draw.result, str):
        Hall.objects.filter(pk=hall.pk).update(k_value=draw.result)
        return ""
    return "K 抽取未完成"


def _bidder_list(hall: Hall) -> str:
    organisations = sealing.bidder_organisations(hall.section)
    try:
        found = securities.statuses(hall.section, organisations)
    except DomainError:
        found = {}
    listed = [
        {"organisation": o.name, "uscc": o.uscc, "security": found[o.pk].kind if o.pk in found else ""}
        for o in organisations
    ]
    Hall.objects.filter(pk=hall.pk).update(bidder_list=listed)
    return ""


def _remedy(hall: Hall) -> dict[int, str]:
    """The documents' remedy for the bids not released in the window: with `release_remedy` "custodians"
    (the default of the criteria format), each is opened through its custodians' key shares; a bid that
    still cannot be opened keeps its reason (the attribution comes next). {bid id: how it was opened, or
    why not}."""
    record = criteria_of(hall.section) or {}
    outcome: dict[int, str] = {}
    # never a price envelope here: those of the bidders that pass open in the second session only
    for bid in sealing.standing_bids(hall.section, FIRST_SESSION).filter(opened_at__isnull=True):
        if record.get("release_remedy", "custodians") != "custodians":
            outcome[bid.pk] = "none"
            continue
        try:
            sealing_services.bid_open_by_custodians(actor=None, bid=bid)
            outcome[bid.pk] = "custodians"
        except DomainError as exc:
            outcome[bid.pk] = str((exc.detail or {}).get("reason") or exc.code)
    return outcome


def _opening_sheet(hall: Hall) -> str:
    """The opening sheet once the window closed: the documents' remedy for the bids not released first,
    then each standing bid's inner sheet — released by its bidder, opened by the custodians, or not opened
    (with the reason)."""
    remedied = _remedy(hall)
    lines = []
    for bid in sealing.standing_bids(hall.section, FIRST_SESSION):
        opened = bid.opened_at is not None
        how = remedied.get(bid.pk, "release" if opened else "")
        lines.append(
            {
                "organisation": bid.organisation.name,
                "uscc": bid.organisation.uscc,
                "released": opened,
                "opened_by": how if opened else "",
                "not_opened": "" if opened else how,
                "sheet": bid.opening_sheet if opened else None,
            }
        )
    Hall.objects.filter(pk=hall.pk).update(sheet=lines)
    by_custodians = sum(1 for line in lines if line["opened_by"] == "custodians")
    unopened = sum(1 for line in lines if not line["released"])
    notes = []
    if by_custodians:
        notes.append(f"{by_custodians} 份未在解密时限内解密，已由密钥托管方解密")
    if unopened:
        notes.append(f"{unopened} 份未能解密")
    return "；".join(notes)


def record_document(hall: Hall) -> JSONDict:
    """The opening record (ggzy-opening-record-v1): what the hall published, step by step — the schedule
    with the actual instants, the control price, K and its draw, the bidders with their security, the
    opening sheet, each bidder's answer to its line and the objections with their answers (never who
    raised one). A decision on a bid left closed is for the supervisors and that bidder: only that the bid
    was not decrypted is here."""
    from ggzy.notices.selectors import opening_objections

    hall = Hall.objects.select_related("section__tender_project", "k_draw").get(pk=hall.pk)
    confirmations = {c.organisation.uscc: c for c in hall.confirmations.select_related("organisation")}
    return {
        "format": "ggzy-opening-record-v1",
        "section": hall.section.code,
        "tender_project": hall.section.tender_project.code,
        "opens_at": hall.opens_at,
        "window_minutes": hall.window_minutes,
        "steps": [
            {"step": s.code, "scheduled": s.scheduled_start, "started": s.started_at, "note": s.note}
            for s in hall.steps.order_by("position")
        ],
        "control_price_fen": hall.control_price_fen,
        "k": {"value": hall.k_value, "draw": str(hall.k_draw.uid) if hall.k_draw else None},
        "bidders": hall.bidder_list or [],
        "sheet": [
            {
                "organisation": line.get("organisation"),
                "uscc": line.get("uscc"),
                "decrypted": bool(line.get("released")),
                "opened_by": line.get("opened_by", ""),
                "sheet": line.get("sheet"),
                "answer": (
                    {
                        "decision": confirmations[line["uscc"]].decision,
                        "remark": confirmations[line["uscc"]].remark,
                    }
                    if line.get("uscc") in confirmations
                    else None
                ),
            }
            for line in hall.sheet or []
        ],
        "objections": [
            {"filed_at": o.filed_at, "text": o.text, "answer": o.answer}
            for o in opening_objections(hall.section)
        ],
    }


def _close(hall: Hall) -> str:
    """The opening record: made canonical, its SM3 kept, sealed by the centre (when a seal is configured),
    and recorded as an event — so the witness log proves it. The agent signs it after."""
    from ggzy.certs import seal

    body = canonical.dumps(record_document(hall))
    digest = sm3(body).hex()
    note = ""
    try:
        stamped = seal.document_sign(
            actor=None,
            document=body,
            name=f"开标记录-{hall.section.code}.json",
            media_type="application/json",
        )
    except DomainError:
        stamped, note = None, "未配置中心电子印章：开标记录未加盖中心印章"
    with transaction.atomic():
        Hall.objects.filter(pk=hall.pk).update(
            record=body.decode("utf-8"), record_sm3=digest, record_seal=stamped
        )
        _record(hall, OpeningEvents.RECORD_MADE, None, {"sm3": digest, "sealed": stamped is not None})
    return note


ACTIONS = {
    "close": _close,
    "control_price": _control_price,
    "random_parameters": _random_parameters,
    "bidder_list": _bidder_list,
    "opening_sheet": _opening_sheet,
}


def _opening_paused(section: Section) -> bool:
    """Whether a pause in force stops the section's opening (standard 6.5.8, 6.5.9)."""
    from ggzy.registry.models import PauseStep
    from ggzy.registry.selectors import pauses_in_force

    return any(PauseStep.OPENING in (p.steps or []) for p in pauses_in_force(section.tender_project, section))


def _shift_unended(found: QuerySet[S], held: dt.timedelta) -> None:
    """Move the steps not yet ended by the time a pause held them (a begun step keeps its start)."""
    for step in found.select_for_update().filter(ended_at__isnull=True):
        if step.started_at is None:
            step.scheduled_start += held
        step.scheduled_end += held
        step.save(update_fields=["scheduled_start", "scheduled_end"])


def _walk(ordered: list[S], now: dt.datetime | None, begin: Callable[[S], None]) -> int:
    """Begin (and end) each step, in order, whose scheduled instant has come (`begin` runs its action and
    records it); stop at the first not yet due. How many began. The one walk of both sessions."""
    begun = 0
    for step in ordered:
        at = clock.now() if now is None else now
        if step.ended_at is not None:
            continue
        if step.started_at is None:
            if step.scheduled_start > at:
                break
            begin(step)
            begun += 1
        if step.scheduled_end > at:
            break
        type(step).objects.filter(pk=step.pk, ended_at__isnull=True).update(ended_at=clock.now())
    return begun


def _held(hall: Hall, now: dt.datetime) -> bool:
    """Whether a pause holds the hall now (recording when it began to, or moving the schedule by the time
    it held once it ended)."""
    paused = _opening_paused(hall.section)
    if paused and hall.paused_at is None:
        with transaction.atomic():
            Hall.objects.filter(pk=hall.pk).update(paused_at=now)
            hall.paused_at = now
            _record(hall, OpeningEvents.HALL_PAUSED, None, {"at": now})
            live.publish(channel(hall), "step", {"paused": True})
    elif not paused and hall.paused_at is not None:
        held = now - hall.paused_at
        with transaction.atomic():
            _shift_unended(HallStep.objects.filter(hall=hall), held)
            decryption = HallStep.objects.get(hall=hall, code="decryption")
            sealing_services.window_release_limit(section=hall.section, until=decryption.scheduled_end)
            Hall.objects.filter(pk=hall.pk).update(paused_at=None)
            _record(
                hall, OpeningEvents.HALL_RESUMED, None, {"held_seconds": int(held.total_seconds()), "at": now}
            )
            live.publish(channel(hall), "step", {"paused": False})
        hall.paused_at = None
    return paused


def hall_advance(hall: Hall, now: dt.datetime | None = None) -> int:
    """Begin (and end) every step of `hall` whose scheduled instant has come, in order; a step's action
    runs as it begins (outside a transaction where it asks outside services). Nothing moves while a pause
    holds the hall. How many steps began."""
    if _held(hall, clock.now() if now is None else now):
        return 0

    def begin(step: HallStep) -> None:
        hall.refresh_from_db()
        action = ACTIONS.get(step.code)
        _step_begin(hall, step, action(hall) if action is not None else "")

    return _walk(list(hall.steps.order_by("position")), now, begin)


def _step_begin(hall: Hall, step: HallStep, note: str) -> None:
    with transaction.atomic():
        locked = Hall.objects.select_for_update().get(pk=hall.pk)
        if not HallStep.objects.filter(pk=step.pk, started_at__isnull=True).update(
            started_at=clock.now(), note=note[:300]
        ):
            return  # another tick began it
        step.refresh_from_db()
        if locked.state == HallState.SCHEDULED:
            advance(locked, TRANSITIONS, HallAction.BEGIN, error=OpeningError.STATE)
        if step.code == steps.CODES[-1]:
            HallStep.objects.filter(pk=step.pk).update(ended_at=step.started_at)
            advance(locked, TRANSITIONS, HallAction.CLOSE, error=OpeningError.STATE)
        _record(
            locked,
            OpeningEvents.STEP_STARTED,
            None,
            {
                "step": step.code,
                "scheduled": step.scheduled_start,
                "actual": step.started_at,
                "note": step.note,
            },
        )
        live.publish(channel(locked), "step", {"step": step.code, "title": str(steps.TITLES[step.code])})


def halls_due() -> int:
    """The tick job: every hall moved by the clock (see the module's docstring). How many things happened."""
    now = clock.now()
    done = 0
    for window in BidWindow.objects.select_related("section__centre", "section__method").filter(
        section__hall__isnull=True, deadline__gt=now
    ):
        hall = hall_ensure(window.section, window)
        if hall is not None:
            done += 1
    for hall in Hall.objects.select_related("section__bid_window", "k_draw").filter(
        k_draw__isnull=True, bidders_counted__isnull=True
    ):
        if k_draw_ensure(hall) is not None:
            done += 1
    for hall in Hall.objects.select_related("section__bid_window").filter(
        bidders_counted__isnull=True, section__bid_window__deadline__lte=now
    ):
        hall_count(hall, hall.section.bid_window)
        done += 1
    for hall in Hall.objects.filter(
        state__in=[HallState.SCHEDULED, HallState.IN_PROGRESS],
        bidders_counted__isnull=False,
        opens_at__lte=now + dt.timedelta(minutes=steps.SIGN_IN_BEFORE),
    ).select_related("section__centre", "k_draw"):
        done += hall_advance(hall, now)
    for session in SecondSession.objects.filter(
        state__in=[SecondState.SCHEDULED, SecondState.IN_PROGRESS], opens_at__lte=now
    ).select_related("hall__section__centre"):
        done += second_advance(session, now)
    return done


# --- the confirmation step: each bidder answers for its own line -------------------------------------------


def line_decide(*, actor: Actor, hall: Hall, decision: str, remark: str = "") -> LineConfirmation:
    """`actor`'s organisation confirms its own line of `hall`'s opening sheet, or objects to it with what
    is wrong — only during the confirmation step, only its own line, once."""
    from ggzy.accounts.selectors import organisations_of

    remark = (remark or "").strip()
    if decision not in LineDecision.values:
        raise DomainError(OpeningError.REMARK)
    if decision == LineDecision.OBJECTED and not 0 < len(remark) <= 500:  # noqa: PLR2004
        raise DomainError(OpeningError.REMARK)
    with transaction.atomic():
        locked = Hall.objects.select_for_update().select_related("section__centre").get(pk=hall.pk)
        step = HallStep.objects.filter(hall=locked, code="confirmation").first()
        if step is None or step.started_at is None or step.ended_at is not None:
            raise DomainError(OpeningError.NOT_CONFIRMING)
        lines = {line.get("uscc"): line for line in locked.sheet or []}
        mine = [o for o in organisations_of(user=actor) if o.uscc in lines]
        if not mine:
            raise DomainError(OpeningError.NO_LINE)
        organisation = mine[0]
        if LineConfirmation.objects.filter(hall=locked, organisation=organisation).exists():
            raise DomainError(OpeningError.DECIDED)
        made = LineConfirmation.objects.create(
            hall=locked,
            organisation=organisation,
            decision=decision,
            remark=remark if decision == LineDecision.OBJECTED else "",
            decided_by=actor,
            decided_at=clock.now(),
        )
        _record(
            locked,
            OpeningEvents.LINE_DECIDED,
            actor,
            {"organisation": organisation.uscc, "decision": decision, "remark": made.remark},
        )
        live.publish(channel(locked), "line", {"decision": decision})
    return made


# --- objections at the opening (实施条例 §44: raised at the opening, answered on the spot) ------------------


def hall_object(*, actor: Actor, hall: Hall, text: str) -> object:
    """A bidder's objection at the opening, through the objections service (its stage "opening": only a
    bidder that took part, from the opening time to the end of that day). Not before the hall begins."""
    from ggzy.notices import selectors as notices_selectors
    from ggzy.notices import services as notices

    if hall.state not in (HallState.IN_PROGRESS, HallState.CLOSED):
        raise DomainError(OpeningError.STATE)
    notice = notices_selectors.opening_notice(hall.section)
    if notice is None:
        raise DomainError(OpeningError.STATE)
    objection = notices.objection_file(
        actor=actor, notice=notice, kind="objection", stage="opening", text=text, section=hall.section
    )
    with transaction.atomic():
        live.publish(channel(hall), "objection", {})
    return objection


def hall_answer(*, actor: Actor, hall: Hall, objection_uid: str, answer: str) -> object:
    """The initiator's (or its agent's) answer on the spot to an objection raised at this hall's opening."""
    from ggzy.notices import selectors as notices_selectors
    from ggzy.notices import services as notices

    found = notices_selectors.opening_objections(hall.section).filter(uid=objection_uid).first()
    if found is None:
        raise DomainError(OpeningError.NOT_FOUND)
    answered = notices.objection_answer(actor=actor, objection=found, answer=answer)
    with transaction.atomic():
        live.publish(channel(hall), "objection", {})
    return answered


# --- an opening in a room (现场开标) ------------------------------------------------------------------


def hall_on_site(*, actor: Actor, hall: Hall, room: str) -> Hall:
    """The centre's staff set the opening in a room, before it begins: the steps, the clock, the record are
    the same; staff drive the page on the room's screen and relay the releases the bidders present."""
    room = room.strip()
    if not 0 < len(room) <= 100:  # noqa: PLR2004
        raise DomainError(OpeningError.ON_SITE_INPUT)
    with transaction.atomic():
        locked = Hall.objects.select_for_update().select_related("section__centre").get(pk=hall.pk)
        if not is_staff_of(actor, locked.section.centre):
            raise DomainError(OpeningError.NOT_STAFF)
        if locked.state != HallState.SCHEDULED:
            raise DomainError(OpeningError.STATE)
        Hall.objects.filter(pk=locked.pk).update(on_site_room=room)
        locked.on_site_room = room
        _record(locked, OpeningEvents.ON_SITE, actor, {"room": room})
        live.publish(channel(locked), "step", {"on_site": True})
    return locked


# --- avoidance requested at the opening (回避申请), recorded for the expert draw ----------------------

#: Where a bidder's avoidance request at the opening comes from: 政府采购法实施条例第九条 (a supplier may ask
#: that a person with an interest in another supplier avoid) and, for procurement openings, the 87号令's rule
#: on 回避申请 raised on the spot at the opening [待核: article not read in the text]; engineering: 招标投标法
#: 第三十七条, 实施条例第四十六条 (who may not sit on the committee).
AVOIDANCE_BASIS = (
    "政府采购法实施条例第九条；财政部令第87号（开标时当场提出回避申请，条款待核）；"
    "招标投标法实施条例第四十六条"
)


def avoidance_request(
    *, actor: Actor, hall: Hall, person: str, reason: str, employer: str = ""
) -> AvoidanceRequest:
    """A bidder asks, at the opening (while the hall is under way), that `person` (and the employer it names,
    if any) avoid the section's evaluation, saying why; once per person and bidder. The initiator or its
    agent answers (`avoidance_decide`); an accepted request is excluded from the section's expert draw."""
    from ggzy.accounts.selectors import organisations_of

    person, reason, employer = person.strip(), reason.strip(), employer.strip()
    if not 0 < len(person) <= 50 or not 0 < len(reason) <= 500 or len(employer) > 100:  # noqa: PLR2004
        raise DomainError(OpeningError.AVOIDANCE_INPUT)
    with transaction.atomic():
        locked = Hall.objects.select_for_update().select_related("section__centre").get(pk=hall.pk)
        if locked.state != HallState.IN_PROGRESS:
            raise DomainError(OpeningError.STATE)
        bidders = {o.pk for o in sealing.bidder_organisations(locked.section)}
        mine = [o for o in organisations_of(user=actor) if o.pk in bidders]
        if not mine:
            raise DomainError(OpeningError.NOT_A_BIDDER)
        organisation = mine[0]
        if AvoidanceRequest.objects.filter(hall=locked, organisation=organisation, person=person).exists():
            raise DomainError(OpeningError.AVOIDANCE_TWICE)
        made = AvoidanceRequest.objects.create(
            hall=locked,
            organisation=organisation,
            person=person,
            employer=employer,
            reason=reason,
            requested_by=actor,
            requested_at=clock.now(),
        )
        _record(
            locked,
            OpeningEvents.AVOIDANCE_REQUESTED,
            actor,
            {"request": str(made.uid), "organisation": organisation.uscc, "person": person,
             "employer": employer, "reason": reason, "basis": AVOIDANCE_BASIS},
        )  # fmt: skip
        live.publish(channel(locked), "avoidance", {})
    return made


def avoidance_decide(
    *, actor: Actor, hall: Hall, request_uid: str, decision: str, answer: str
) -> AvoidanceRequest:
    """The initiator's (or its agent's) answer to an avoidance request made at this hall's opening: accepted
    (the person is excluded from the section's expert draw) or refused, with its answer; once."""
    if not acts_for(actor, hall.section.tender_project):
        raise DomainError(OpeningError.NOT_AGENT)
    answer = answer.strip()
    if decision not in AvoidanceDecision.values or not 0 < len(answer) <= 500:  # noqa: PLR2004
        raise DomainError(OpeningError.AVOIDANCE_DECISION)
    uid = _uuid_or_none(request_uid)
    if uid is None:
        raise DomainError(OpeningError.NOT_FOUND)
    with transaction.atomic():
        found = (
            AvoidanceRequest.objects.select_for_update()
            .select_related("hall__section__centre", "organisation")
            .filter(hall=hall, uid=uid)
            .first()
        )
        if found is None:
            raise DomainError(OpeningError.NOT_FOUND)
        if found.decision:
            raise DomainError(OpeningError.AVOIDANCE_DECIDED)
        AvoidanceRequest.objects.filter(pk=found.pk).update(
            decision=decision, answer=answer, decided_by=actor, decided_at=clock.now()
        )
        found.refresh_from_db()
        _record(
            found.hall,
            OpeningEvents.AVOIDANCE_DECIDED,
            actor,
            {"request": str(found.uid), "organisation": found.organisation.uscc, "person": found.person,
             "decision": decision, "answer": answer},
        )  # fmt: skip
        live.publish(channel(found.hall), "avoidance", {})
    return found


def _uuid_or_none(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(text))
    except ValueError:
        return None


# --- a bid that stayed closed: its cause, with evidence, and the agent's decision --------------------------

#: What 撤销 means for the bidder's security (实施条例 §35 第二款: a bid withdrawn after the deadline — a bid
#: its bidder left closed is treated as such — may lose its security, as the documents say) [verify].
REVOKED_CONSEQUENCE = "投标保证金按招标文件的规定处理（招标投标法实施条例第三十五条第二款）"


def _platform_evidence(hall: Hall, uscc: str) -> list[JSONDict]:
    """The platform's own record of the bid: its events (received, refusals at release, the custodians'
    answers) as witness-log references, so the decision rests on what anyone can check offline."""
    refs: list[JSONDict] = []
    for bid in sealing.standing_bids(hall.section, FIRST_SESSION).filter(organisation__uscc=uscc):
        found = Event.objects.filter(
            section_ref=hall.section.code, type__startswith="sealing.", document__contains=str(bid.uid)
        ).order_by("pk")
        refs.extend({"source": "platform", "event": str(e.uid), "type": e.type} for e in found)
    return refs


def bid_attribute(
    *, actor: Actor, hall: Hall, uscc: str, decision: str, reason: str, evidence: list[str] | None = None
) -> Attribution:
    """The initiator's (or its agent's) decision on a bid that neither its bidder nor the documents' remedy
    opened: 撤销 (the bidder caused it; the documents' consequence for its security applies) or 撤回 (it
    did not), with the reason and the evidence — the bidder's client log, the custodians' logs (references
    the agent gives) and the platform's own events of the bid (attached here). Once per bid; the other
    bids go on."""
    reason = (reason or "").strip()
    if decision not in AttributionDecision.values or not 0 < len(reason) <= 1000:  # noqa: PLR2004
        raise DomainError(OpeningError.ATTRIBUTION_INPUT)
    if not acts_for(actor, hall.section.tender_project):
        raise DomainError(OpeningError.NOT_AGENT)
    with transaction.atomic():
        locked = Hall.objects.select_for_update().select_related("section__centre").get(pk=hall.pk)
        line = next((x for x in locked.sheet or [] if x.get("uscc") == uscc), None)
        if line is None or line.get("released"):
            raise DomainError(OpeningError.NOT_ATTRIBUTABLE)
        organisation = next(o for o in sealing.bidder_organisations(locked.section) if o.uscc == uscc)
        if Attribution.objects.filter(hall=locked, organisation=organisation).exists():
            raise DomainError(OpeningError.ATTRIBUTED)
        given = [{"source": "agent", "reference": str(e)[:300]} for e in (evidence or []) if str(e).strip()]
        made = Attribution.objects.create(
            hall=locked,
            organisation=organisation,
            decision=decision,
            reason=reason,
            evidence=[
                *given,
                *_platform_evidence(locked, uscc),
                {"source": "remedy", "reason": line.get("not_opened")},
            ],
            consequence=REVOKED_CONSEQUENCE if decision == AttributionDecision.REVOKED else "",
            decided_by=actor,
            decided_at=clock.now(),
        )
        _record(
            locked,
            OpeningEvents.BID_ATTRIBUTED,
            actor,
            {"organisation": uscc, "decision": decision, "reason": reason, "evidence": made.evidence},
        )
    return made


# --- the agent's signature on the opening record -----------------------------------------------------------


def record_sign(*, actor: Actor, hall: Hall, signature: JSONDict) -> Hall:
    """The agent's (or the initiator's) detached signature on the opening record (ggzy-docsig-v1, made with
    its organisation's certificate, e.g. `ggzy-bid` and the local signing agent), checked against the
    centre's trusted CAs and the record's bytes; once."""
    from ggzy.accounts.selectors import organisations_of
    from ggzy.certs import seal

    if not acts_for(actor, hall.section.tender_project):
        raise DomainError(OpeningError.NOT_AGENT)
    with transaction.atomic():
        locked = Hall.objects.select_for_update().select_related("section__centre").get(pk=hall.pk)
        if not locked.record:
            raise DomainError(OpeningError.NO_RECORD)
        if locked.record_signature is not None:
            raise DomainError(OpeningError.SIGNED)
        verified = seal.document_verify(document=locked.record.encode("utf-8"), signature=signature)
        if verified.holder_id not in {o.uscc for o in organisations_of(user=actor)}:
            raise DomainError(OpeningError.NOT_SIGNER)
        Hall.objects.filter(pk=locked.pk).update(record_signature=signature)
        _record(
            locked,
            OpeningEvents.RECORD_SIGNED,
            actor,
            {"sm3": verified.sm3, "signer": verified.holder_id, "signed_at": verified.signed_at},
        )
        locked.record_signature = signature
    return locked


# --- two envelopes: the second session (二次开标) ------------------------------------------------------


def _technical_opened(hall: Hall) -> dict[str, JSONDict]:
    """The bidders whose technical envelope was opened in `hall` (by their release or the remedy), by
    unified code: the only ones that can have passed the technical review."""
    return {
        bid.organisation.uscc: {"organisation": bid.organisation.name, "uscc": bid.organisation.uscc}
        for bid in sealing.standing_bids(hall.section, ("technical",)).filter(opened_at__isnull=False)
    }


def second_session_schedule(
    *, actor: Actor, hall: Hall, passing: list[str], opens_at: dt.datetime | None
) -> SecondSession:
    """The initiator (or its agent) records which bidders passed the technical review — their unified
    codes, each one whose technical envelope was opened in this hall, at least one — and when the second
    session opens (a time to come; its decryption window is the documents' one). Once, after the first
    opening closed, for a two-envelope section only. Only those bidders' price envelopes are admitted
    (`sealing.services.price_envelopes_admit`); every other one stays sealed for ever."""
    if not acts_for(actor, hall.section.tender_project):
        raise DomainError(OpeningError.NOT_AGENT)
    if not two_envelopes(hall.section):
        raise DomainError(OpeningError.NOT_TWO_ENVELOPES)
    codes = list(dict.fromkeys(str(code).strip().upper() for code in passing if str(code).strip()))
    now = clock.now()
    with transaction.atomic():
        locked = Hall.objects.select_for_update().select_related("section__centre").get(pk=hall.pk)
        if locked.state != HallState.CLOSED:
            raise DomainError(OpeningError.SECOND_NOT_YET)
        if SecondSession.objects.filter(hall=locked).exists():
            raise DomainError(OpeningError.SECOND_SCHEDULED)
        opened = _technical_opened(locked)
        unknown = [code for code in codes if code not in opened]
        if not codes or unknown:
            raise DomainError(OpeningError.SECOND_PASSING, detail={"unknown": unknown})
        if opens_at is None or opens_at.tzinfo is None or opens_at < now:
            raise DomainError(OpeningError.SECOND_TIME)
        session = SecondSession.objects.create(
            hall=locked,
            passing=[opened[code] for code in codes],
            recorded_by=actor,
            recorded_at=now,
            opens_at=opens_at,
            window_minutes=locked.window_minutes,
        )
        SecondStep.objects.bulk_create(
            SecondStep(session=session, position=i, code=code, scheduled_start=start, scheduled_end=end)
            for i, (code, start, end) in enumerate(steps.second_schedule(opens_at, session.window_minutes))
        )
        admitted = sealing_services.price_envelopes_admit(
            section=locked.section,
            organisations=[
                o.pk for o in sealing.bidder_organisations(locked.section) if o.uscc in set(codes)
            ],
            opens_at=opens_at,
            until=opens_at + dt.timedelta(minutes=session.window_minutes),
        )
        _record(
            locked,
            OpeningEvents.SECOND_SCHEDULED,
            actor,
            {
                "passing": session.passing,
                "opens_at": opens_at,
                "window_minutes": session.window_minutes,
                "price_envelopes_admitted": admitted,
            },
        )
        live.publish(channel(locked), "step", {"second": "scheduled"})
    return session


def _price_remedy(session: SecondSession) -> dict[int, str]:
    """The documents' remedy for the admitted price envelopes not released in the second window (as
    `_remedy`); no other price envelope is ever touched."""
    section = session.hall.section
    record = criteria_of(section) or {}
    outcome: dict[int, str] = {}
    for bid in sealing.standing_bids(section, ("price",)).filter(price_admitted=True, opened_at__isnull=True):
        if record.get("release_remedy", "custodians") != "custodians":
            outcome[bid.pk] = "none"
            continue
        try:
            sealing_services.bid_open_by_custodians(actor=None, bid=bid)
            outcome[bid.pk] = "custodians"
        except DomainError as exc:
            outcome[bid.pk] = str((exc.detail or {}).get("reason") or exc.code)
    return outcome


def _price_sheet(session: SecondSession) -> str:
    """The price sheet once the second window closed: the remedy first, then each passing bidder's price
    envelope — released, opened by the custodians, not opened (why), or none sent."""
    remedied = _price_remedy(session)
    bids = {b.organisation.uscc: b for b in sealing.standing_bids(session.hall.section, ("price",))}
    lines = []
    for entry in session.passing:
        bid = bids.get(entry["uscc"])
        opened = bid is not None and bid.opened_at is not None
        how = remedied.get(bid.pk, "release" if opened else "") if bid is not None else "no_price_envelope"
        lines.append(
            {
                **entry,
                "released": opened,
                "opened_by": how if opened else "",
                "not_opened": "" if opened else how,
                "sheet": bid.opening_sheet if bid is not None and opened else None,
            }
        )
    SecondSession.objects.filter(pk=session.pk).update(sheet=lines)
    by_custodians = sum(1 for line in lines if line["opened_by"] == "custodians")
    unopened = sum(1 for line in lines if not line["released"])
    notes = []
    if by_custodians:
        notes.append(f"{by_custodians} 份报价文件未在解密时限内解密，已由密钥托管方解密")
    if unopened:
        notes.append(f"{unopened} 份报价文件未能解密")
    return "；".join(notes)


def second_record_document(session: SecondSession) -> JSONDict:
    """The second session's record (ggzy-second-opening-record-v1): the first record's SM3 (the chain),
    the bidders that passed and those whose technical envelope opened but did not pass (their price
    envelopes were never opened), who recorded the list and when, the schedule with actual instants and
    the price sheet."""
    session = SecondSession.objects.select_related("hall__section__tender_project").get(pk=session.pk)
    hall = session.hall
    passed = {entry["uscc"] for entry in session.passing}
    return {
        "format": "ggzy-second-opening-record-v1",
        "section": hall.section.code,
        "tender_project": hall.section.tender_project.code,
        "first_record_sm3": hall.record_sm3,
        "passing": session.passing,
        "not_passing": [
            entry for code, entry in sorted(_technical_opened(hall).items()) if code not in passed
        ],
        "recorded_at": session.recorded_at,
        "opens_at": session.opens_at,
        "window_minutes": session.window_minutes,
        "steps": [
            {"step": s.code, "scheduled": s.scheduled_start, "started": s.started_at, "note": s.note}
            for s in session.steps.order_by("position")
        ],
        "sheet": [
            {
                "organisation": line.get("organisation"),
                "uscc": line.get("uscc"),
                "decrypted": bool(line.get("released")),
                "opened_by": line.get("opened_by", ""),
                "not_opened": line.get("not_opened", ""),
                "sheet": line.get("sheet"),
            }
            for line in session.sheet or []
        ],
    }


def _second_close(session: SecondSession) -> str:
    """The second session's record: canonical, its SM3 kept and recorded (so the witness log proves it),
    sealed by the centre where a seal is configured. The first record is left as it was."""
    from ggzy.certs import seal

    hall = session.hall
    body = canonical.dumps(second_record_document(session))
    digest = sm3(body).hex()
    note = ""
    try:
        stamped = seal.document_sign(
            actor=None,
            document=body,
            name=f"二次开标记录-{hall.section.code}.json",
            media_type="application/json",
        )
    except DomainError:
        stamped, note = None, "未配置中心电子印章：二次开标记录未加盖中心印章"
    with transaction.atomic():
        SecondSession.objects.filter(pk=session.pk).update(
            record=body.decode("utf-8"), record_sm3=digest, record_seal=stamped
        )
        _record(hall, OpeningEvents.SECOND_RECORD_MADE, None, {"sm3": digest, "sealed": stamped is not None})
    return note


SECOND_ACTIONS = {"price_sheet": _price_sheet, "price_close": _second_close}


def _second_held(session: SecondSession, now: dt.datetime) -> bool:
    """As `_held`, for the second session: while a pause holds the section's opening no step begins;
    once it ends the steps not yet ended, and the price envelopes' release limit, move by the time it
    held."""
    hall = session.hall
    paused = _opening_paused(hall.section)
    if paused and session.paused_at is None:
        with transaction.atomic():
            SecondSession.objects.filter(pk=session.pk).update(paused_at=now)
            session.paused_at = now
            _record(hall, OpeningEvents.HALL_PAUSED, None, {"at": now, "session": "second"})
            live.publish(channel(hall), "step", {"paused": True})
    elif not paused and session.paused_at is not None:
        held = now - session.paused_at
        with transaction.atomic():
            _shift_unended(SecondStep.objects.filter(session=session), held)
            decryption = SecondStep.objects.get(session=session, code="price_decryption")
            sealing_services.price_release_limit(section=hall.section, until=decryption.scheduled_end)
            SecondSession.objects.filter(pk=session.pk).update(paused_at=None)
            _record(
                hall,
                OpeningEvents.HALL_RESUMED,
                None,
                {"held_seconds": int(held.total_seconds()), "at": now, "session": "second"},
            )
            live.publish(channel(hall), "step", {"paused": False})
        session.paused_at = None
    return paused


def second_advance(session: SecondSession, now: dt.datetime | None = None) -> int:
    """Begin (and end) every step of the second session whose instant has come, in order, its action
    running as it begins (the remedy asks the custodians: outside a transaction). How many began."""
    if _second_held(session, clock.now() if now is None else now):
        return 0

    def begin(step: SecondStep) -> None:
        session.refresh_from_db()
        action = SECOND_ACTIONS.get(step.code)
        _second_step_begin(session, step, action(session) if action is not None else "")

    return _walk(list(session.steps.order_by("position")), now, begin)


def _second_step_begin(session: SecondSession, step: SecondStep, note: str) -> None:
    with transaction.atomic():
        locked = (
            SecondSession.objects.select_for_update()
            .select_related("hall__section__centre")
            .get(pk=session.pk)
        )
        if not SecondStep.objects.filter(pk=step.pk, started_at__isnull=True).update(
            started_at=clock.now(), note=note[:300]
        ):
            return  # another tick began it
        step.refresh_from_db()
        if locked.state == SecondState.SCHEDULED:
            advance(locked, SECOND_TRANSITIONS, HallAction.BEGIN, error=OpeningError.STATE)
        if step.code == steps.SECOND_CODES[-1]:
            SecondStep.objects.filter(pk=step.pk).update(ended_at=step.started_at)
            advance(locked, SECOND_TRANSITIONS, HallAction.CLOSE, error=OpeningError.STATE)
        _record(
            locked.hall,
            OpeningEvents.SECOND_STEP_STARTED,
            None,
            {
                "step": step.code,
                "scheduled": step.scheduled_start,
                "actual": step.started_at,
                "note": step.note,
            },
        )
        live.publish(
            channel(locked.hall), "step", {"step": step.code, "title": str(steps.SECOND_TITLES[step.code])}
        )


# --- the bidder's release in the hall ----------------------------------------------------------------------


def hall_release(*, actor: Actor, hall: Hall, release: JSONDict) -> object:
    """A bidder releases its own bid in the hall's decryption window with the release `ggzy-bid release`
    made (ggzy-release-v2: signed for that very ciphertext). The bid is found by the release's
    `ciphertext_sm3` among the standing bids of the bidder's organisations in the section — never another's;
    the sealing service checks the rest (signature, key commitment, the window, a second release). Watchers
    are told that one more bid is released (never whose price)."""
    from ggzy.accounts.selectors import organisations_of
    from ggzy.opening.selectors import decrypting

    if not decrypting(hall):
        raise DomainError(OpeningError.NOT_DECRYPTING)
    payload = release.get("payload") if isinstance(release, dict) else None
    digest = payload.get("ciphertext_sm3") if isinstance(payload, dict) else None
    standing = sealing.standing_bids(hall.section)
    if hall.on_site_room and is_staff_of(actor, hall.section.centre):
        # on site: staff relay the release a bidder presents in the room; the bidder's signature in it is
        # what the sealing service checks, whoever carries it
        bid = standing.filter(ciphertext_sm3=digest).first() if isinstance(digest, str) else None
    else:
        mine = [o.pk for o in organisations_of(user=actor)]
        bid = (
            standing.filter(organisation_id__in=mine, ciphertext_sm3=digest).first()
            if isinstance(digest, str) and mine
            else None
        )
    if bid is None:
        raise DomainError(OpeningError.NOT_YOUR_RELEASE)
    opened = sealing_services.bid_open(actor=actor, bid=bid, release=release)
    with transaction.atomic():
        live.publish(channel(hall), "step", {"released": True})
    return opened
