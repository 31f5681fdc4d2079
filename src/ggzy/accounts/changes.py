"""Changes to administrators' accounts: one administrator requests, a second approves (三员分立,
standard 8.2.1 and 8.2.3). Nothing happens on the request; the approval carries the change out in
the same transaction that records it, so a change that cannot be recorded does not happen.

* Who may request which change: `ggzy.accounts.powers.REQUESTERS` (credentials and roles: the
  security administrator; deactivation: also the system administrator).
* Who approves: any other active administrator who is neither the requester nor the person
  concerned (the database refuses the same person too: check constraints on `AccountChange`).
* Who is told: the person concerned (inbox and outside the platform), the other administrators and
  the supervisors, at the request and at the decision.
* A request not decided within 72 hours expires (a state derived from the time, never stored).
* A secret that an approved change produces (a temporary password, an enrolment code) goes by SMS
  to the phone on record of the person concerned; without one it is shown once to the approver,
  who hands it over in person.

The security administrator's own credentials cannot be reset this way while they are the only
security administrator (nobody requests a change to their own account): that is the console
break-glass `ggzy bootstrap --recover security_admin` (`ggzy.accounts.recovery`)."""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import QuerySet
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from ggzy.accounts import credentials, policy
from ggzy.accounts.errors import AccountsError
from ggzy.accounts.event_types import AccountsEvents
from ggzy.accounts.models import AccountChange, EnrolmentCode, RoleGrant
from ggzy.accounts.powers import REQUESTERS
from ggzy.accounts.states import CHANGE_TRANSITIONS, EXPIRED, change_state
from ggzy.core import clock
from ggzy.core.errors import DomainError
from ggzy.core.roles import ADMIN_ROLES, Role, roles_of_user
from ggzy.core.states import advance
from ggzy.core.types import Actor, Viewer
from ggzy.events.catalogue import EventType
from ggzy.events.models import Event
from ggzy.events.services import event_record

Kind = AccountChange.Kind
State = AccountChange.State
LIFETIME = dt.timedelta(hours=72)
STEPS = {
    "requested": _("requested, awaiting a second administrator's approval"),
    "approved": _("approved and carried out"),
    "refused": _("refused"),
    "withdrawn": _("withdrawn"),
}


def _administrators(*, excluding: set[int]) -> list[Actor]:
    ids = (
        RoleGrant.objects.filter(role__in=[r.value for r in ADMIN_ROLES], revoked_at__isnull=True)
        .exclude(user__in=excluding)
        .values_list("user", flat=True)
    )
    return list(get_user_model().objects.filter(pk__in=ids, is_active=True).order_by("pk"))


def _supervisors() -> list[Actor]:
    ids = RoleGrant.objects.filter(role=Role.SUPERVISOR, revoked_at__isnull=True).values_list(
        "user", flat=True
    )
    return list(get_user_model().objects.filter(pk__in=ids, is_active=True).order_by("pk"))


def _tell(change: AccountChange, *, event: Event, step: str) -> None:
    """The other administrators and the supervisors (inbox), and the person concerned (also outside)."""
    from ggzy.core.formatting import person_name
    from ggzy.events.notifications import Recipient, notify

    watchers = _administrators(excluding={change.target_id}) + _supervisors()
    with translation.override(settings.LANGUAGE_CODE):  # messages carry the platform's language
        context = {
            "change": str(change.get_kind_display()),
            "role": str(Role(change.role).label) if change.role else "",
            "target": f"{person_name(change.target)}（{change.target.get_username()}）",
            "requester": person_name(change.requested_by),
            "step": str(STEPS[step]),
            "reason": change.reason,
        }
    if watchers:
        notify(
            template="accounts.admin_change",
            recipients=[Recipient(user=u) for u in watchers],
            context=context,
            event=event,
        )
    policy.tell_owner(
        user=change.target,
        template="accounts.credential_changed",
        change=f"{context['change']}（{context['step']}）",
        event=event,
    )


def _record(change: AccountChange, event_type: EventType, actor: Actor | None) -> Event:
    return event_record(
        type=event_type,
        actor=actor,
        data={
            "change": str(change.uid),
            "kind": change.kind,
            "role": change.role,
            "target": change.target_id,
            "requested_by": change.requested_by_id,
            "decided_by": change.decided_by_id,
            "reason": change.reason,
            "note": change.note,
        },
    )


def _applies(kind: str, target: Actor, role: str) -> bool:
    """Whether the change makes sense for the target as it is now: every change but a grant is for an
    administrator's account; a grant is for an active account holding no role at all."""
    held = set(RoleGrant.objects.filter(user=target, revoked_at__isnull=True).values_list("role", flat=True))
    admin_roles = {r.value for r in ADMIN_ROLES}
    if kind == Kind.ROLE_GRANT:
        return role in admin_roles and not held and bool(target.is_active)
    rules: dict[str, bool] = {
        Kind.ROLE_REVOKE: role in held,
        Kind.DEACTIVATE: bool(target.is_active),
        Kind.REACTIVATE: not target.is_active,
    }
    rule = rules.get(kind, True)
    return bool(held & admin_roles) and rule


@transaction.atomic
def change_request(
    *, actor: Actor | None, target: Actor, kind: str, reason: str, role: str = ""
) -> AccountChange:
    """Ask for a change to an administrator's account (or for someone to become one)."""
    reason = credentials.reason_check(reason)
    if kind not in Kind.values:
        raise DomainError(AccountsError.CHANGE_INVALID, detail={"kind": kind})
    if actor is None or not roles_of_user(actor) & REQUESTERS[kind]:
        raise DomainError(AccountsError.NOT_YOUR_ADMIN_WORK)
    if actor.pk == target.pk:
        raise DomainError(AccountsError.NOT_FOR_ONESELF)
    if kind not in (Kind.ROLE_GRANT, Kind.ROLE_REVOKE):
        role = ""
    if not _applies(kind, target, role):
        if kind != Kind.ROLE_GRANT and not credentials.is_administrator(target):
            raise DomainError(AccountsError.NOT_AN_ADMINISTRATOR)
        raise DomainError(AccountsError.CHANGE_INVALID, detail={"kind": kind, "role": role})
    now = clock.now()
    change = AccountChange.objects.create(
        kind=kind,
        target=target,
        role=role,
        reason=reason,
        requested_by=actor,
        requested_at=now,
        expires_at=now + LIFETIME,
    )
    _tell(change, event=_record(change, AccountsEvents.ADMIN_CHANGE_REQUESTED, actor), step="requested")
    return change


def _take(change_uid: uuid.UUID) -> AccountChange:
    change = (
        AccountChange.objects.select_for_update()
        .select_related("target", "requested_by")
        .filter(uid=change_uid)
        .first()
    )
    if change is None:
        raise DomainError(AccountsError.CHANGE_NOT_FOUND)
    return change


def _not_pending(state: str) -> DomainError:
    return DomainError(AccountsError.CHANGE_NOT_PENDING, detail={"state": state})


def _move(change: AccountChange, action: str, actor: Actor | None, note: str = "") -> None:
    """Move the change by `action` (`CHANGE_TRANSITIONS`); an expired request is refused like a decided
    one (its stored state is still pending: the time decides)."""
    now = clock.now()
    if change_state(change, now) == EXPIRED:
        raise _not_pending(EXPIRED)
    advance(
        change,
        CHANGE_TRANSITIONS,
        action,
        error=_not_pending,
        decided_by=None if action == "withdraw" else actor,  # the requester withdraws, nobody decides
        decided_at=now,
        note=note.strip()[:500],
    )


def _second_administrator(actor: Actor | None, change: AccountChange) -> None:
    if actor is None or not roles_of_user(actor) & ADMIN_ROLES:
        raise DomainError(AccountsError.NOT_YOUR_ADMIN_WORK)
    if actor.pk in (change.requested_by_id, change.target_id):
        raise DomainError(AccountsError.CHANGE_SECOND_PERSON)


@transaction.atomic
def change_approve(
    *, actor: Actor | None, change_uid: uuid.UUID, note: str = ""
) -> tuple[AccountChange, str]:
    """Approve and carry out the change. Returns it and any secret to show the approver once ("" when
    it went by SMS or there is none)."""
    change = _take(change_uid)
    _second_administrator(actor, change)
    _move(change, "approve", actor, note)
    target = change.target
    if not _applies(change.kind, target, change.role):
        raise DomainError(AccountsError.CHANGE_INVALID, detail={"kind": change.kind})
    has_phone = bool(policy.phone_on_record(target))
    secret = ""
    if change.kind == Kind.ROLE_GRANT:
        from ggzy.accounts.parties import role_grant

        role_grant(actor=actor, user=target, role=Role(change.role), approved=True)
        target.is_staff = True  # Django's flag, kept in step; the back office reads the role
        target.save(update_fields=["is_staff"])
    elif change.kind == Kind.ROLE_REVOKE:
        from ggzy.accounts.parties import role_revoke

        grant = RoleGrant.objects.get(user=target, role=change.role, revoked_at__isnull=True)
        role_revoke(actor=actor, grant=grant, approved=True)
        target.is_staff = False
        target.save(update_fields=["is_staff"])
    elif change.kind == Kind.PASSWORD_RESET:
        secret = credentials.apply_password_reset(
            actor=actor, target=target, deliver="sms" if has_phone else "show"
        )
    elif change.kind == Kind.TOTP_RESET:
        credentials.apply_totp_reset(actor=actor, target=target)
    elif change.kind == Kind.ENROLMENT_CODE:
        channel = EnrolmentCode.Channel.SMS if has_phone else EnrolmentCode.Channel.IN_PERSON
        secret = credentials.apply_enrolment_code(actor=actor, target=target, channel=channel)
    else:
        credentials.apply_active(actor=actor, target=target, active=change.kind == Kind.REACTIVATE)
    _tell(change, event=_record(change, AccountsEvents.ADMIN_CHANGE_APPROVED, actor), step="approved")
    return change, secret


@transaction.atomic
def change_refuse(*, actor: Actor | None, change_uid: uuid.UUID, note: str = "") -> AccountChange:
    change = _take(change_uid)
    _second_administrator(actor, change)
    _move(change, "refuse", actor, note)
    _tell(change, event=_record(change, AccountsEvents.ADMIN_CHANGE_REFUSED, actor), step="refused")
    return change


@transaction.atomic
def change_withdraw(*, actor: Actor | None, change_uid: uuid.UUID) -> AccountChange:
    change = _take(change_uid)
    if actor is None or actor.pk != change.requested_by_id:
        raise DomainError(AccountsError.CHANGE_NOT_FOUND)
    _move(change, "withdraw", actor)
    _tell(change, event=_record(change, AccountsEvents.ADMIN_CHANGE_WITHDRAWN, actor), step="withdrawn")
    return change


def change_list(*, viewer: Viewer | None) -> QuerySet[AccountChange]:
    """Administrators see every request (the audit administrator reads them all); others none."""
    if not roles_of_user(viewer) & ADMIN_ROLES:
        return AccountChange.objects.none()
    return AccountChange.objects.select_related("target", "requested_by", "decided_by").order_by(
        "-requested_at", "-pk"
    )
