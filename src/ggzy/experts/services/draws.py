"""The draws of the experts app (docs/experts.md): a draw request, its seed's commitments, its eligible list
fixed (the moment), the draw from the revealed seed, and the experts' own answers with replacements down the
same order.

    request = request_make(actor=…, section=…, needs={"A08": {"count": 5, "reserves": 2}}, committee=7, …)
    seed_open(request=request)            # outside any transaction: the beacons commit
    …                                     # a co-signed head holds the commitments
    request_fix(actor=…, request=request) # the eligible list hashed and published: the moment
    request_draw(actor=…, request=request)# outside any transaction: the seed revealed, the first calls made
    call_answer(actor=expert_user, call=…, answer="declined")   # the next of that specialty's order called
"""

from __future__ import annotations

import datetime as dt
import json
import math
import uuid

from django.db import transaction
from django.db.models import Q

from ggzy.core import clock
from ggzy.core.errors import DomainError
from ggzy.core.fields import Sealed
from ggzy.core.formatting import PLATFORM_ZONE
from ggzy.core.states import advance, require
from ggzy.core.types import Actor, JSONDict
from ggzy.events.catalogue import EventType
from ggzy.events.embargo import Embargo
from ggzy.events.models import Event
from ggzy.events.services import event_record
from ggzy.experts import draw as drawing
from ggzy.experts import eligibility
from ggzy.experts.errors import ExpertsError
from ggzy.experts.event_types import ExpertsEvents
from ggzy.experts.models import Call, DrawRequest, Expert, Source
from ggzy.experts.states import TRANSITIONS, Answer, RequestAction, RequestState
from ggzy.randomness import services as randomness
from ggzy.registry.models import Section
from ggzy_sm import canonical
from ggzy_sm.sm3 import sm3

#: "N 周岁以下" (民法典 §1259: including N). The pool's age limit: a centre may set a lower one, never higher.
AGE_LIMIT = 70
#: Most calls of one expert in 30 days, unless the request sets fewer.
MAX_CALLS_30_DAYS = 6
#: The roster goes to the evaluation area this long before the evaluation, unless the request sets a time.
PUSH_BEFORE = dt.timedelta(minutes=30)
#: The moment the seed's randomness waits for, in words (docs/randomness.md).
MOMENT = "合格专家名单固定并公布其 SM3 摘要之时"


def _embargo(request: DrawRequest) -> Embargo | None:
    section = request.section
    if section is not None and hasattr(section, "bid_window"):
        return Embargo("section.opening", section.code)
    return None


def _record(request: DrawRequest, type_: EventType, actor: Actor | None, data: JSONDict) -> Event:
    embargo: Embargo | None
    if type_.embargo.kind == "experts.evaluation":
        embargo = Embargo("experts.evaluation", request.ref)
    elif type_.embargo.kind == "section.opening":
        embargo = _embargo(request)
    else:
        embargo = None  # never embargoed (fees and ratings, after the evaluation)
    return event_record(
        type=type_,
        actor=actor,
        data={"request": str(request.uid), **data},
        centre=request.centre,
        region=request.region,
        project=request.project,
        section=request.section.code if request.section is not None else "",
        embargo=embargo,
    )


def _needs_checked(needs: object, committee: int) -> dict[str, dict[str, int]]:
    """{code: {"count", "reserves"}} with whole numbers, at least one expert in all; a committee of an odd
    number, five or more, at least two thirds of it experts from the pool and the rest representatives
    (招标投标法 §37)."""
    if not isinstance(needs, dict) or not needs or not isinstance(committee, int):
        raise DomainError(ExpertsError.NEEDS)
    checked: dict[str, dict[str, int]] = {}
    for code, need in needs.items():
        count = need.get("count") if isinstance(need, dict) else None
        reserves = need.get("reserves", 0) if isinstance(need, dict) else None
        if (
            not isinstance(code, str)
            or not 0 < len(code) <= 16  # noqa: PLR2004
            or not isinstance(count, int)
            or not isinstance(reserves, int)
            or isinstance(count, bool)
            or count < 0
            or reserves < 0
        ):
            raise DomainError(ExpertsError.NEEDS)
        checked[code] = {"count": count, "reserves": reserves}
    experts = sum(n["count"] for n in checked.values())
    if committee < 5 or committee % 2 == 0 or experts > committee or experts < math.ceil(2 * committee / 3):  # noqa: PLR2004
        raise DomainError(ExpertsError.NEEDS)
    return checked


def _strings(value: object) -> list[str]:
    return [str(x) for x in value] if isinstance(value, list | tuple) else []


def _pairs(value: object) -> list[tuple[str, str]]:
    if not isinstance(value, list | tuple):
        return []
    return [(str(p[0]), str(p[1])) for p in value if isinstance(p, list | tuple) and len(p) == 2]  # noqa: PLR2004


def avoid_for_section(section: Section, *, day: dt.date) -> JSONDict:
    """Whom a section's draw avoids, from the facts of the apps that own them: the initiator and its agent,
    every bidder with a standing bid and the members of the consortia they lead, the organisations that hold
    or control any of them and the persons tied to them (the market-entity library, 3 years), and the
    persons of the avoidance requests accepted at its opening."""
    from ggzy.entities import selectors as entities
    from ggzy.opening.selectors import avoidances_for_draw
    from ggzy.sealing import selectors as sealing
    from ggzy.tendering import selectors as tendering

    project = section.tender_project.project
    bidders = sealing.bidder_organisations(section)
    parties = {o.pk: o for o in [project.initiator, *bidders]}
    if project.agent is not None:
        parties[project.agent.pk] = project.agent
    for member in tendering.consortium_members(section, [o.pk for o in bidders]):
        parties[member.pk] = member
    controllers, persons = entities.ties_of(parties.values(), at=day)
    return {
        "organisations": sorted({o.uscc for o in parties.values()} | controllers),
        "persons": sorted(persons),
        "names": [[a.person, a.employer] for a in avoidances_for_draw(section.pk)],
    }


@transaction.atomic
def request_make(
    *,
    actor: Actor | None,
    centre: str,
    region: str,
    evaluation_at: dt.datetime,
    place: str,
    needs: dict[str, dict[str, int]],
    committee: int,
    section: Section | None = None,
    project: str = "",
    procurement: bool = False,
    engineering: bool = False,
    avoid: JSONDict | None = None,
    remote_city: str = "",
    max_calls_30_days: int = MAX_CALLS_30_DAYS,
    age_limit: int = AGE_LIMIT,
    push_at: dt.datetime | None = None,
) -> DrawRequest:
    """A draw request with its rules as data: the organisations (USCCs) and persons (identity-number search
    hashes) to avoid, the supervising departments, the names of accepted avoidance requests."""
    checked = _needs_checked(needs, committee)
    now = clock.now()
    if evaluation_at <= now:
        raise DomainError(ExpertsError.TIME)
    if not 0 < age_limit <= AGE_LIMIT or max_calls_30_days < 1:
        raise DomainError(ExpertsError.LIMITS)
    push_at = push_at or evaluation_at - PUSH_BEFORE
    if not now < push_at <= evaluation_at:
        raise DomainError(ExpertsError.PUSH_TIME)
    avoid = dict(avoid or {})
    listed = {
        key: sorted(set(_strings(avoid.get(key)))) for key in ("organisations", "supervising", "persons")
    }
    names = sorted(set(_pairs(avoid.get("names"))))
    uid = uuid.uuid4()
    request = DrawRequest.objects.create(
        uid=uid,
        ref=str(uid),
        section=section,
        centre=centre,
        region=region,
        project=project or (section.tender_project.project.code if section is not None else ""),
        procurement=procurement,
        engineering=engineering,
        evaluation_at=evaluation_at,
        place=place[:200],
        committee=committee,
        push_at=push_at,
        needs=checked,
        avoid={**listed, "names": [list(pair) for pair in names]},
        remote_city=remote_city[:4],
        max_calls_30_days=max_calls_30_days,
        age_limit=age_limit,
        requested_by=actor,
        requested_at=now,
    )
    _record(
        request,
        ExpertsEvents.REQUESTED,
        actor,
        {
            "needs": checked,
            "committee": committee,
            "evaluation_at": evaluation_at,
            "push_at": push_at,
            # never the counts of whom it avoids: before the opening they would tell how many bid
        },
    )
    return request


def seed_open(*, request: DrawRequest) -> DrawRequest:
    """The seed's commitments (outside any transaction: the beacons are asked), before the list is fixed."""
    if request.seed_draw_id is not None:
        return request
    require(request, TRANSITIONS, RequestAction.FIX, error=ExpertsError.STATE)
    opened = randomness.draw_open(
        actor=None,
        purpose="experts.seed",
        subject=f"评标专家抽取 {request.uid}",
        derive={"kind": "seed"},
        moment_label=MOMENT,
        centre=request.centre,
        region=request.region,
        project=request.project,
        section=request.section.code if request.section is not None else "",
    )
    DrawRequest.objects.filter(pk=request.pk, seed_draw__isnull=True).update(seed_draw=opened)
    request.refresh_from_db()
    return request


def rules_of(request: DrawRequest) -> dict[str, object]:
    """The rules of `request` as `eligibility.rule_q` takes them."""
    avoid = request.avoid or {}
    return {
        "day": request.evaluation_at.astimezone(PLATFORM_ZONE).date(),
        "at": request.fixed_at or clock.now(),
        "procurement": request.procurement,
        "engineering": request.engineering,
        "organisations": _strings(avoid.get("organisations")),
        "supervising": _strings(avoid.get("supervising")),
        "persons": _strings(avoid.get("persons")),
        "names": _pairs(avoid.get("names")),
        "max_calls": request.max_calls_30_days,
        "age_limit": request.age_limit,
        "remote_city": request.remote_city,
    }


def eligible_for(request: DrawRequest) -> tuple[dict[str, list[str]], dict[str, int]]:
    """The eligible experts' uids per specialty (sorted) and the counts each rule excludes, now."""
    rules = eligibility.rule_q(**rules_of(request))  # type: ignore[arg-type]
    return eligibility.eligible(codes=sorted(request.needs), rules=rules)


def eligible_document(eligible: dict[str, list[str]]) -> bytes:
    """The fixed list as it is hashed and kept: canonical JSON {"format", "specialties": {code: [uid]}}."""
    return canonical.dumps({"format": "ggzy-expert-eligible-v1", "specialties": eligible})


@transaction.atomic
def request_fix(*, actor: Actor | None, request: DrawRequest) -> DrawRequest:
    """Fix the eligible list: computed in the database by the rules, refused (nothing written) when a
    specialty has fewer than it needs with its reserves, else kept encrypted with its SM3 published —
    the moment the seed's randomness waits for."""
    request = DrawRequest.objects.select_for_update().get(pk=request.pk)
    require(request, TRANSITIONS, RequestAction.FIX, error=ExpertsError.STATE)
    if request.seed_draw is not None and randomness.sealing_head(request.seed_draw) is None:
        # fixed now, the list would be the moment before the commitments were shown logged: the seed could
        # never be revealed (the randomness service refuses it) and the request would be lost
        raise DomainError(ExpertsError.SEED_NOT_LOGGED)
    now = clock.now()
    request.fixed_at = now
    eligible, exclusions = eligible_for(request)
    short = {
        code: len(eligible[code])
        for code, need in request.needs.items()
        if len(eligible[code]) < need["count"] + need["reserves"]
    }
    if short:
        raise DomainError(ExpertsError.TOO_FEW, detail={"eligible": short, "excluded": exclusions})
    document = eligible_document(eligible)
    digest = sm3(document).hex()
    advance(
        request,
        TRANSITIONS,
        RequestAction.FIX,
        error=ExpertsError.STATE,
        eligible_sm3=digest,
        exclusions=exclusions,
        fixed_at=now,
    )
    request.eligible = document.decode()  # an encrypted field is bound to its row: saved, never updated
    request.save(update_fields=["eligible"])
    fixed = _record(
        request,
        ExpertsEvents.FIXED,
        actor,
        {
            "eligible_sm3": digest,
            "sizes": {code: len(uids) for code, uids in eligible.items()},
            "excluded": exclusions,
            "seed_draw": str(request.seed_draw.uid) if request.seed_draw is not None else "",
        },
    )
    DrawRequest.objects.filter(pk=request.pk).update(fixed_event=fixed.uid)
    request.fixed_event = fixed.uid
    _changes_flag(request, now)
    return request


#: A change of an expert's status or availability this shortly before a draw is flagged to supervisors.
RECENT_CHANGE = dt.timedelta(hours=48)


def _changes_flag(request: DrawRequest, now: dt.datetime) -> None:
    """The experts of the request's specialties whose status changed, or who recorded days unavailable,
    within `RECENT_CHANGE` before the list was fixed: counted for the supervisors (a pool tuned just before
    a draw), never named."""
    since = now - RECENT_CHANGE
    of_specialties = Expert.objects.filter(specialties__code__in=list(request.needs)).distinct()
    status = of_specialties.filter(status_changed_at__gte=since, status_changed_at__lte=now).count()
    unavailable = of_specialties.filter(
        unavailable__recorded_at__gte=since, unavailable__recorded_at__lte=now
    ).count()
    if status or unavailable:
        _record(
            request,
            ExpertsEvents.CHANGES_FLAGGED,
            None,
            {"hours": 48, "status_changed": status, "unavailability_recorded": unavailable},
        )


def eligible_of(request: DrawRequest) -> dict[str, list[str]]:
    """The fixed eligible list, decrypted for the draw and the auditor's check: {code: [uid]}."""
    return dict(json.loads(eligible_text(request))["specialties"])


def eligible_text(request: DrawRequest) -> str:
    value = request.eligible
    return value.decrypt_for_system() if isinstance(value, Sealed) else str(value)


def fixed_event(request: DrawRequest) -> Event | None:
    """The event that fixed the list and published its SM3: the moment the seed waited for."""
    return Event.objects.filter(uid=request.fixed_event).first() if request.fixed_event else None


def request_draw(*, actor: Actor | None, request: DrawRequest) -> DrawRequest:
    """Reveal the seed after the list was fixed (outside any transaction), then make the first calls."""
    moment = fixed_event(request)
    if request.seed_draw is None or moment is None:
        raise DomainError(ExpertsError.STATE)
    drawn = randomness.draw_reveal(actor=actor, draw=request.seed_draw, moment=moment)
    return calls_make(actor=actor, request=request, seed=drawn.seed)


@transaction.atomic
def calls_make(*, actor: Actor | None, request: DrawRequest, seed: str) -> DrawRequest:
    """The first calls from `seed` (the revealed seed of the request's draw): each specialty's members and
    reserves from the front of its order. Once."""
    request = DrawRequest.objects.select_for_update().get(pk=request.pk)
    if request.state == RequestState.DRAWN:
        raise DomainError(ExpertsError.DRAWN)
    require(request, TRANSITIONS, RequestAction.DRAW, error=ExpertsError.STATE)
    eligible = eligible_of(request)
    walk = drawing.Walk(seed, eligible)
    seats = walk.first(request.needs)
    now = clock.now()
    uids = {seat.expert for seat in seats}
    experts = {str(e.uid): e for e in _experts(uids)}
    Call.objects.bulk_create(
        Call(
            request=request,
            specialty=seat.specialty,
            position=seat.position,
            expert=experts[seat.expert],
            role=seat.role,
            sequence=i,
            called_at=now,
        )
        for i, seat in enumerate(seats)
    )
    advance(request, TRANSITIONS, RequestAction.DRAW, error=ExpertsError.STATE, drawn_at=now, seed=seed)
    counts: dict[str, dict[str, int]] = {}
    for seat in seats:
        counts.setdefault(seat.specialty, {}).setdefault(seat.role, 0)
        counts[seat.specialty][seat.role] += 1
    drawn = _record(request, ExpertsEvents.DRAWN, actor, {"called": counts})
    tell(list(Call.objects.filter(request=request).select_related("expert", "request")), drawn)
    return request


def _experts(uids: set[str]) -> list[Expert]:
    return list(Expert.objects.filter(uid__in=uids))


#: How long a called expert has to answer, unless the evaluation is sooner (then until it begins).
ANSWER_MINUTES = 120


def answer_limit(call: Call) -> dt.datetime:
    return min(call.called_at + dt.timedelta(minutes=ANSWER_MINUTES), call.request.evaluation_at)


@transaction.atomic
def call_answer(*, actor: Actor, call: Call, answer: str) -> Call:
    """The expert's own answer to its call (never staff's): accept, or decline — which calls the next expert
    of the same specialty's order. Within the time to answer; once."""
    call = Call.objects.select_for_update().select_related("request", "expert").get(pk=call.pk)
    if call.expert.user_id is None or call.expert.user_id != getattr(actor, "pk", None):
        raise DomainError(ExpertsError.NOT_YOURS)
    if answer not in (Answer.ACCEPTED, Answer.DECLINED):
        raise DomainError(ExpertsError.ANSWER)
    if call.answer != Answer.PENDING:
        raise DomainError(ExpertsError.ANSWERED)
    now = clock.now()
    if now > answer_limit(call):
        raise DomainError(ExpertsError.LATE)
    answered = _answered(call, answer, now, actor)
    if answered is None:
        raise DomainError(ExpertsError.ANSWERED)
    return answered


def _answered(
    call: Call,
    answer: str,
    now: dt.datetime,
    actor: Actor | None,
    *,
    was: tuple[str, ...] = (Answer.PENDING,),
) -> Call | None:
    """Record the answer once (a compare-and-set on the call's answer `was`: two passes, or an expert's
    answer and the clock's timeout, never both count), then, for a decline, a timeout or an avoidance found
    at check-in, call the next expert of the same order; with the order run out, the decline stands and the
    event says so (staff must act: a new request). None when the call was answered meanwhile."""
    if not Call.objects.filter(pk=call.pk, answer__in=was).update(answer=answer, answered_at=now):
        return None
    DrawRequest.objects.select_for_update().filter(pk=call.request_id).first()  # one replacement at a time
    call.answer, call.answered_at = answer, now
    replacement = _replace(call, now) if answer in (Answer.DECLINED, Answer.TIMEOUT, Answer.AVOIDED) else None
    answered = _record(
        call.request,
        ExpertsEvents.ANSWERED,
        actor,
        {
            "sequence": call.sequence,
            "answer": answer,
            "replacement": {"sequence": replacement.sequence, "position": replacement.position}
            if replacement
            else None,
            "exhausted": answer != Answer.ACCEPTED and replacement is None,
        },
    )
    if replacement is not None:
        tell([replacement], answered)
    return call


def tell(calls: list[Call], event: Event) -> None:
    """Each called expert told in its inbox and by SMS (where it has an account, a phone): the evaluation's
    time and place and the time to answer by — never the project. The messages carry `event`'s embargo, so
    the delivery log shows them to others only once the evaluation began."""
    from ggzy.core.formatting import local_time
    from ggzy.events.notifications import DeliveryChannel, Recipient, notify

    for call in calls:
        expert = call.expert
        phone = (
            expert.phone.decrypt_for_system() if isinstance(expert.phone, Sealed) else str(expert.phone or "")
        )
        channels = [
            c for c, has in ((DeliveryChannel.INBOX, expert.user_id), (DeliveryChannel.SMS, phone)) if has
        ]
        if not channels:
            continue
        notify(
            template="experts.called",
            recipients=[Recipient(user=expert.user, phone=phone)],
            context={
                "evaluation_at": local_time(call.request.evaluation_at),
                "place": call.request.place,
                "answer_by": local_time(answer_limit(call)),
            },
            channels=channels,
            event=event,
        )


def declined_order(request: DrawRequest) -> list[int]:
    """The sequences of the calls declined (or timed out), in the order their replacements were made."""
    found = Call.objects.filter(request=request, replaces__isnull=False).order_by("sequence")
    return [r for r in found.values_list("replaces", flat=True) if r is not None]


def _replace(call: Call, now: dt.datetime) -> Call | None:
    """The next expert of the declined call's specialty order, after a replay of every call so far (the walk
    an auditor recomputes). A request the provincial pool drew: the pool walks its own order."""
    request = call.request
    if request.source == Source.PROVINCIAL:
        from ggzy.experts.services.provincial import provincial_replace  # it imports this module

        reason = {"declined": "declined", "avoided": "conflict"}.get(str(call.answer), "no_answer")
        return provincial_replace(call=call, reason=reason)
    eligible = eligible_of(request)
    walk = drawing.replay(request.seed, eligible, request.needs, declined_order(request))
    made = walk.call(call.specialty, "replacement")
    if made is None:
        return None  # the order ran out: the event says so
    return Call.objects.create(
        request=request,
        specialty=made.specialty,
        position=made.position,
        expert=_experts({made.expert})[0],
        role=made.role,
        sequence=len(walk.seats) - 1,
        replaces=call.sequence,
        called_at=now,
    )


def calls_timeout() -> int:
    """The tick job: calls not answered in time count as declined (by the clock, never by staff)."""
    done = 0
    now = clock.now()
    late = Q(called_at__lt=now - dt.timedelta(minutes=ANSWER_MINUTES)) | Q(request__evaluation_at__lt=now)
    pending = Call.objects.filter(late, answer=Answer.PENDING, request__source=Source.LOCAL)  # the pool's own
    for call in pending.select_related("request"):  # as answer_limit
        with transaction.atomic():
            if _answered(call, Answer.TIMEOUT, now, None) is not None:
                done += 1
    return done
