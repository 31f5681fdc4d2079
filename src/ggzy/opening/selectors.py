"""Reads of opening halls. Who may enter a hall: the section's bidders (a standing bid of one of their
organisations), the initiator and its agent, the centre's staff and the supervisors — nobody else (the
same 404 as a missing hall). What each step shows waits for the step: the bidder list from its step on,
prices only once the decryption window closed (the opening sheet)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Q

from ggzy.accounts.selectors import supervisors_for
from ggzy.core import clock
from ggzy.core.access import is_signed_in
from ggzy.core.errors import DomainError
from ggzy.core.hooks import Hook
from ggzy.core.roles import Role, roles_of_user
from ggzy.core.types import JSONDict, Viewer
from ggzy.opening.errors import OpeningError
from ggzy.opening.event_types import OpeningEvents
from ggzy.opening.models import (
    Attribution,
    AvoidanceDecision,
    AvoidanceRequest,
    Hall,
    HallStep,
    LineConfirmation,
    SecondSession,
    SecondStep,
)
from ggzy.opening.states import HallState
from ggzy.registry.selectors import is_member, is_staff_of
from ggzy.sealing import selectors as sealing
from ggzy.tendering.selectors import acts_for

if TYPE_CHECKING:
    from ggzy.registry.models import Section


def may_enter(viewer: Viewer, hall: Hall) -> bool:
    if not is_signed_in(viewer):
        return False
    section = hall.section
    if is_staff_of(viewer, section.centre):
        return True
    if Role.SUPERVISOR in roles_of_user(viewer) and viewer in supervisors_for(section.centre.region):
        return True
    if acts_for(viewer, section.tender_project):
        return True
    return any(is_member(viewer, o) for o in sealing.bidder_organisations(section))


#: The events a hall's parties read as parties: its records, made and signed (with their inclusion proofs).
RECORD_TYPES = (
    OpeningEvents.RECORD_MADE.type,
    OpeningEvents.RECORD_SIGNED.type,
    OpeningEvents.SECOND_RECORD_MADE.type,
)


def party_events_q(viewer: Viewer) -> Q:
    """The events `viewer` reads as a party of an opening (settings.GGZY_PARTY_EVENTS, asked by the events
    app's one read path): the records of the halls whose section it bid in (a standing bid of one of its
    organisations) or whose project it acts for as initiator or agent, once made — so a bidder proves
    the record it confirmed against a co-signed head itself. Nothing else: a project's other `parties`
    events (who obtained the documents, who bid) stay with the centre and the supervisors."""
    from ggzy.accounts.selectors import organisations_of
    from ggzy.notices.selectors import party_q

    if not is_signed_in(viewer):
        return Q(pk__in=[])
    mine = organisations_of(user=viewer).order_by().values("pk")  # a subquery: no query of its own
    halls = Hall.objects.exclude(record="").filter(
        Q(section_id__in=sealing.sections_bid_by(mine))  # type: ignore[arg-type]
        | party_q(viewer, prefix="section__tender_project__project__")
    )
    return Q(type__in=RECORD_TYPES, section_ref__in=halls.values("section__code"))  # one subquery


def access_hall(*, viewer: Viewer, uid: uuid.UUID | str) -> Hall:
    """The hall if `viewer` may enter it; OpeningError.NOT_FOUND for a missing one and for one not theirs."""
    try:
        hall = Hall.objects.select_related("section__centre", "section__tender_project", "k_draw").get(
            uid=uuid.UUID(str(uid))
        )
    except (ValueError, Hall.DoesNotExist) as exc:
        raise DomainError(OpeningError.NOT_FOUND) from exc
    if not may_enter(viewer, hall):
        raise DomainError(OpeningError.NOT_FOUND)
    return hall


def halls_for(viewer: Viewer) -> list[Hall]:
    """The halls `viewer` may enter, newest opening first (at most 50)."""
    halls = Hall.objects.select_related("section__centre", "section__tender_project").order_by("-opens_at")[
        :200
    ]
    return [h for h in halls if may_enter(viewer, h)][:50]


@dataclass(frozen=True)
class HallView:
    hall: Hall
    steps: list[HallStep]
    started: set[str]
    bidder_list: list[JSONDict] | None
    sheet: list[JSONDict] | None


def hall_view(hall: Hall) -> HallView:
    """What the hall shows now: each step with its scheduled and actual instants; the bidder list only
    from its step on; the opening sheet (prices) only once the decryption window closed."""
    rows = list(hall.steps.order_by("position"))
    started = {s.code for s in rows if s.started_at is not None}
    return HallView(
        hall=hall,
        steps=rows,
        started=started,
        bidder_list=hall.bidder_list if "bidder_list" in started else None,
        sheet=hall.sheet if "opening_sheet" in started and hall.state != HallState.FAILED else None,
    )


@dataclass(frozen=True)
class SecondView:
    """What a two-envelope section's second session shows now: who passed and when it opens; its steps
    with their instants; the price sheet only once its decryption window closed."""

    session: SecondSession
    steps: list[SecondStep]
    started: set[str]
    sheet: list[JSONDict] | None


def second_view(hall: Hall) -> SecondView | None:
    """The hall's second session as it may be shown (None: none scheduled)."""
    session = SecondSession.objects.filter(hall=hall).first()
    if session is None:
        return None
    rows = list(session.steps.order_by("position"))
    started = {s.code for s in rows if s.started_at is not None}
    return SecondView(
        session=session,
        steps=rows,
        started=started,
        sheet=session.sheet if "price_sheet" in started else None,
    )


def second_candidates(viewer: Viewer, hall: Hall) -> list[JSONDict]:
    """For the initiator's side of a closed two-envelope hall with no second session yet: the bidders
    whose technical envelope was opened (the only ones that can have passed the review); else []."""
    from ggzy.opening.envelopes import two_envelopes

    if (
        hall.state != HallState.CLOSED
        or not acts_for(viewer, hall.section.tender_project)
        or SecondSession.objects.filter(hall=hall).exists()
        or not two_envelopes(hall.section)
    ):
        return []
    return [
        {"organisation": bid.organisation.name, "uscc": bid.organisation.uscc}
        for bid in sealing.standing_bids(hall.section, ("technical",)).filter(opened_at__isnull=False)
    ]


def confirming(hall: Hall) -> bool:
    """Whether the confirmation step is under way."""
    return HallStep.objects.filter(
        hall=hall, code="confirmation", started_at__isnull=False, ended_at__isnull=True
    ).exists()


def own_lines(viewer: Viewer, hall: Hall) -> set[str]:
    """The unified codes of the viewer's organisations that have a line on the hall's opening sheet."""
    if not is_signed_in(viewer) or not hall.sheet:
        return set()
    from ggzy.accounts.selectors import organisations_of

    codes = {line.get("uscc") for line in hall.sheet}
    return {o.uscc for o in organisations_of(user=viewer) if o.uscc in codes}


def decisions(hall: Hall) -> dict[str, LineConfirmation]:
    """Each line's answer so far, by the bidder's unified code."""
    return {c.organisation.uscc: c for c in hall.confirmations.select_related("organisation")}


def objections(viewer: Viewer, hall: Hall) -> list[JSONDict]:
    """The objections raised at the hall's opening with their answers (none before it begins). Who filed
    one is shown to the filer and to the initiator and its agent who answer it — to no other bidder (the
    objections' rule, `notices.selectors.access_objection`)."""
    if hall.state not in (HallState.IN_PROGRESS, HallState.CLOSED):
        return []
    from ggzy.notices.selectors import opening_objections

    answering = acts_for(viewer, hall.section.tender_project)
    out = []
    for o in opening_objections(hall.section):
        named = answering or is_member(viewer, o.organisation)
        out.append(
            {
                "uid": str(o.uid),
                "who": o.organisation.name if named and o.organisation else "",
                "filed_at": o.filed_at,
                "text": o.text,
                "answer": o.answer,
            }
        )
    return out


def may_object(viewer: Viewer, hall: Hall) -> bool:
    """Whether the viewer is a bidder of the section, in a hall under way (the service decides the rest)."""
    return hall.state == HallState.IN_PROGRESS and any(
        is_member(viewer, o) for o in sealing.bidder_organisations(hall.section)
    )


def may_answer(viewer: Viewer, hall: Hall) -> bool:
    """Whether the viewer answers for the initiator (the initiator or its agent)."""
    return hall.state in (HallState.IN_PROGRESS, HallState.CLOSED) and acts_for(
        viewer, hall.section.tender_project
    )


def _oversees(viewer: Viewer, hall: Hall) -> bool:
    """The centre's staff, the initiator's side and the region's supervisors: who sees every party's acts."""
    section = hall.section
    return (
        is_staff_of(viewer, section.centre)
        or acts_for(viewer, section.tender_project)
        or (Role.SUPERVISOR in roles_of_user(viewer) and viewer in supervisors_for(section.centre.region))
    )


def is_centre_staff(viewer: Viewer, hall: Hall) -> bool:
    return is_signed_in(viewer) and is_staff_of(viewer, hall.section.centre)


def avoidance_requests(viewer: Viewer, hall: Hall) -> list[AvoidanceRequest]:
    """The avoidance requests made at this opening, as far as `viewer` may see them: the centre's staff,
    the initiator's side and the supervisors all; a bidder its own organisation's only."""
    if not is_signed_in(viewer):
        return []
    found = list(hall.avoidance_requests.select_related("organisation"))
    if not found or _oversees(viewer, hall):
        return found
    return [r for r in found if is_member(viewer, r.organisation)]


def avoidances_for_draw(section_id: int) -> list[AvoidanceRequest]:
    """The accepted avoidance requests of a section's opening, for its expert draw: each person (and the
    employer named) is excluded from it. No visibility applied: the draw reads it."""
    return list(
        AvoidanceRequest.objects.filter(
            hall__section_id=section_id, decision=AvoidanceDecision.ACCEPTED
        ).order_by("requested_at", "pk")
    )


def attributions(viewer: Viewer, hall: Hall) -> dict[str, Attribution]:
    """The decisions on bids that stayed closed, by the bidder's unified code, as far as `viewer` may see
    them: the supervisors, the centre's staff and the initiator's side see all; a bidder its own only."""
    found = {a.organisation.uscc: a for a in hall.attributions.select_related("organisation")}
    if not found or not is_signed_in(viewer):
        return {}
    section = hall.section
    if (
        is_staff_of(viewer, section.centre)
        or acts_for(viewer, section.tender_project)
        or (Role.SUPERVISOR in roles_of_user(viewer) and viewer in supervisors_for(section.centre.region))
    ):
        return found
    return {code: a for code, a in found.items() if is_member(viewer, a.organisation)}


@dataclass(frozen=True)
class RecordWitness:
    """What the public record verification page says of a record it found by its SM3: where the witness
    log holds the record's event, and whether the centre's seal and the agent's signature are on it —
    nothing of its content."""

    sm3: str
    event: str  # the uid of its `opening.record.made` event ("" if none was found)
    leaf_index: int | None  # None while the log has not integrated the event yet
    sealed: bool
    signed: bool


def record_witness(sm3: str) -> RecordWitness | None:
    """The record whose SM3 is `sm3` (64 lowercase hex digits), for anyone: only who holds the record (or
    its PDF) knows its SM3, and the answer says no more than they hold. None when no hall made one."""
    from ggzy.events.models import Event
    from ggzy.opening.event_types import OpeningEvents
    from ggzy.witness.selectors import leaf_indexes

    hall = Hall.objects.select_related("section").filter(record_sm3=sm3).exclude(record="").first()
    if hall is None:
        return None
    events = Event.objects.filter(type=OpeningEvents.RECORD_MADE.type, section_ref=hall.section.code)
    uid = next((str(e.uid) for e in events.only("uid", "document") if sm3 in e.document), "")
    return RecordWitness(
        sm3=sm3,
        event=uid,
        leaf_index=leaf_indexes([uid]).get(uid) if uid else None,
        sealed=bool(hall.record_seal),
        signed=bool(hall.record_signature),
    )


def decrypting(hall: Hall) -> bool:
    """Whether a decryption window of the hall is open now: the first session's decryption step, or the
    second session's (two envelopes)."""
    return (
        HallStep.objects.filter(
            hall=hall, code="decryption", started_at__isnull=False, ended_at__isnull=True
        ).exists()
        or SecondStep.objects.filter(
            session__hall=hall, code="price_decryption", started_at__isnull=False, ended_at__isnull=True
        ).exists()
    )


def release_states(viewer: Viewer, hall: Hall) -> JSONDict | None:
    """While a decryption window of the hall is open: each bidder's state (released or not, never a price)
    and, for a bidder, whether it still has a bid of its own to release; None otherwise."""
    if not decrypting(hall):
        return None
    from ggzy.accounts.selectors import organisations_of

    second = SecondStep.objects.filter(
        session__hall=hall, code="price_decryption", started_at__isnull=False, ended_at__isnull=True
    ).exists()
    if second:  # the second session: the admitted price envelopes only
        bids = list(sealing.standing_bids(hall.section, ("price",)).filter(price_admitted=True))
    else:  # the first: whole bids and technical envelopes (price envelopes wait, sealed)
        bids = list(sealing.standing_bids(hall.section, ("single", "technical")))
    states: dict[str, bool] = {}
    for bid in bids:
        name = bid.organisation.name
        states[name] = states.get(name, True) and bid.opened_at is not None
    mine = {o.pk for o in organisations_of(user=viewer)} if is_signed_in(viewer) else set()
    return {
        "bidders": sorted(states.items()),
        "to_release": any(b.organisation_id in mine and b.opened_at is None for b in bids),
    }


#: Who offers the recordings of an opening (6.8.2: the opening under audio and video monitoring): each
#: provider takes the section and the opening's time range and answers (label, playback link) pairs.
#: `venues` registers one at start (the cameras of the rooms booked for the opening); opening sits below it.
RecordingProvider = Callable[["Section", dt.datetime, dt.datetime], list[tuple[str, str]]]
RECORDINGS: Hook[RecordingProvider] = Hook("opening.recordings")


def recordings(viewer: Viewer, hall: Hall) -> list[tuple[str, str]]:
    """The recordings of the opening's time — from its opening time to its last step's end, or to now
    while it runs — for the centre's staff and the supervisors; nothing before it begins."""
    if not RECORDINGS.providers or not is_signed_in(viewer):
        return []
    if not is_centre_staff(viewer, hall) and Role.SUPERVISOR not in roles_of_user(viewer):
        return []
    now = clock.now()
    if now <= hall.opens_at:
        return []
    ended = [step.ended_at for step in hall.steps.all()]
    end = min(now, max(e for e in ended if e is not None)) if ended and all(ended) else now
    return [link for provider in RECORDINGS.providers for link in provider(hall.section, hall.opens_at, end)]
