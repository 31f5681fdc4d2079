"""The platform's side of the provincial comprehensive evaluation-expert pool (issue 33; docs/expert-pool-
interface.md "The platform's side"): a request of a centre that uses the pool (GGZY_EXPERT_POOL,
GGZY_EXPERT_POOL_CENTRES) is drawn by the pool, not by the local seed; the platform trusts only the key its
trust file (GGZY_EXPERT_POOL_TRUST) pins, signs its requests with its `expert_pool` key and reads the lists
with its `expert_pool_list` key (both pinned by the pool: `ggzy experts pool-keys`).

    provincial_draw(actor=…, request=…)   outside any transaction: the pool asked; its signed list stored
                                          encrypted on the request, each seat a Call of a provincial Expert
    provincial_refresh(request=…)         the draw's signed state: the experts' answers (given to the pool)
                                          recorded on the calls; a decline or a late answer replaced
    provincial_replace(call=…, reason=…)  (draws._answered's branch) the pool replaces the seat down its order

The pool unavailable, an answer that does not check, a request the pool did not take: a DomainError and
nothing written. A refusal the pool signs: a DomainError with its reason and counts (a refused draw is
recorded, and the next ask uses a new request id: the pool keeps a refusal for its id). The request id of a
draw is the request's uid and its refusals so far, of a replacement the request's uid and the seat: a retry
after a lost answer asks the same id, and the pool never draws (or replaces) twice for it."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django.db.models import F

from ggzy.core import clock, keystore, outside
from ggzy.core.errors import DomainError
from ggzy.core.fields import Sealed
from ggzy.core.models import Purpose
from ggzy.core.states import advance, require
from ggzy.core.types import Actor, JSONDict
from ggzy.experts.errors import ExpertsError
from ggzy.experts.event_types import ExpertsEvents
from ggzy.experts.models import Call, DrawRequest, Employment, Expert, ExpertStatus, Source
from ggzy.experts.services.draws import _answered, _record
from ggzy.experts.states import TRANSITIONS, Answer, CallRole, RequestAction, RequestState
from ggzy_expertpool import client as poolclient
from ggzy_expertpool import records
from ggzy_sm import canonical

#: The pool's answer to a seat → the call's.
ANSWERS = {"accept": Answer.ACCEPTED, "decline": Answer.DECLINED}


def pool_configured() -> tuple[str, str] | None:
    """(code, URL) of GGZY_EXPERT_POOL ("CODE=URL"), None when no pool is configured."""
    code, _eq, url = str(settings.GGZY_EXPERT_POOL or "").strip().partition("=")
    return (code.strip(), url.strip().rstrip("/")) if code.strip() and url.strip() else None


def uses_pool(centre: str) -> bool:
    """Whether `centre`'s experts are drawn by the provincial pool (configured, and the centre among
    GGZY_EXPERT_POOL_CENTRES, or that setting empty)."""
    if pool_configured() is None:
        return False
    centres = {c.strip() for c in str(settings.GGZY_EXPERT_POOL_CENTRES or "").split(",") if c.strip()}
    return not centres or centre in centres


def platform_keys() -> dict[str, str]:
    """The two public keys the pool pins (`ggzy-expertpool configure --platform-key …
    --platform-encryption-key …`): the key requests are signed with, the key lists are encrypted to."""
    return {
        "platform_key": keystore.signing_key(Purpose.EXPERT_POOL)[1].public_key.hex(),
        "platform_encryption_key": keystore.signing_key(Purpose.EXPERT_POOL_LIST)[1].public_key.hex(),
    }


def _client() -> poolclient.Client:
    found = pool_configured()
    if found is None:
        raise DomainError(ExpertsError.POOL_NOT_USED)
    code, url = found
    try:
        trust = outside.trust_document(
            settings.GGZY_EXPERT_POOL_TRUST, poolclient.TRUST_FORMAT, "GGZY_EXPERT_POOL_TRUST"
        )
        pool = poolclient.pool_pinned(trust, code, url)
    except (outside.OutsideError, poolclient.PoolError) as exc:
        raise DomainError(ExpertsError.POOL_NOT_USED, detail={"why": str(exc)}) from exc
    return poolclient.Client(
        pool,
        keystore.signing_key(Purpose.EXPERT_POOL)[1],
        keystore.signing_key(Purpose.EXPERT_POOL_LIST)[1],
        transport=poolclient.urllib_transport(timeout=float(settings.GGZY_EXPERT_POOL_TIMEOUT)),
    )


def _asked(ask: Callable[[], poolclient.Answer]) -> poolclient.Answer:
    """The pool's verified answer; its failures as the platform's refusals (nothing is written)."""
    try:
        return ask()
    except poolclient.PoolError as exc:
        error = {
            "unavailable": ExpertsError.POOL_UNAVAILABLE,
            "refused": ExpertsError.POOL_REJECTED,
            "config": ExpertsError.POOL_NOT_USED,
        }.get(exc.kind, ExpertsError.POOL_UNTRUSTED)
        raise DomainError(error, detail={"why": str(exc)}) from exc


def _plain(value: object) -> str:
    return value.decrypt_for_system() if isinstance(value, Sealed) else str(value or "")


def person_hashes(lookups: list[str]) -> list[str]:
    """The pool's person hashes of the persons to avoid (the platform's own search hashes) whose identity
    number the platform holds: a local expert's, or a person of the market-entity library. A person the
    platform knows by the search hash only is not sent (a hash cannot be turned into the other)."""
    from ggzy.entities.models import Item

    if not lookups:
        return []
    numbers = [_plain(e.id_number) for e in Expert.objects.filter(id_number_lookup__in=lookups)]
    numbers += [_plain(i.secret) for i in Item.objects.filter(secret_lookup__in=lookups)]
    found: set[str] = set()
    for number in numbers:
        try:
            found.add(poolclient.person_hash(number))
        except records.RecordError:
            continue
    return sorted(found)


def request_id(request: DrawRequest) -> str:
    """The pool's request id of the request's draw: opaque (no project named), the same on every retry,
    a new one after a refusal."""
    return f"{request.uid.hex}-{request.pool_refusals}"


def draw_fields(request: DrawRequest) -> JSONDict:
    """What `Client.draw` is given for `request` (docs/expert-pool-interface.md "The platform's side")."""
    specialties = []
    for code in sorted(request.needs):
        need = request.needs[code]
        if int(need["count"]) < 1:  # the pool seats at least one expert of each specialty it is asked
            raise DomainError(ExpertsError.NEEDS)
        specialties.append(poolclient.need(code, int(need["count"]), int(need["reserves"])))
    avoid = request.avoid or {}
    organisations = {str(x) for x in avoid.get("organisations") or []}
    organisations |= {str(x) for x in avoid.get("supervising") or []}
    # the experts answer until the list is pushed: the same on every retry (the pool refuses an id asked again
    # with other fields), never after the evaluation begins
    answer_until = min(request.push_at or request.evaluation_at, request.evaluation_at)
    return {
        "request": request_id(request),
        "centre": request.centre,
        "evaluation_at": request.evaluation_at,
        "place": request.place,
        "specialties": specialties,
        "confirm_by": answer_until,
        "procurement": request.procurement,
        "outside": [request.remote_city.ljust(6, "0")] if request.remote_city else [],
        "organisations": sorted(organisations),
        "persons": person_hashes([str(x) for x in avoid.get("persons") or []]),
    }


def provincial_draw(*, actor: Actor | None, request: DrawRequest) -> DrawRequest:
    """The pool's draw of a requested (not fixed) request of a centre that uses it, outside any transaction:
    the signed answer checked, the list stored encrypted, each seat (not excluded) a call. Once: a request
    drawn is refused; a retry after a lost answer gets the same draw."""
    request = DrawRequest.objects.get(pk=request.pk)
    if request.state == RequestState.DRAWN or request.pool_draw:
        raise DomainError(ExpertsError.DRAWN)
    require(request, TRANSITIONS, RequestAction.FIX, error=ExpertsError.STATE)
    if request.seed_draw_id is not None:  # the local draw has begun
        raise DomainError(ExpertsError.STATE)
    if not uses_pool(request.centre):
        raise DomainError(ExpertsError.POOL_NOT_USED)
    pool = _client()
    fields = draw_fields(request)
    answer = _asked(lambda: pool.draw(**fields))
    body = answer.body
    if answer.refused:
        with transaction.atomic():
            DrawRequest.objects.filter(pk=request.pk, pool_refusals=request.pool_refusals).update(
                pool_refusals=F("pool_refusals") + 1
            )
            _record(
                request,
                ExpertsEvents.POOL_REFUSED,
                actor,
                {"action": "draw", "reason": body["reason"], "specialties": body["specialties"]},
            )
        raise DomainError(
            ExpertsError.POOL_REFUSED, detail={"reason": body["reason"], "specialties": body["specialties"]}
        )
    listed = answer.list or {}
    if listed.get("centre") != request.centre:
        raise DomainError(ExpertsError.POOL_UNTRUSTED, detail={"why": "the list is for another centre"})
    with transaction.atomic():
        request = DrawRequest.objects.select_for_update().get(pk=request.pk)
        if request.state == RequestState.DRAWN or request.pool_draw:
            raise DomainError(ExpertsError.DRAWN)
        now = clock.now()
        exclusions: dict[str, int] = {}
        for entry in body["specialties"]:
            for rule, n in entry["excluded"].items():
                exclusions[rule] = exclusions.get(rule, 0) + int(n)
        advance(
            request,
            TRANSITIONS,
            RequestAction.FIX,
            error=ExpertsError.STATE,
            source=Source.PROVINCIAL,
            pool=pool.pool.code,
            pool_draw=body["draw"],
            exclusions=exclusions,
            fixed_at=now,
        )
        advance(request, TRANSITIONS, RequestAction.DRAW, error=ExpertsError.STATE, drawn_at=now)
        _store(request, answer)
        counts: dict[str, dict[str, int]] = {}
        for seat in listed["seats"]:
            if seat["excluded"] is None:
                call = _seat_call(request, seat, now)
                counts.setdefault(call.specialty, {}).setdefault(call.role, 0)
                counts[call.specialty][call.role] += 1
        _record(
            request,
            ExpertsEvents.POOL_DRAWN,
            actor,
            {"draw": body["draw"], "revision": body["revision"], "called": counts, "excluded": exclusions},
        )
    return request


def _store(request: DrawRequest, answer: poolclient.Answer) -> bool:
    """Keep the answer's list (encrypted) and the signed answer when its revision is newer than the one
    seen; False (nothing kept) for an older one."""
    revision = answer.body.get("revision")
    if answer.list is None or not isinstance(revision, int) or revision <= request.pool_revision:
        return False
    request.pool_revision = revision
    request.pool_answer = answer.signed
    request.pool_list = canonical.dumps(answer.list).decode()
    request.save(update_fields=["pool_revision", "pool_answer", "pool_list"])
    return True


def list_of(request: DrawRequest) -> JSONDict:
    """The pool's list as last stored, decrypted: {"seats": [...], …} (empty before the draw)."""
    text = _plain(request.pool_list)
    return dict(json.loads(text)) if text else {"seats": []}


def _instant(value: object) -> dt.datetime | None:
    return None if value is None else records.instant(value, "an instant")


def _expert(request: DrawRequest, card: JSONDict, now: dt.datetime) -> Expert:
    """The provincial expert of a seat's card, made or brought up to date: what the card carries only."""
    values: JSONDict = {
        "name": str(card["name"])[:50],
        "phone": str(card["phone"]),
        "region": str(card["region"])[:6],
        "pool_title": str(card["title"])[:50],
        "pool_specialties": list(card["specialties"]),
        "id_masked": str(card["id_masked"])[:18],
        "person_hash": str(card["id_hash"]),
    }
    expert = Expert.objects.filter(source=Source.PROVINCIAL, pool=request.pool, pool_id=card["id"]).first()
    if expert is None:
        expert = Expert.objects.create(
            source=Source.PROVINCIAL,
            pool=request.pool,
            pool_id=str(card["id"]),
            centre=request.centre,
            registered_at=now,
            status=ExpertStatus.ACTIVE,
            **values,
        )
    else:
        for name, value in values.items():
            setattr(expert, name, value)
        expert.save()
    employer = card["employer"]
    current = list(Employment.objects.filter(expert=expert))
    if [(e.uscc, e.employer) for e in current] != [(employer["uscc"], employer["name"][:100])]:
        Employment.objects.filter(expert=expert).delete()  # the card's current employer, no dates
        Employment.objects.create(expert=expert, uscc=employer["uscc"], employer=employer["name"][:100])
    return expert


def _seat_call(request: DrawRequest, seat: JSONDict, now: dt.datetime) -> Call:
    """The call of a seat of the pool's list (its sequence is the seat's number), made if missing; a reserve
    the pool moved into a replaced seat takes the replacement's role (never back: an older list may be
    read after a newer one)."""
    role = CallRole.REPLACEMENT if seat["replaces"] is not None else CallRole(seat["role"])
    found = Call.objects.filter(request=request, sequence=seat["seat"]).first()
    if found is not None:
        if seat["replaces"] is not None and (found.role, found.replaces) != (role, seat["replaces"]):
            Call.objects.filter(pk=found.pk).update(role=role, replaces=seat["replaces"])
            found.role, found.replaces = role, seat["replaces"]
        return found
    return Call.objects.create(
        request=request,
        specialty=seat["specialty"],
        position=seat["rank"],
        expert=_expert(request, seat["card"], now),
        role=role,
        sequence=seat["seat"],
        replaces=seat["replaces"],
        called_at=_instant(seat["called_at"]) or now,
    )


def _replace_id(request: DrawRequest, seat: int) -> str:
    return f"{request.uid.hex}-seat-{seat}"


def provincial_replace(*, call: Call, reason: str) -> Call | None:
    """The pool's replacement of `call`'s seat (`declined`, `no_answer`): the call taking its place, None
    when the pool's order is used up (signed `exhausted`: the decline stands). Inside the transaction that
    records the answer (draws._answered): the pool unavailable or refusing otherwise, it is rolled back
    and asked again at the next refresh, under the same request id."""
    request = DrawRequest.objects.select_for_update().get(pk=call.request_id)
    now = clock.now()
    for seat in list_of(request)["seats"]:
        if seat["seat"] == call.sequence and seat["replaced_by"] is not None:  # replaced already
            taker = next(s for s in list_of(request)["seats"] if s["seat"] == seat["replaced_by"])
            return _seat_call(request, taker, now)
    pool = _client()
    answer = _asked(
        lambda: pool.replace(
            request=_replace_id(request, call.sequence),
            draw=request.pool_draw,
            seat=call.sequence,
            reason=reason,
        )
    )
    body = answer.body
    if answer.refused and body["reason"] != "exhausted":
        raise DomainError(ExpertsError.POOL_REFUSED, detail={"reason": body["reason"], "seat": call.sequence})
    _store(request, answer)
    if answer.refused or answer.list is None:
        return None
    taker = next(s for s in answer.list["seats"] if s["seat"] == body["taker"])
    return _seat_call(request, taker, now)


def provincial_refresh(*, request: DrawRequest) -> int:
    """The draw's signed state, kept if newer than the revision seen; then the experts' answers given to the
    pool recorded on the calls (`draws._answered`: a decline asks the pool's replacement), and a seat
    unanswered past its time to answer replaced as `no_answer`. Outside any transaction. How many calls
    were answered."""
    request = DrawRequest.objects.get(pk=request.pk)
    if request.source != Source.PROVINCIAL or not request.pool_draw:
        raise DomainError(ExpertsError.STATE)
    pool = _client()
    answer = _asked(lambda: pool.state(request.pool_draw))
    done = 0
    with transaction.atomic():
        request = DrawRequest.objects.select_for_update().get(pk=request.pk)
        _store(request, answer)  # an older state is not kept; the list kept is still walked for late seats
        now = clock.now()
        for seat in list_of(request)["seats"]:
            if seat["excluded"] is not None:
                continue
            call = _seat_call(request, seat, now)
            if call.answer != Answer.PENDING:
                continue
            given = ANSWERS.get(seat["answer"])
            late = seat["replaced_by"] is not None or now > records.instant(seat["answer_by"], "answer_by")
            if given is None and not late:
                continue
            try:
                with transaction.atomic():  # a replacement the pool cannot make now is asked again later
                    answered_at = _instant(seat["answered_at"]) or now
                    if _answered(call, given or Answer.TIMEOUT, answered_at, None) is not None:
                        done += 1
            except DomainError:
                continue
    return done


def provincial_refresh_all() -> int:
    """The tick job: every drawn provincial request not yet pushed, refreshed; how many calls answered."""
    done = 0
    drawn = DrawRequest.objects.filter(source=Source.PROVINCIAL, state=RequestState.DRAWN)
    for request in drawn.exclude(pool_draw=""):
        try:
            done += provincial_refresh(request=request)
        except DomainError:
            continue
    return done
