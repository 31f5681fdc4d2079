"""The committee after the draw (standard 6.6.1–6.6.3; docs/experts.md "The roster"): the members the
initiator enters itself (its representative, experts it chose outside the pool) before the push, checked by
the same rules; the roster signed by the platform and pushed to the evaluation area at its set time — before
it nobody reads the names through the platform; the printable list for the on-site terminal, for the
staff member the security administrator appointed (`keeper_appoint`) only, every printing recorded.

    member_enter(actor=agent_user, request=…, kind="representative", name="王某", id_number="…",
                 employer_uscc="…", employer="…")
    rosters_push()                        # the tick job: each drawn request whose push time came
    roster_print(actor=authorised_staff, request=…)   # the roster, the printing recorded
"""

from __future__ import annotations

import datetime as dt
import json

from django.db import transaction
from django.db.models import Count

from ggzy.accounts.identifiers import InvalidIdentifier, validate_resident_id, validate_uscc
from ggzy.core import clock, keystore
from ggzy.core.errors import DomainError
from ggzy.core.fields import Kind, Sealed, lookup_for, mask
from ggzy.core.formatting import PLATFORM_ZONE
from ggzy.core.models import Purpose
from ggzy.core.roles import Role
from ggzy.core.states import advance
from ggzy.core.types import Actor, JSONDict
from ggzy.events.services import event_record
from ggzy.experts import eligibility, selectors
from ggzy.experts.errors import ExpertsError
from ggzy.experts.event_types import ExpertsEvents
from ggzy.experts.models import Call, DrawRequest, Expert, Keeper, Member
from ggzy.experts.services.draws import _answered, _record, avoid_for_section, rules_of
from ggzy.experts.states import TRANSITIONS, Answer, MemberKind, RequestAction, RequestState
from ggzy_sm import canonical
from ggzy_sm.errors import CryptoError
from ggzy_sm.sm2 import Sm2PublicKey
from ggzy_sm.sm3 import sm3

#: The purpose the roster is signed for (`ggzy_sm.sm2.PURPOSES`).
ROSTER_PURPOSE = "ggzy-expert-roster-v1"


def seats_for_members(request: DrawRequest) -> int:
    """The committee's seats the initiator fills itself: the committee less the experts drawn."""
    return max(0, request.committee - sum(int(n["count"]) for n in request.needs.values()))


def _parties(request: DrawRequest) -> set[str]:
    """The initiator's and its agent's USCCs (whose people may be its representatives)."""
    if request.section is None:
        return set()
    project = request.section.tender_project.project
    found = {project.initiator.uscc}
    if project.agent is not None:
        found.add(project.agent.uscc)
    return found


def _member_avoided(
    request: DrawRequest, kind: str, lookup: str, *, name: str, employer: str, uscc: str
) -> str:
    """The rule that keeps this person off the committee ("" if none): the same rules as the pool's, on
    the data the request holds — persons tied to a party, named in an accepted avoidance request, employed
    by an organisation to avoid (a representative may work for the initiator or its agent, not for a
    bidder or its controllers), staff of the supervising department."""
    avoid = request.avoid or {}
    if lookup in set(avoid.get("persons") or []):
        return "person"
    if [name, employer] in [list(p) for p in avoid.get("names") or []]:
        return "named"
    if uscc in set(avoid.get("supervising") or []):
        return "supervising"
    organisations = set(avoid.get("organisations") or [])
    if kind == MemberKind.REPRESENTATIVE:
        organisations -= _parties(request)
    if uscc in organisations:
        return "employer"
    return ""


@transaction.atomic
def member_enter(
    *,
    actor: Actor,
    request: DrawRequest,
    kind: str,
    name: str,
    id_number: str,
    employer_uscc: str,
    employer: str,
    specialty: str = "",
) -> Member:
    """A representative of the initiator or an expert it chose outside the pool, entered before the roster
    is pushed, within the seats the committee leaves it, by the same rules as the drawn experts."""
    request = DrawRequest.objects.select_for_update().get(pk=request.pk)
    if request.state not in (RequestState.REQUESTED, RequestState.FIXED, RequestState.DRAWN):
        raise DomainError(ExpertsError.MEMBER_LATE)
    now = clock.now()
    if request.push_at is None or now >= request.push_at:
        raise DomainError(ExpertsError.MEMBER_LATE)
    name = " ".join(str(name).split())
    if kind not in MemberKind.values or not 1 < len(name) <= 50 or not employer.strip():  # noqa: PLR2004
        raise DomainError(ExpertsError.MEMBER_INVALID)
    try:
        number = validate_resident_id(str(id_number), today=clock.local_now().date())
        uscc = validate_uscc(str(employer_uscc))
    except InvalidIdentifier as exc:
        raise DomainError(ExpertsError.MEMBER_INVALID) from exc
    lookup = lookup_for(Member, "id_number", number)
    if Member.objects.filter(request=request, id_number_lookup=lookup).exists():
        raise DomainError(ExpertsError.MEMBER_TWICE)
    if Call.objects.filter(request=request, expert__id_number_lookup=lookup).exists():
        raise DomainError(ExpertsError.MEMBER_TWICE)
    rule = _member_avoided(request, kind, lookup, name=name, employer=employer.strip(), uscc=uscc)
    if rule:
        raise DomainError(ExpertsError.MEMBER_AVOIDED, detail={"rule": rule})
    if request.members.count() >= seats_for_members(request):
        raise DomainError(ExpertsError.MEMBERS_FULL, detail={"seats": seats_for_members(request)})
    member = Member.objects.create(
        request=request,
        kind=kind,
        name=name,
        id_number=number,
        employer_uscc=uscc,
        employer=employer.strip()[:100],
        specialty=str(specialty)[:16],
        entered_by=actor,
        entered_at=now,
    )
    _record(
        request,
        ExpertsEvents.MEMBER_ENTERED,
        actor,
        {"kind": kind, "seats_taken": request.members.count(), "seats": seats_for_members(request)},
    )
    return member


#: The avoidance rules a check-in applies again once the bidders are known (not the pool's own rules:
#: status, age, frequency — those held when the list was fixed).
CHECKIN_RULES = ("employer", "related", "supervising", "person", "named")


def checkin_check(*, actor: Actor | None, request: DrawRequest) -> int:
    """The day-before mode (a draw made before the bid deadline, the bidders unknown): once the deadline has
    passed, every called expert who has not declined is checked again by the avoidance rules against the
    section's parties as they now are (bidders, consortium members, their controllers and tied persons,
    accepted avoidance requests); a conflicted expert is marked avoided and the next of the same order is
    called — repeated until nobody called is conflicted or the order runs out. Returns how many were
    avoided. Refused before the deadline (the bidders are secret) and after the push."""
    request = DrawRequest.objects.select_related("section").get(pk=request.pk)
    if request.section is None or not selectors.bidders_known(request):
        raise DomainError(ExpertsError.CHECKIN_EARLY)
    if request.state != RequestState.DRAWN:
        raise DomainError(ExpertsError.STATE)
    now = clock.now()
    avoid = avoid_for_section(request.section, day=request.evaluation_at.astimezone(PLATFORM_ZONE).date())
    rules = rules_of(request) | {
        "organisations": avoid["organisations"],
        "persons": avoid["persons"],
        "names": [tuple(pair) for pair in avoid["names"]],
    }
    every = eligibility.rule_q(**rules)  # type: ignore[arg-type]
    conflict = eligibility.NOBODY
    for rule in CHECKIN_RULES:
        conflict |= every[rule]
    avoided = 0
    with transaction.atomic():
        DrawRequest.objects.select_for_update().filter(pk=request.pk).first()
        while True:
            live = Call.objects.filter(request=request, answer__in=(Answer.PENDING, Answer.ACCEPTED))
            hit = live.filter(expert__in=Expert.objects.filter(conflict)).order_by("sequence").first()
            if hit is None:
                break
            if _answered(hit, Answer.AVOIDED, now, actor, was=(Answer.PENDING, Answer.ACCEPTED)) is None:
                break  # answered meanwhile
            avoided += 1
        _record(request, ExpertsEvents.CHECKED_IN, actor, {"avoided": avoided})
    return avoided


@transaction.atomic
def call_declare(*, actor: Actor, call: Call, conflict: bool) -> Call:
    """The expert's own declaration at check-in (回避声明): a conflict with a party marks its call avoided
    and calls the next of the same order; none is recorded as such. Only the expert called; once it has
    declined or was avoided, refused."""
    call = Call.objects.select_for_update().select_related("request", "expert").get(pk=call.pk)
    if call.expert.user_id is None or call.expert.user_id != getattr(actor, "pk", None):
        raise DomainError(ExpertsError.NOT_YOURS)
    if call.answer not in (Answer.PENDING, Answer.ACCEPTED) or call.request.state != RequestState.DRAWN:
        raise DomainError(ExpertsError.ANSWERED)
    if conflict:
        done = _answered(call, Answer.AVOIDED, clock.now(), actor, was=(Answer.PENDING, Answer.ACCEPTED))
        if done is None:
            raise DomainError(ExpertsError.ANSWERED)
        return done
    _record(call.request, ExpertsEvents.DECLARED, actor, {"sequence": call.sequence, "conflict": False})
    return call


#: The requester is reminded this long before the push to enter the initiator's own members (6.6.2).
REMIND_BEFORE = dt.timedelta(hours=2)


def members_remind() -> int:
    """The tick job (standard 6.6.2, 提醒在规定时间内录入): each request whose push comes within
    `REMIND_BEFORE` and whose initiator's seats are not all filled — its requester told in its inbox, once
    (a compare-and-set on `reminded_at`)."""
    from ggzy.core.formatting import local_time
    from ggzy.events.notifications import Recipient, notify

    now = clock.now()
    due = DrawRequest.objects.filter(
        state__in=(RequestState.REQUESTED, RequestState.FIXED, RequestState.DRAWN),
        reminded_at__isnull=True,
        requested_by__isnull=False,
        push_at__gt=now,
        push_at__lte=now + REMIND_BEFORE,
    ).select_related("section", "requested_by")
    done = 0
    for request in due.annotate(entered=Count("members")).order_by("push_at", "id"):
        open_seats = seats_for_members(request) - request.entered
        if open_seats <= 0:
            continue
        with transaction.atomic():
            if not DrawRequest.objects.filter(pk=request.pk, reminded_at__isnull=True).update(
                reminded_at=now
            ):
                continue  # another pass reminded it
            event = _record(request, ExpertsEvents.MEMBERS_REMINDED, None, {"seats": open_seats})
            notify(
                template="experts.members_due",
                recipients=[Recipient(user=request.requested_by)],
                context={
                    "section": request.section.code if request.section is not None else request.project,
                    "seats": open_seats,
                    "push_at": local_time(request.push_at),  # type: ignore[arg-type]
                },
                event=event,
            )
            done += 1
    return done


def _plain(value: object) -> str:
    return value.decrypt_for_system() if isinstance(value, Sealed) else str(value)


def roster_document(request: DrawRequest) -> JSONDict:
    """What the evaluation area receives: the request, the evaluation's time and place, and each member —
    the drawn experts who accepted (members, replacements, reserves) and the members the initiator entered —
    with the identity number the access control checks at the door."""
    members: list[JSONDict] = []
    calls = Call.objects.filter(request=request, answer=Answer.ACCEPTED).select_related("expert")
    for call in calls.order_by("sequence"):
        members.append(
            {
                "source": "pool",
                "role": call.role,
                "specialty": call.specialty,
                "name": call.expert.name,
                "id_number": _plain(call.expert.id_number),
                "sequence": call.sequence,
            }
        )
    for member in Member.objects.filter(request=request).order_by("entered_at", "id"):
        members.append(
            {
                "source": member.kind,
                "role": "member",
                "specialty": member.specialty,
                "name": member.name,
                "id_number": _plain(member.id_number),
                "employer": member.employer,
            }
        )
    return {
        "format": "ggzy-expert-roster-v1",
        "request": str(request.uid),
        "centre": request.centre,
        "section": request.section.code if request.section is not None else "",
        "evaluation_at": canonical.format_instant(request.evaluation_at),
        "place": request.place,
        "committee": request.committee,
        "members": members,
    }


def roster_push(*, request: DrawRequest) -> DrawRequest:
    """At the push time (never before, and only after the draw): the roster signed with the platform's
    roster key, kept encrypted with its SM3, the request marked pushed. Once."""
    with transaction.atomic():
        request = DrawRequest.objects.select_for_update().get(pk=request.pk)
        now = clock.now()
        if request.state != RequestState.DRAWN or request.push_at is None or now < request.push_at:
            raise DomainError(ExpertsError.PUSH_EARLY)
        document = roster_document(request)
        key_id, signer = keystore.signing_key(Purpose.EXPERT_ROSTER)
        signature = signer.sign(ROSTER_PURPOSE, document).hex()
        text = canonical.dumps(document).decode()
        digest = sm3(text.encode()).hex()
        advance(
            request,
            TRANSITIONS,
            RequestAction.PUSH,
            error=ExpertsError.STATE,
            roster_sm3=digest,
            roster_signature=signature,
            roster_key=key_id,
            pushed_at=now,
        )
        request.roster = text  # an encrypted field is bound to its row: saved, never updated
        request.save(update_fields=["roster"])
        sources: dict[str, int] = {}
        for member in document["members"]:
            sources[member["source"]] = sources.get(member["source"], 0) + 1
        _record(
            request,
            ExpertsEvents.PUSHED,
            None,
            {"roster_sm3": digest, "key": key_id, "members": sources},
        )
        return request


def rosters_push() -> int:
    """The tick job: every drawn request whose push time has come, pushed (each in its own transaction)."""
    done = 0
    due = DrawRequest.objects.filter(state=RequestState.DRAWN, push_at__lte=clock.now())
    for request in due.order_by("push_at", "id"):
        try:
            roster_push(request=request)
        except DomainError:
            continue  # pushed meanwhile by another pass
        done += 1
    return done


def roster_verify(document: JSONDict, signature_hex: str, key_id: str) -> bool:
    """What the evaluation area's access control checks: the roster was signed by the platform's key."""
    try:
        key: Sm2PublicKey = keystore.verification_key(key_id)
        key.verify(ROSTER_PURPOSE, document, bytes.fromhex(signature_hex))
    except (DomainError, ValueError, CryptoError):
        return False
    return True


def roster_of(request: DrawRequest) -> JSONDict:
    """The pushed roster (refused before the push: nobody reads the names through the platform before)."""
    if request.state != RequestState.PUSHED or not request.roster_sm3:
        raise DomainError(ExpertsError.NOT_PUSHED)
    return dict(json.loads(_plain(request.roster)))


@transaction.atomic
def keeper_appoint(*, actor: Actor, centre: str, user: Actor) -> Keeper:
    """The security administrator appoints a staff member of `centre` to print its experts' lists."""
    from ggzy.accounts import selectors as accounts

    if Role.SECURITY_ADMIN not in accounts.user_roles(actor):
        raise DomainError(ExpertsError.KEEPER_DENIED)
    if not accounts.staff_centres(user).filter(code=centre).exists():
        raise DomainError(ExpertsError.KEEPER_NOT_STAFF)
    found = Keeper.objects.filter(centre=centre, user=user, revoked_at__isnull=True).first()
    if found is not None:
        return found
    keeper = Keeper.objects.create(centre=centre, user=user, appointed_by=actor, appointed_at=clock.now())
    event_record(
        type=ExpertsEvents.KEEPER_APPOINTED,
        actor=actor,
        data={"keeper": str(keeper.uid), "user": user.get_username()},
        centre=centre,
        region=_centre_region(centre),
    )
    return keeper


@transaction.atomic
def keeper_revoke(*, actor: Actor, keeper: Keeper) -> Keeper:
    from ggzy.accounts import selectors as accounts

    if Role.SECURITY_ADMIN not in accounts.user_roles(actor):
        raise DomainError(ExpertsError.KEEPER_DENIED)
    if keeper.revoked_at is None:
        Keeper.objects.filter(pk=keeper.pk).update(revoked_at=clock.now())
        keeper.refresh_from_db()
        event_record(
            type=ExpertsEvents.KEEPER_REVOKED,
            actor=actor,
            data={"keeper": str(keeper.uid), "user": keeper.user.get_username()},
            centre=keeper.centre,
            region=_centre_region(keeper.centre),
        )
    return keeper


def _centre_region(code: str) -> str:
    from ggzy.accounts import selectors as accounts

    centre = accounts.centre_by_code(code)
    return centre.region if centre is not None else ""


def is_keeper(actor: Actor | None, centre: str) -> bool:
    """Whether `actor` is a staff member of `centre` appointed (and not revoked) to print its lists."""
    from ggzy.accounts import selectors as accounts

    if actor is None or not getattr(actor, "is_authenticated", False):
        return False
    return (
        Keeper.objects.filter(centre=centre, user=actor, revoked_at__isnull=True).exists()
        and accounts.staff_centres(actor).filter(code=centre).exists()
    )


@transaction.atomic
def roster_print(*, actor: Actor, request: DrawRequest) -> JSONDict:
    """The roster for the on-site terminal's printout, for the staff member of the request's centre
    appointed to print it; every printing recorded (who and when)."""
    if not is_keeper(actor, request.centre):
        raise DomainError(ExpertsError.PRINT_DENIED)
    roster = roster_of(request)
    _record(request, ExpertsEvents.PRINTED, actor, {"roster_sm3": request.roster_sm3})
    return roster


def masked_id(number: str) -> str:
    return mask(Kind.ID_NUMBER, number)
