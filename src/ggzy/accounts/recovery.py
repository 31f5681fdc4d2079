"""Break-glass recovery of an administrator's account, from the server console only.

With the two-person rule, a locked-out security administrator (the only one who resets others'
credentials) could not be recovered online. `ggzy bootstrap` prints a recovery code once; it is
kept sealed (an envelope in the centre's safe, opened by two people). `ggzy bootstrap --recover ROLE`
asks for it and then, for the holder of ROLE: a temporary password, the second factor reset, a
console enrolment code, the lockout lifted. The code is spent and a new one printed, to be sealed
again. Every use and every failed attempt is a security event; a use is told to all three
administrators, the supervisors and the person concerned. Three wrong codes block recovery for an
hour. Only the code's hash is kept.

Against whoever can write the database this is procedural (they could replace the hash): the events
and messages are what makes a use visible (docs/security.md)."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction

from ggzy.accounts import credentials, policy
from ggzy.accounts.errors import AccountsError
from ggzy.accounts.event_types import AccountsEvents
from ggzy.accounts.models import EnrolmentCode, RecoveryCode, RoleGrant
from ggzy.core import clock
from ggzy.core.errors import DomainError
from ggzy.core.formatting import local_time
from ggzy.core.roles import ADMIN_ROLES, Role
from ggzy.core.types import Actor
from ggzy.events.models import Event
from ggzy.events.services import event_record

MAX_FAILURES = 3
BLOCK_FOR = dt.timedelta(hours=1)


def _normalise(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def recovery_code_new() -> str:
    """25 characters of an unambiguous alphabet (about 125 bits), in groups of five."""
    raw = "".join(secrets.choice(policy.ENROLMENT_CODE_ALPHABET) for _ in range(25))
    return "-".join(raw[i : i + 5] for i in range(0, 25, 5))


@transaction.atomic
def recovery_code_create(*, actor: Actor | None = None) -> str:
    """A new recovery code (any earlier one is spent); returned once, to be printed and sealed."""
    now = clock.now()
    RecoveryCode.objects.filter(spent_at__isnull=True).update(spent_at=now)
    code = recovery_code_new()
    RecoveryCode.objects.create(digest=make_password(_normalise(code)), created_at=now)
    event_record(
        type=AccountsEvents.RECOVERY_CODE_CREATED,
        actor=actor,
    )
    return code


@dataclass(frozen=True)
class Recovered:
    username: str
    password: str
    enrolment_code: str
    recovery_code: str


def _check_code(code: str) -> None:
    """Verify the code; a failure is recorded and committed on its own (the refusal rolls back)."""
    with transaction.atomic():
        current = RecoveryCode.objects.select_for_update().filter(spent_at__isnull=True).first()
        now = clock.now()
        blocked = bool(current and current.blocked_until and current.blocked_until > now)
        if current is not None and not blocked and check_password(_normalise(code), current.digest):
            return
        if current is not None and not blocked:
            current.failures += 1
            if current.failures >= MAX_FAILURES:
                current.blocked_until, current.failures = now + BLOCK_FOR, 0
            current.save(update_fields=["failures", "blocked_until"])
        event_record(
            type=AccountsEvents.RECOVERY_FAILED,
            actor=None,
            data={
                "blocked": blocked or bool(current and current.blocked_until and current.blocked_until > now)
            },
        )
    raise DomainError(AccountsError.RECOVERY_REFUSED)


def recover(*, role: Role, code: str, username: str = "") -> Recovered:
    """Recover the account of the holder of administrator `role` (named by `username` when several)."""
    if role not in ADMIN_ROLES:
        raise DomainError(AccountsError.CHANGE_INVALID, detail={"role": role})
    _check_code(code)
    with transaction.atomic():
        holders = get_user_model().objects.filter(
            pk__in=RoleGrant.objects.filter(role=role, revoked_at__isnull=True).values("user")
        )
        if username:
            holders = holders.filter(username=username)
        found = list(holders.order_by("pk")[:2])
        if len(found) != 1:
            raise DomainError(
                AccountsError.CHANGE_INVALID,
                detail={"role": role.value, "holders": [u.get_username() for u in holders.order_by("pk")]},
            )
        target = found[0]
        RecoveryCode.objects.filter(spent_at__isnull=True).update(spent_at=clock.now())
        if not target.is_active:
            target.is_active = True
            target.save(update_fields=["is_active"])
        password = credentials.apply_password_reset(actor=None, target=target, deliver="show")
        credentials.apply_totp_reset(actor=None, target=target)
        enrolment = policy.enrolment_code_issue(user=target, channel=EnrolmentCode.Channel.CONSOLE)
        event = event_record(
            type=AccountsEvents.RECOVERY_USED,
            actor=None,
            data={"role": role.value, "user": target.pk, "username": target.get_username()},
        )
        _tell(role=role, target=target, event=event)
        new_code = recovery_code_create()
    return Recovered(target.get_username(), password, enrolment, new_code)


def _tell(*, role: Role, target: Actor, event: Event) -> None:
    from django.conf import settings
    from django.utils import translation

    from ggzy.accounts.changes import _administrators, _supervisors
    from ggzy.events.notifications import Recipient, notify

    watchers = _administrators(excluding=set()) + _supervisors()
    with translation.override(settings.LANGUAGE_CODE):
        label = str(role.label)
    notify(
        template="accounts.recovery_used",
        recipients=[Recipient(user=u) for u in watchers],
        context={
            "role": label,
            "username": target.get_username(),
            "at": local_time(clock.now()),
        },
        event=event,
    )
