"""Each centre's custodian set as its members signed it, the platform's notice key the set honours, and
the notice-key transitions the supervising department co-signs."""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import transaction
from django.utils.text import format_lazy

from ggzy.accounts.models import Centre
from ggzy.core import clock, keystore
from ggzy.core.errors import DomainError
from ggzy.core.types import Actor, JSONDict
from ggzy.events.services import event_record
from ggzy.events.states import EventClass, Visibility
from ggzy.sealing import selectors
from ggzy.sealing.errors import SET_REASONS, SealingError
from ggzy.sealing.models import (
    CustodianSet,
    NoticeKeyTransition,
)
from ggzy.sealing.services.common import (
    _refuse,
)
from ggzy_sm import custodians
from ggzy_sm.sm2 import Sm2PrivateKey


def current_cset(centre: Centre) -> custodians.SignedCustodianSet | None:
    """The centre's custodian set in force, verified (bids sealed from now on split their key among it)."""
    published = selectors.current_set(centre)
    return custodians.set_verify(published.signed) if published else None


def _transitions(cset: custodians.SignedCustodianSet) -> list[JSONDict]:
    return [
        dict(t.document)
        for t in NoticeKeyTransition.objects.filter(set_fingerprint=cset.fingerprint, complete=True).order_by(
            "pk"
        )
    ]


def notice_signer(cset: custodians.SignedCustodianSet) -> tuple[Sm2PrivateKey, list[JSONDict]]:
    """The newest platform notice key the set honours now — one of its `notice_keys` valid now, or one
    reached by a transition the supervising department co-signed — with the transitions to attach. A
    rotated key without either would sign notices nobody honours: the platform refuses to use it."""
    transitions = _transitions(cset)
    now = clock.now()
    for _row, key in keystore.notice_keys():
        trial = custodians.notice_make(key, cset.fingerprint, "A" + "0" * 22, now, now, now, transitions)
        if custodians.notice_valid(trial, cset):
            return key, transitions
    raise DomainError(SealingError.NOTICE_KEY_NOT_HONOURED)


@transaction.atomic
def custodian_set_publish(*, actor: Actor | None, centre: Centre, signed: JSONDict) -> CustodianSet:
    """Publish a centre's custodian set as its members signed it (every custodian and the supervising
    department). It replaces the previous one for bids sealed from now on; it is recorded (public) and so
    enters the co-signed witness log. Demo custodians only in the sandbox, and only they."""
    try:
        cset = custodians.set_verify(signed)
    except custodians.CustodianError as exc:
        reason = exc.reason
        if reason in SET_REASONS:
            message = format_lazy("{} {}", SealingError.SET_REFUSED.message, SET_REASONS[reason])
            raise DomainError(
                SealingError.SET_REFUSED, message, detail={"reason": reason, **_plain(exc.detail)}
            ) from exc
        raise _refuse(SealingError.SET_REFUSED, reason, **_plain(exc.detail)) from exc
    if cset.centre != centre.code:
        raise _refuse(SealingError.SET_REFUSED, "centre")
    if cset.opening_key != keystore.opening_keys()[0].public_key:
        raise _refuse(SealingError.SET_REFUSED, "opening_key")  # shares would go to a key nobody holds
    if keystore.signing_key()[1].public_key not in cset.witness.operator_keys:
        raise _refuse(SealingError.SET_REFUSED, "witness")  # its verifiers would pin another log
    try:
        notice_signer(cset)
    except DomainError as exc:
        raise _refuse(SealingError.SET_REFUSED, "notice_keys") from exc
    if cset.demo and settings.GGZY_PRODUCTION:
        raise DomainError(SealingError.DEMO_CUSTODIANS_IN_PRODUCTION)
    if not cset.demo and settings.GGZY_SANDBOX:
        raise DomainError(SealingError.REAL_CUSTODIANS_IN_SANDBOX)
    now = clock.now()
    previous = selectors.current_set(centre)
    if previous is not None:
        if previous.fingerprint == cset.fingerprint:
            return previous
        previous.retired_at = now
        previous.save(update_fields=["retired_at"])
    published = CustodianSet.objects.create(
        centre=centre,
        fingerprint=cset.fingerprint,
        signed={"body": cset.body, "signatures": dict(signed["signatures"])},
        k=cset.k,
        n=cset.n,
        demo=cset.demo,
        published_at=now,
    )
    event_record(
        type="sealing.custodians.published",
        event_class=EventClass.SECURITY,
        visibility=Visibility.PUBLIC,
        actor=actor,
        centre=centre.code,
        region=centre.region,
        data={
            "fingerprint": cset.fingerprint,
            "k": cset.k,
            "n": cset.n,
            "demo": cset.demo,
            "version": cset.version,
            "notice_keys": [k.key.hex() for k in cset.notice_keys],
            "custodians": [
                {"index": c.index, "name": c.name, "url": c.url, "encryption": c.fingerprint}
                for c in cset.custodians
            ],
            "replaces": previous.fingerprint if previous else None,
        },
    )
    return published


def _plain(detail: dict[str, object]) -> dict[str, object]:
    return {k: v.isoformat() if isinstance(v, dt.datetime) else v for k, v in detail.items()}


# --- notice-key transitions ---------------------------------------------------------------------------


@transaction.atomic
def notice_key_transition_begin(*, actor: Actor | None, centre: Centre) -> NoticeKeyTransition:
    """After the notice key was rotated: the old key (one the centre's set honours) signs that the new
    one takes over from now; the supervising department's signature completes it (offline, with
    `ggzy-custodian sign-transition`). Until then notices are signed with the old key."""
    cset = current_cset(centre)
    if cset is None:
        raise DomainError(SealingError.NO_CUSTODIAN_SET)
    old, _transitions_held = notice_signer(cset)
    new = keystore.notice_keys()[0][1]
    if new.public_key == old.public_key:
        raise DomainError(SealingError.TRANSITION_NOT_NEEDED)
    payload = custodians.transition_payload(
        set_fingerprint=cset.fingerprint,
        from_key=old.public_key,
        to_key=new.public_key,
        valid_from=clock.now(),
    )
    transition = NoticeKeyTransition.objects.create(
        set_fingerprint=cset.fingerprint,
        from_key=old.public_key.hex(),
        to_key=new.public_key.hex(),
        document={"payload": payload, "signatures": {"from": custodians.transition_sign(payload, old)}},
        recorded_at=clock.now(),
    )
    event_record(
        type="sealing.notice_key.transition_begun",
        event_class=EventClass.SECURITY,
        visibility=Visibility.SUPERVISORS,
        actor=actor,
        centre=centre.code,
        region=centre.region,
        data={"transition": str(transition.uid), "payload": payload},
    )
    return transition


@transaction.atomic
def notice_key_transition_complete(
    *, actor: Actor | None, transition_uid: uuid.UUID, supervisor_signature: str
) -> NoticeKeyTransition:
    """Add the supervising department's signature; only a transition that then verifies for its set is
    kept and published (in the co-signed witness log: every custodian and bidder can see the change)."""
    transition = NoticeKeyTransition.objects.select_for_update().filter(uid=transition_uid).first()
    if transition is None or transition.complete:
        raise DomainError(SealingError.TRANSITION_NOT_FOUND)
    cset = selectors.custodian_set(transition.set_fingerprint)
    document = {
        **transition.document,
        "signatures": {**transition.document["signatures"], "supervisor": supervisor_signature},
    }
    try:
        custodians.transition_verify(document, cset)  # type: ignore[arg-type]
    except custodians.CustodianError as exc:
        # the code's message says what a transition needs; the bid-worded REASONS would mislead here
        raise DomainError(SealingError.TRANSITION_REFUSED, detail={"reason": exc.reason}) from exc
    transition.document, transition.complete = document, True
    transition.save(update_fields=["document", "complete"])
    centre = CustodianSet.objects.select_related("centre").get(fingerprint=transition.set_fingerprint).centre
    event_record(
        type="sealing.notice_key.transition",
        event_class=EventClass.SECURITY,
        visibility=Visibility.PUBLIC,
        actor=actor,
        centre=centre.code,
        region=centre.region,
        data={"transition": document},
    )
    return transition
