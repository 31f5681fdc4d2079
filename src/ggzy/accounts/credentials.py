"""Changes to other people's credentials and accounts: password and second-factor resets, enrolment
codes, the phone on record, deactivation. Each is one transaction that records its event and tells
the account's owner outside the platform (SMS to the phone on record, e-mail) as well as in the inbox.

Who may do what is `ggzy.accounts.powers`: the security administrator resets credentials and issues
enrolment codes, the system administrator keeps accounts (phone, deactivation). Nobody does it to
their own account. An administrator's account is never changed here directly: that is a request
and a second administrator's approval (`ggzy.accounts.changes`), which then calls the same `apply_*`
functions below."""

from __future__ import annotations

import secrets
from collections.abc import Mapping

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from ggzy.accounts import policy
from ggzy.accounts.errors import AccountsError
from ggzy.accounts.event_types import AccountsEvents
from ggzy.accounts.models import EnrolmentCode, LoginState
from ggzy.core import clock
from ggzy.core.errors import DomainError
from ggzy.core.formatting import local_time
from ggzy.core.roles import ADMIN_ROLES, Role, roles_of_user
from ggzy.core.types import Actor
from ggzy.events.catalogue import EventType
from ggzy.events.models import Event
from ggzy.events.services import event_record


def is_administrator(user: Actor) -> bool:
    from ggzy.accounts.models import RoleGrant

    return RoleGrant.objects.filter(
        user=user, role__in=[r.value for r in ADMIN_ROLES], revoked_at__isnull=True
    ).exists()


def actor_check(actor: Actor | None, target: Actor, power: Role | frozenset[Role]) -> None:
    """`actor` holds the power, is not `target`, and `target` is not an administrator (whose account
    changes only through a request and a second administrator's approval)."""
    wanted = power if isinstance(power, frozenset) else frozenset({power})
    if actor is None or not roles_of_user(actor) & wanted:
        raise DomainError(AccountsError.NOT_YOUR_ADMIN_WORK)
    if actor.pk == target.pk:
        raise DomainError(AccountsError.NOT_FOR_ONESELF)
    if is_administrator(target):
        raise DomainError(AccountsError.ADMIN_CHANGE_NEEDS_APPROVAL)


def reason_check(reason: str) -> str:
    reason = (reason or "").strip()
    if len(reason) < 4:  # noqa: PLR2004
        raise DomainError(AccountsError.REASON_REQUIRED)
    return reason[:500]


def temporary_password() -> str:
    """A random password that meets the policy; it must be changed at the next sign-in."""
    return secrets.token_urlsafe(12) + "-Aa1"


def _record(
    event_type: EventType, *, actor: Actor | None, target: Actor, data: Mapping[str, object] | None = None
) -> Event:
    return event_record(
        type=event_type,
        actor=actor,
        data={"user": target.pk, "username": target.get_username(), **(data or {})},
    )


def _send_code(*, user: Actor, template: str, code: str, event: Event) -> None:
    """Send a one-time secret to the phone on record (never to the inbox: the inbox is inside)."""
    from ggzy.core.formatting import person_name
    from ggzy.events.notifications import Recipient, notify
    from ggzy.events.states import DeliveryChannel

    phone = policy.phone_on_record(user)
    if not phone:
        raise DomainError(AccountsError.NO_PHONE)
    notify(
        template=template,
        recipients=[Recipient(user=user, phone=phone)],
        context={"name": person_name(user), "code": code},
        channels=[DeliveryChannel.SMS],
        event=event,
    )


# --- the changes themselves (also carried out by an approved request) -----------------------------
def apply_password_reset(*, actor: Actor | None, target: Actor, deliver: str) -> str:
    """A temporary password; the owner must change it at the next sign-in. Sessions end, tokens are
    revoked, the lockout is lifted. `deliver` = "show" (returned to be shown once) or "sms"."""
    password = temporary_password()
    target.set_password(password)
    target.save(update_fields=["password"])  # the history validator revokes the user's tokens
    state = LoginState.objects.select_for_update().get_or_create(user=target)[0]
    state.must_change_password = True
    state.failed_logins, state.locked_until = 0, None
    state.save(update_fields=["must_change_password", "failed_logins", "locked_until"])
    policy.sessions_end(user=target)
    event = _record(
        AccountsEvents.CREDENTIAL_PASSWORD_RESET, actor=actor, target=target, data={"delivered": deliver}
    )
    policy.tell_owner(
        user=target, template="accounts.credential_changed", change=_("Your password was reset"), event=event
    )
    if deliver == "sms":
        _send_code(user=target, template="accounts.temporary_password", code=password, event=event)
        return ""
    return password


def apply_totp_reset(*, actor: Actor | None, target: Actor) -> None:
    """Remove the second factor: the owner enrols again with a new enrolment code."""
    state = LoginState.objects.select_for_update().get_or_create(user=target)[0]
    state.totp_secret, state.totp_confirmed, state.totp_last_step = "", False, 0
    state.save(update_fields=["totp_secret", "totp_confirmed", "totp_last_step"])
    EnrolmentCode.objects.filter(user=target, used_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=clock.now()
    )
    policy.sessions_end(user=target)
    event = _record(AccountsEvents.CREDENTIAL_TOTP_RESET, actor=actor, target=target)
    policy.tell_owner(
        user=target,
        template="accounts.credential_changed",
        change=_("Your second factor was reset; enrol again with a new enrolment code"),
        event=event,
    )


def apply_enrolment_code(*, actor: Actor | None, target: Actor, channel: str) -> str:
    """A one-time enrolment code: returned to be handed over in person, or sent by SMS ("" returned)."""
    if not policy.totp_required(target):
        raise DomainError(AccountsError.NO_SECOND_FACTOR)
    if channel == EnrolmentCode.Channel.SMS and not policy.phone_on_record(target):
        raise DomainError(AccountsError.NO_PHONE)
    code = policy.enrolment_code_issue(user=target, channel=channel, issued_by=actor)
    event = _record(
        AccountsEvents.CREDENTIAL_ENROLMENT_CODE_ISSUED, actor=actor, target=target, data={"channel": channel}
    )
    policy.tell_owner(
        user=target,
        template="accounts.credential_changed",
        change=_("An enrolment code for a second factor was issued"),
        event=event,
    )
    if channel == EnrolmentCode.Channel.SMS:
        _send_code(user=target, template="accounts.enrolment_code", code=code, event=event)
        return ""
    return code


def apply_active(*, actor: Actor | None, target: Actor, active: bool) -> None:
    target.is_active = active
    target.save(update_fields=["is_active"])
    if not active:
        policy.sessions_end(user=target)
        from ggzy.accounts.services import tokens_revoke_all

        tokens_revoke_all(user=target, reason="deactivated")
    event = _record(
        AccountsEvents.CREDENTIAL_ACTIVATED if active else AccountsEvents.CREDENTIAL_DEACTIVATED,
        actor=actor,
        target=target,
    )
    policy.tell_owner(
        user=target,
        template="accounts.credential_changed",
        change=_("Your account was reactivated") if active else _("Your account was deactivated"),
        event=event,
    )


# --- done directly, to accounts that are not administrators' ---------------------------------------
@transaction.atomic
def password_reset(*, actor: Actor | None, user: Actor, reason: str, deliver: str = "show") -> str:
    reason_check(reason)
    actor_check(actor, user, Role.SECURITY_ADMIN)
    if deliver not in ("show", "sms"):
        raise DomainError(AccountsError.CHANGE_INVALID)
    if deliver == "sms" and not policy.phone_on_record(user):
        raise DomainError(AccountsError.NO_PHONE)
    return apply_password_reset(actor=actor, target=user, deliver=deliver)


@transaction.atomic
def totp_reset(*, actor: Actor | None, user: Actor, reason: str) -> None:
    reason_check(reason)
    actor_check(actor, user, Role.SECURITY_ADMIN)
    apply_totp_reset(actor=actor, target=user)


@transaction.atomic
def enrolment_code_send(*, actor: Actor | None, user: Actor, channel: str) -> str:
    actor_check(actor, user, Role.SECURITY_ADMIN)
    if channel not in (EnrolmentCode.Channel.IN_PERSON, EnrolmentCode.Channel.SMS):
        raise DomainError(AccountsError.CHANGE_INVALID)
    return apply_enrolment_code(actor=actor, target=user, channel=channel)


@transaction.atomic
def account_active_set(*, actor: Actor | None, user: Actor, active: bool, reason: str) -> None:
    reason_check(reason)
    actor_check(actor, user, frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN}))
    if user.is_active == active:
        raise DomainError(AccountsError.CHANGE_INVALID)
    apply_active(actor=actor, target=user, active=active)


@transaction.atomic
def phone_set(*, actor: Actor | None, user: Actor, phone: str) -> None:
    """The phone on record (where enrolment codes and credential notices go): the system
    administrator's; the old number is told too."""
    from ggzy.accounts import identifiers

    actor_check(actor, user, Role.SYSTEM_ADMIN)
    phone = "".join(phone.split())
    if phone and not identifiers.is_mobile_number(phone):
        raise DomainError(AccountsError.IDENTIFIER_INVALID, detail={"field": "phone", "reason": "mobile"})
    old = policy.phone_on_record(user)
    state = LoginState.objects.select_for_update().get_or_create(user=user)[0]
    state.phone = phone
    state.save(update_fields=["phone"])
    event = _record(
        AccountsEvents.CREDENTIAL_PHONE_CHANGED, actor=actor, target=user, data={"had_phone": bool(old)}
    )
    policy.tell_owner(
        user=user,
        template="accounts.credential_changed",
        change=_("The phone on record was changed"),
        event=event,
    )
    if old and old != phone:
        from ggzy.core.formatting import person_name
        from ggzy.events.notifications import Recipient, notify
        from ggzy.events.states import DeliveryChannel

        notify(
            template="accounts.credential_changed",
            recipients=[Recipient(user=None, phone=old)],
            context={
                "name": person_name(user),
                "username": user.get_username(),
                "change": str(_("The phone on record was changed")),
                "at": local_time(clock.now()),
            },
            channels=[DeliveryChannel.SMS],
            event=event,
        )
