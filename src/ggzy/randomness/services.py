"""Verifiable randomness (docs/randomness.md): open a draw (every party commits, the commitments go into the
witness log), then, after the moment anyone could profit, reveal it (the platform first, then each outside
beacon over the whole set of commitments; one that does not reveal is replaced by the fallback, recorded
and alerted, never redrawn) — refused when the commitments were not in a co-signed head before the moment.

    draw = draw_open(actor=…, purpose="opening.k", subject="…", derive={"kind": "choose", "options": […]},
                     moment_label="第一份投标文件解密被接受之前", centre="ln", region="210000", section="…")
    …                                    # the witness log co-signs a head; later, the moment happens
    draw = draw_reveal(actor=…, draw=draw, moment=the_event_that_marks_it)   # or moment_mark(…) first
    draw.result

Both call outside services over HTTP and own their transactions: call them outside any transaction."""

from __future__ import annotations

import datetime as dt
import re
import secrets

from django.db import transaction

from ggzy.core import clock, keystore
from ggzy.core.errors import DomainError
from ggzy.core.states import advance
from ggzy.core.types import Actor, JSONDict
from ggzy.events.catalogue import EventType
from ggzy.events.models import Event
from ggzy.events.services import event_record
from ggzy.randomness import beacons as beacon_client
from ggzy.randomness.errors import RandomnessError
from ggzy.randomness.event_types import RandomnessEvents
from ggzy.randomness.models import Draw, Party
from ggzy.randomness.states import TRANSITIONS, DrawAction, DrawState, PartyKind
from ggzy.witness.selectors import current_heads, leaf_indexes
from ggzy.witness.services import cosigned_enough
from ggzy_sm import randomness
from ggzy_sm.canonical import format_instant

PURPOSE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*){0,3}$")
SUBJECT_LENGTH = 200


def _aad(draw: Draw | str, party: str) -> bytes:
    return f"randomness.party.held_secret:{draw if isinstance(draw, str) else draw.uid}:{party}".encode()


def _record(draw: Draw, type_: EventType, actor: Actor | None, data: JSONDict) -> Event:
    """Record an event of `draw` in its centre, region, project and section."""
    return event_record(
        type=type_,
        actor=actor,
        data=data,
        centre=draw.centre,
        region=draw.region,
        project=draw.project,
        section=draw.section,
    )


def _checked(purpose: str, subject: str, derive: JSONDict, moment_label: str, centre: str) -> None:
    try:
        randomness.derived("0" * 64, dict(derive))
    except (randomness.RandomnessError, TypeError) as exc:
        raise DomainError(RandomnessError.BAD_INPUT, detail={"derive": str(exc)}) from exc
    if not PURPOSE.match(purpose or ""):
        raise DomainError(RandomnessError.BAD_INPUT, detail={"purpose": purpose})
    for name, value in (("subject", subject), ("moment_label", moment_label)):
        if not value or not value.strip() or len(value) > SUBJECT_LENGTH:
            raise DomainError(RandomnessError.BAD_INPUT, detail={name: value})
    if not centre:
        raise DomainError(RandomnessError.BAD_INPUT, detail={"centre": ""})


def draw_open(
    *,
    actor: Actor | None,
    purpose: str,
    subject: str,
    derive: JSONDict,
    moment_label: str,
    centre: str,
    region: str,
    project: str = "",
    section: str = "",
    reveal_after: dt.datetime | None = None,
) -> Draw:
    """Open a draw: the platform's secret and the fallback's made here, each configured beacon's signed
    commitment asked for (a beacon that does not answer is left out; none answering refuses the draw: it
    needs a party the platform does not control), every commitment recorded in the witness log."""
    _checked(purpose, subject, derive, moment_label, centre)
    try:
        outside = beacon_client.beacons()
    except beacon_client.BeaconError as exc:
        raise DomainError(RandomnessError.NOT_CONFIGURED, detail={"reason": str(exc)}) from exc
    draw = Draw(
        purpose=purpose,
        subject=subject.strip(),
        derive=dict(derive),
        moment_label=moment_label.strip(),
        reveal_after=reveal_after,
        centre=centre,
        region=region,
        project=project,
        section=section,
    )
    uid = str(draw.uid)
    statements: list[tuple[beacon_client.Beacon, JSONDict]] = []
    missing: list[str] = []
    for beacon in outside:
        try:
            statements.append(
                (
                    beacon,
                    beacon_client.commit(beacon, draw=uid, subject=draw.subject, reveal_after=reveal_after),
                )
            )
        except beacon_client.BeaconError:
            missing.append(beacon.code)
    if not statements:
        raise DomainError(RandomnessError.NO_BEACON, detail={"beacons": missing})
    with transaction.atomic():
        draw.opened_at = clock.now()
        draw.save(force_insert=True)
        own = {
            p: secrets.token_hex(randomness.SECRET_BYTES) for p in (randomness.PLATFORM, randomness.FALLBACK)
        }
        rows: list[tuple[str, str, str, str, str, JSONDict | None, str]] = [
            _own(uid, randomness.PLATFORM, PartyKind.PLATFORM, own),
            *(
                (b.key, PartyKind.BEACON, b.code, b.name, answer["commitment"]["commitment"], answer, "")
                for b, answer in statements
            ),
            _own(uid, randomness.FALLBACK, PartyKind.FALLBACK, own),
        ]
        _record(
            draw,
            RandomnessEvents.DRAW_OPENED,
            actor,
            {
                "draw": uid,
                "purpose": draw.purpose,
                "subject": draw.subject,
                "derive": draw.derive,
                "moment": draw.moment_label,
                "reveal_after": format_instant(reveal_after) if reveal_after else None,
                "parties": [r[0] for r in rows],
                "beacons_unavailable": missing,
            },
        )
        for position, (party, kind, code, name, value, statement, held) in enumerate(rows):
            event = _record(
                draw,
                RandomnessEvents.COMMITTED,
                actor,
                {
                    "draw": uid,
                    "party": party,
                    "kind": str(kind),
                    "code": code,
                    "commitment": value,
                    "statement": statement,
                },
            )
            Party.objects.create(
                draw=draw,
                position=position,
                party=party,
                kind=kind,
                code=code,
                name=name,
                commitment=value,
                statement=statement,
                held_secret=keystore.field_encrypt(held, _aad(uid, party)) if held else "",
                commit_event=event.uid,
            )
    return draw


def _own(
    draw: str, party: str, kind: str, secrets_of: dict[str, str]
) -> tuple[str, str, str, str, str, None, str]:
    """A row of the platform's own parties (the platform, the fallback): its commitment and secret."""
    secret = secrets_of[party]
    return (party, kind, "", "", randomness.commitment(draw, party, secret), None, secret)


def moment_mark(*, actor: Actor | None, draw: Draw, label: str = "") -> Event:
    """Record the moment anyone could profit from `draw`, for a caller that records nothing else then."""
    with transaction.atomic():
        return _record(
            draw,
            RandomnessEvents.MOMENT,
            actor,
            {"draw": str(draw.uid), "moment": label or draw.moment_label},
        )


def sealing_head(draw: Draw, moment: Event | None = None) -> tuple[int, int] | None:
    """(size, epoch) of the smallest co-signed head of the current epoch that holds every commitment of
    `draw` and not `moment` (which, not yet in the log, comes after every head) — None when there is none:
    then the commitments were not shown to be logged before the moment."""
    commits = [str(u) for u in draw.parties.values_list("commit_event", flat=True)]
    leaves = leaf_indexes(commits + ([str(moment.uid)] if moment else []))
    if any(u not in leaves for u in commits):
        return None
    above = max(leaves[u] for u in commits)
    heads = cosigned_enough(current_heads()).filter(size__gt=above)
    if moment is not None and str(moment.uid) in leaves:
        heads = heads.filter(size__lte=leaves[str(moment.uid)])
    head = heads.order_by("size").values_list("size", "epoch").first()
    return (int(head[0]), int(head[1])) if head else None


def _refuse(actor: Actor | None, draw: Draw, moment: Event, reason: str) -> None:
    advance(
        draw,
        TRANSITIONS,
        DrawAction.REFUSE,
        error=RandomnessError.STATE,
        refusal=reason,
        moment_event=moment.uid,
    )
    event = _record(
        draw,
        RandomnessEvents.REFUSED,
        actor,
        {"draw": str(draw.uid), "moment_event": str(moment.uid), "reason": reason},
    )
    _alert(draw, "refused", [], event)


def draw_reveal(*, actor: Actor | None, draw: Draw, moment: Event) -> Draw:
    """Reveal `draw` after `moment` (the event that marks the moment anyone could profit): the platform's
    secret, then each beacon's over the whole set of commitments; a beacon that does not reveal (or whose
    reveal does not verify) is replaced by the fallback, recorded and alerted — never redrawn. Refused
    (recorded, alerted, the draw never drawn) when the commitments were not in a co-signed head before the
    moment. Calling it again after an interruption continues; on a drawn draw it answers the draw."""
    refused = ""
    with transaction.atomic():
        draw = Draw.objects.select_for_update().get(pk=draw.pk)
        if draw.state in (DrawState.DRAWN, DrawState.REVEALING) and draw.moment_event != moment.uid:
            raise DomainError(RandomnessError.OTHER_MOMENT)
        if draw.state == DrawState.DRAWN:
            return draw
        if draw.state == DrawState.REFUSED:
            raise DomainError(RandomnessError.STATE, detail={"state": draw.state})
        if draw.state == DrawState.OPEN:
            sealed = sealing_head(draw, moment)
            late = Event.objects.filter(
                uid__in=draw.parties.values("commit_event"), occurred_at__gt=moment.occurred_at
            ).exists()
            if sealed is None or late:
                refused = "commitments_after_moment"
                _refuse(actor, draw, moment, refused)
            else:
                platform = draw.parties.get(kind=PartyKind.PLATFORM)
                _reveal_own(actor, draw, platform)
                advance(
                    draw,
                    TRANSITIONS,
                    DrawAction.REVEAL,
                    error=RandomnessError.STATE,
                    moment_event=moment.uid,
                    sealing_size=sealed[0],
                    sealing_epoch=sealed[1],
                )
    if refused:
        raise DomainError(RandomnessError.AFTER_MOMENT, detail={"draw": str(draw.uid)})
    return _reveal_beacons(actor, draw)


def _reveal_own(actor: Actor | None, draw: Draw, party: Party) -> None:
    party.secret = keystore.field_decrypt(party.held_secret, _aad(draw, party.party))
    event = _record(
        draw,
        RandomnessEvents.REVEALED,
        actor,
        {"draw": str(draw.uid), "party": party.party, "kind": party.kind, "secret": party.secret},
    )
    party.held_secret, party.reveal_event = "", event.uid
    party.save(update_fields=["secret", "held_secret", "reveal_event"])


def _reveal_beacons(actor: Actor | None, draw: Draw) -> Draw:
    parties = list(draw.parties.order_by("position"))
    commitments = [p.commitment for p in parties]
    try:
        known = {b.code: b for b in beacon_client.beacons()}
    except beacon_client.BeaconError:
        known = {}
    answers: dict[str, JSONDict | str] = {}
    for party in parties:
        if party.kind != PartyKind.BEACON or party.secret or party.aborted:
            continue
        beacon = known.get(party.code)
        if beacon is None or beacon.key != party.party:
            answers[party.party] = "not_configured"
            continue
        try:
            answers[party.party] = beacon_client.reveal(
                beacon, draw=str(draw.uid), commitment=party.commitment, commitments=commitments
            )
        except beacon_client.BeaconError as exc:
            answers[party.party] = exc.reason or exc.kind
    with transaction.atomic():
        draw = Draw.objects.select_for_update().get(pk=draw.pk)
        if draw.state != DrawState.REVEALING:
            return draw
        parties = list(draw.parties.select_for_update().order_by("position"))
        aborted: list[Party] = []
        for party in parties:
            answer = answers.get(party.party)
            if isinstance(answer, dict):
                party.secret, party.reveal = answer["reveal"]["secret"], answer
                event = _record(
                    draw,
                    RandomnessEvents.REVEALED,
                    actor,
                    {
                        "draw": str(draw.uid),
                        "party": party.party,
                        "kind": party.kind,
                        "code": party.code,
                        "secret": party.secret,
                        "reveal": answer,
                    },
                )
                party.reveal_event = event.uid
                party.save(update_fields=["secret", "reveal", "reveal_event"])
            elif isinstance(answer, str):
                party.aborted = True
                _record(
                    draw,
                    RandomnessEvents.REVEAL_MISSING,
                    actor,
                    {"draw": str(draw.uid), "party": party.party, "code": party.code, "reason": answer},
                )
                party.save(update_fields=["aborted"])
            if party.aborted:
                aborted.append(party)
        fallback = next(p for p in parties if p.kind == PartyKind.FALLBACK)
        if aborted and not fallback.secret:
            _reveal_own(actor, draw, fallback)
        slots = randomness.slots(
            [p.party for p in parties if p.kind != PartyKind.FALLBACK],
            {p.party: p.secret for p in parties if p.kind != PartyKind.FALLBACK and p.secret},
            fallback.secret or None,
        )
        seed = randomness.seed(str(draw.uid), slots)
        result = randomness.derived(seed, draw.derive)
        advance(
            draw,
            TRANSITIONS,
            DrawAction.COMPLETE,
            error=RandomnessError.STATE,
            seed=seed,
            result=result,
            drawn_at=clock.now(),
        )
        event = _record(
            draw,
            RandomnessEvents.DRAWN,
            actor,
            {
                "draw": str(draw.uid),
                "seed": seed,
                "result": result,
                "aborted": [p.party for p in aborted],
                "moment_event": str(draw.moment_event),
                "sealing_head": {"size": draw.sealing_size, "epoch": draw.sealing_epoch},
            },
        )
        if aborted:
            _alert(draw, "aborted", [p.name or p.code or p.party for p in aborted], event)
    return draw


def _alert(draw: Draw, state: str, parties: list[str], event: Event) -> None:
    """Tell the supervisors of the draw's region (inbox)."""
    from ggzy.accounts.selectors import supervisors_for
    from ggzy.events.notifications import Recipient, notify

    users = supervisors_for(draw.region)
    if not users:
        return
    notify(
        template="randomness.draw_aborted",
        recipients=[Recipient(user=u) for u in users],
        context={
            "subject": draw.subject,
            "draw": str(draw.uid),
            "state": state,
            "parties": "、".join(parties) or "—",
        },
        event=event,
    )
