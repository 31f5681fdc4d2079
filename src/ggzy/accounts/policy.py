"""Login policy (standard 8.2.1, GB/T 22239 level 3): password strength and history, lockout after
5 failures for 15 minutes, idle session timeout, forced change of initial passwords, password expiry
for administrators, and a TOTP second factor for administrators and centre staff. Every sign-in,
failure, lockout and refusal is a security event (events/security.py records the first two)."""

from __future__ import annotations

import datetime as dt
import secrets
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model, login, password_validation
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.dispatch import receiver
from django.http import HttpRequest
from django.urls import reverse
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from ggzy.accounts.event_types import AccountsEvents
from ggzy.accounts.models import EnrolmentCode, LoginState, PasswordHistory
from ggzy.core import clock
from ggzy.core.fields import Sealed
from ggzy.core.formatting import local_time
from ggzy.core.roles import ADMIN_ROLES, Role, roles_of_user
from ggzy.core.types import Actor, Viewer
from ggzy.events.services import event_record
from ggzy_sm import totp

if TYPE_CHECKING:
    from ggzy.events.models import Event
    from ggzy.events.notifications import Recipient
    from ggzy.events.states import DeliveryChannel

LOCK_AFTER = 5
LOCK_FOR = dt.timedelta(minutes=15)
HISTORY = 5
ADMIN_PASSWORD_MAX_AGE = dt.timedelta(days=90)


def login_state(user: Actor) -> LoginState:
    state, _created = LoginState.objects.get_or_create(user=user)
    return state


def totp_required(user: Actor) -> bool:
    return bool(roles_of_user(user) & (ADMIN_ROLES | {Role.CENTRE_STAFF}))


def password_must_change(user: Actor) -> bool:
    state = login_state(user)
    if state.must_change_password:
        return True
    if roles_of_user(user) & ADMIN_ROLES:
        changed = state.password_changed_at or user.date_joined
        return clock.now() - changed > ADMIN_PASSWORD_MAX_AGE
    return False


# --- lockout ---------------------------------------------------------------------------------------
def is_locked(user: Actor) -> bool:
    state = LoginState.objects.filter(user=user).first()
    return bool(state and state.locked_until and state.locked_until > clock.now())


class PolicyBackend(ModelBackend):
    """Django's password check, refused while the account is locked and for superusers (the platform
    has none: `ggzy bootstrap` makes the three administrators).

    Back-office permissions come from the roles a user holds (`ggzy.accounts.powers`), never from
    rows in the permission tables: a permission written there by hand, or the superuser flag, gives
    nothing."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: object,
    ) -> Actor | None:
        user = get_user_model().objects.filter(username=username).first() if username else None
        if user is not None and is_locked(user):
            with transaction.atomic():
                event_record(
                    type=AccountsEvents.LOGIN_REFUSED_LOCKED,
                    actor=user,
                )
            raise PermissionDenied("locked")
        found = super().authenticate(request, username=username, password=password, **kwargs)
        if found is not None and found.is_superuser:
            with transaction.atomic():
                event_record(
                    type=AccountsEvents.LOGIN_REFUSED_SUPERUSER,
                    actor=found,
                )
            return None
        return found

    def get_user_permissions(self, user_obj: Viewer, obj: models.Model | None = None) -> set[str]:
        return set()

    def get_group_permissions(self, user_obj: Viewer, obj: models.Model | None = None) -> set[str]:
        return set()

    def get_all_permissions(self, user_obj: Viewer, obj: models.Model | None = None) -> set[str]:
        from ggzy.accounts.powers import permissions_of

        if not user_obj.is_active or user_obj.is_anonymous or obj is not None or user_obj.is_superuser:
            return set()
        return set(permissions_of(roles_of_user(user_obj)))

    def has_perm(self, user_obj: Viewer, perm: str, obj: models.Model | None = None) -> bool:
        return perm in self.get_all_permissions(user_obj, obj)

    def has_module_perms(self, user_obj: Viewer, app_label: str) -> bool:
        return any(p.startswith(app_label + ".") for p in self.get_all_permissions(user_obj))


@receiver(user_login_failed, dispatch_uid="ggzy.accounts.count_failures")
def _count_failure(
    sender: object, credentials: dict[str, object], request: HttpRequest | None = None, **kwargs: object
) -> None:
    user = get_user_model().objects.filter(username=credentials.get("username", "")).first()
    if user is not None:
        record_failure(user)


def record_failure(user: Actor) -> None:
    with transaction.atomic():
        state = LoginState.objects.select_for_update().get_or_create(user=user)[0]
        if state.locked_until and state.locked_until > clock.now():
            return
        state.failed_logins += 1
        if state.failed_logins >= LOCK_AFTER:
            state.locked_until = clock.now() + LOCK_FOR
            state.failed_logins = 0
            event_record(
                type=AccountsEvents.ACCOUNT_LOCKED,
                actor=user,
                data={"until": state.locked_until},
            )
        state.save(update_fields=["failed_logins", "locked_until"])


@receiver(user_logged_in, dispatch_uid="ggzy.accounts.reset_failures")
def _reset_failures(sender: object, request: HttpRequest | None, user: Actor, **kwargs: object) -> None:
    """Reset the failure count and write the session's sign-in record: the factors `sign_in` proved,
    none when login() was called some other way (such a session then reaches nothing)."""
    LoginState.objects.filter(user=user).update(failed_logins=0)
    if request is not None and hasattr(request, "session"):
        request.session["last_seen"] = time.time()
        request.session[SESSION_KEY] = {
            "user": user.pk,
            "factors": list(getattr(request, "_ggzy_factors", None) or []),
            "epoch": login_state(user).session_epoch,
            "at": time.time(),
        }


# --- passwords -------------------------------------------------------------------------------------
class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's, with its message in our catalogue: Django 5.2 changed the message's msgid and its zh-hans
    catalogue has no translation of the new one, so the Chinese pages said it in English."""

    def get_error_message(self) -> str:
        return ngettext(
            "The password is too short: it needs at least %(n)d character.",
            "The password is too short: it needs at least %(n)d characters.",
            self.min_length,
        ) % {"n": self.min_length}

    def get_help_text(self) -> str:
        return ngettext(
            "The password needs at least %(n)d character.",
            "The password needs at least %(n)d characters.",
            self.min_length,
        ) % {"n": self.min_length}


class CharacterClassesValidator:
    """At least three of: lower case, upper case, digits, other characters."""

    def validate(self, password: str, user: Actor | None = None) -> None:
        classes = [
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        ]
        if sum(classes) < 3:  # noqa: PLR2004
            raise ValidationError(self.get_help_text(), code="password_classes")

    def get_help_text(self) -> str:
        return _("Use at least three of: lower-case letters, upper-case letters, digits, other characters.")


class HistoryValidator:
    """Not one of the last five passwords; remembers each new one."""

    def validate(self, password: str, user: Actor | None = None) -> None:
        if user is None or user.pk is None:
            return
        recent = PasswordHistory.objects.filter(user=user).values_list("password", flat=True)[:HISTORY]
        if any(check_password(password, old) for old in recent):
            raise ValidationError(self.get_help_text(), code="password_reused")

    def password_changed(self, password: str, user: Actor | None = None) -> None:
        if user is None or user.pk is None:
            return
        from ggzy.accounts.services import tokens_revoke_all

        PasswordHistory.objects.create(user=user, password=user.password, created_at=clock.now())
        state = login_state(user)
        state.password_changed_at = clock.now()
        state.must_change_password = False
        state.save(update_fields=["password_changed_at", "must_change_password"])
        with transaction.atomic():
            tokens_revoke_all(user=user, reason="password_changed")  # a token obeys the password

    def get_help_text(self) -> str:
        return _("Do not reuse any of your last five passwords.")


# --- second factor ---------------------------------------------------------------------------------
# Enrolment is never trust on first use: a secret is made only after the user, who has set their own
# password, gives a one-time enrolment code that came from outside the sign-in (the security
# administrator in person, an SMS to the phone on record, or `ggzy bootstrap` on the console).

ENROLMENT_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
ENROLMENT_CODE_LIFETIME = {
    "in_person": dt.timedelta(hours=72),
    "sms": dt.timedelta(minutes=30),
    "console": dt.timedelta(days=7),
}


def _secret_text(value: object) -> str:
    return value.decrypt_for_system() if isinstance(value, Sealed) else str(value or "")


def totp_enrolled(user: Actor) -> bool:
    state = LoginState.objects.filter(user=user).first()
    return bool(state and state.totp_confirmed and state.totp_secret)


def totp_secret(user: Actor) -> str:
    """The secret of a user's second factor (enrolled, or being enrolled); "" when there is none."""
    return _secret_text(login_state(user).totp_secret)


def enrolment_code_new() -> str:
    """Ten characters from an unambiguous alphabet (about 50 bits), shown as XXXXX-XXXXX."""
    raw = "".join(secrets.choice(ENROLMENT_CODE_ALPHABET) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


def _normalise_code(code: str) -> str:
    text = "".join(ch for ch in code.upper() if ch.isalnum())
    return f"{text[:5]}-{text[5:]}" if len(text) == 10 else text  # noqa: PLR2004


def enrolment_code_issue(*, user: Actor, channel: str, issued_by: Actor | None = None) -> str:
    """A new enrolment code for `user` (earlier unused ones are revoked); returns the code itself,
    which is never stored. The caller records the event and delivers the code; call it inside the
    caller's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("enrolment_code_issue runs inside the caller's transaction")
    now = clock.now()
    EnrolmentCode.objects.filter(user=user, used_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=now
    )
    code = enrolment_code_new()
    EnrolmentCode.objects.create(
        user=user,
        digest=make_password(code),
        channel=channel,
        issued_by=issued_by,
        issued_at=now,
        expires_at=now + ENROLMENT_CODE_LIFETIME[channel],
    )
    return code


@transaction.atomic
def enrolment_redeem(user: Actor, code: str) -> bool:
    """Spend a valid enrolment code and start enrolment with a fresh secret (not yet confirmed).
    Refused while the user must still set their own password. A wrong code counts toward the lockout."""
    if password_must_change(user):
        return False
    now = clock.now()
    candidates = EnrolmentCode.objects.select_for_update().filter(
        user=user, used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
    )
    normalised = _normalise_code(code)
    found = next((c for c in candidates if check_password(normalised, c.digest)), None)
    if found is None:
        event_record(
            type=AccountsEvents.ENROLMENT_CODE_REFUSED,
            actor=user,
        )
        transaction.on_commit(lambda: record_failure(user))
        return False
    found.used_at = now
    found.save(update_fields=["used_at"])
    state = LoginState.objects.select_for_update().get_or_create(user=user)[0]
    state.totp_secret = totp.new_secret()
    state.totp_confirmed = False
    state.totp_last_step = 0
    state.save(update_fields=["totp_secret", "totp_confirmed", "totp_last_step"])
    event_record(
        type=AccountsEvents.ENROLMENT_CODE_ACCEPTED,
        actor=user,
        data={"channel": found.channel},
    )
    return True


@transaction.atomic
def totp_check(user: Actor, code: str) -> bool:
    """Check a code (each once). Confirms an enrolment that an enrolment code started; a failure counts
    toward the lockout. A user with no secret (never enrolled, or reset) always fails."""
    state = LoginState.objects.select_for_update().get_or_create(user=user)[0]
    secret = _secret_text(state.totp_secret)
    step = (
        totp.verify(secret, code, clock.authority_now().timestamp(), last_step=state.totp_last_step)
        if secret
        else None
    )
    if step is None:
        event_record(type=AccountsEvents.TOTP_FAILED, actor=user)
        transaction.on_commit(lambda: record_failure(user))
        return False
    first = not state.totp_confirmed
    state.totp_last_step, state.totp_confirmed = step, True
    state.save(update_fields=["totp_last_step", "totp_confirmed"])
    if first:
        event = event_record(
            type=AccountsEvents.TOTP_ENROLLED,
            actor=user,
        )
        tell_owner(
            user=user,
            template="accounts.credential_changed",
            change=gettext_lazy("A second factor was enrolled"),
            event=event,
        )
    return True


# --- the sign-in record of a session -----------------------------------------------------------------
# Every session carries what its sign-in proved: {user, factors, epoch}. `sign_in` is the one way a
# session is made; a session made any other way (Django's own admin login, a future view that calls
# login() directly) carries no factors and reaches nothing: `SignInMiddleware` ends it.

SESSION_KEY = "ggzy_sign_in"
PASSWORD, CERTIFICATE, TOTP = "password", "certificate", "totp"
FIRST_FACTORS = frozenset({PASSWORD, CERTIFICATE})


def factors_satisfy(user: Actor, factors: Iterable[str] | None) -> bool:
    """Whether a sign-in with `factors` is enough for `user`: a password or a certificate signature
    first; and a TOTP code after it for administrators and centre staff. A certificate signature
    (UKey + PIN) counts as one factor, not two: the platform never sees the PIN, so it cannot tell a
    key file copied off a disk from a token in the holder's hand."""
    given = frozenset(factors or ())
    if not given & FIRST_FACTORS:
        return False
    return TOTP in given or not totp_required(user)


def sign_in(request: HttpRequest, user: Actor, factors: Iterable[str]) -> None:
    """Make the session, recording what the sign-in proved. Refuses factors the policy finds short."""
    factors = sorted(frozenset(factors))
    if user.is_superuser or not user.is_active or not factors_satisfy(user, factors):
        raise PermissionDenied("second factor missing")
    request._ggzy_factors = factors  # type: ignore[attr-defined]  # noqa: SLF001  (read by the receiver)
    login(request, user, backend="ggzy.accounts.policy.PolicyBackend")


PENDING_KEY = "ggzy_pending_2fa"
PENDING_SECONDS = 600  # ten minutes to finish the second step (enrolment takes a little longer)


def sign_in_first_factor(request: HttpRequest, user: Actor, factor: str, next_url: str) -> str | None:
    """The first factor (a password or a certificate signature) passed: sign in when it is enough;
    otherwise remember it in the session, not signed in, and return the second step's URL."""
    if totp_required(user):
        request.session.cycle_key()
        request.session[PENDING_KEY] = {
            "user": user.pk,
            "next": next_url,
            "at": time.time(),
            "factors": [factor],
        }
        return str(reverse("accounts:totp"))
    sign_in(request, user, {factor})
    return None


def session_valid(request: HttpRequest, user: Actor) -> bool:
    """The invariant every request of a session is checked against (SignInMiddleware)."""
    record = request.session.get(SESSION_KEY)
    if not isinstance(record, dict) or record.get("user") != user.pk:
        return False
    if record.get("epoch") != login_state(user).session_epoch:
        return False
    return factors_satisfy(user, record.get("factors"))


@transaction.atomic
def sessions_end(*, user: Actor) -> None:
    """End every session of `user` (a credential reset, a deactivation, a recovery): raise its epoch."""
    state = LoginState.objects.select_for_update().get_or_create(user=user)[0]
    state.session_epoch += 1
    state.save(update_fields=["session_epoch"])


# --- telling the owner, out of band ------------------------------------------------------------------
def phone_on_record(user: Actor) -> str:
    state = LoginState.objects.filter(user=user).first()
    return _secret_text(state.phone) if state else ""


def owner_recipients(user: Actor) -> tuple[list[Recipient], list[DeliveryChannel]]:
    """Recipients for telling an account's owner about a change to their credentials: the inbox, and
    outside the platform the phone on record (SMS) and the e-mail address."""
    from ggzy.events.notifications import Recipient
    from ggzy.events.states import DeliveryChannel

    phone = phone_on_record(user)
    email = getattr(user, "email", "") or ""
    recipients = [Recipient(user=user, phone=phone, email=email)]
    channels = [DeliveryChannel.INBOX]
    if phone:
        channels.append(DeliveryChannel.SMS)
    if email:
        channels.append(DeliveryChannel.EMAIL)
    return recipients, channels


def tell_owner(*, user: Actor, template: str, change: str | Promise, event: Event | None) -> bool:
    """Tell `user` that `change` happened to their account; True when a channel outside the platform
    (SMS or e-mail) was used. Runs inside the caller's transaction."""
    from ggzy.core.formatting import person_name
    from ggzy.events.notifications import notify

    recipients, channels = owner_recipients(user)
    with translation.override(settings.LANGUAGE_CODE):
        text = str(change)
    notify(
        template=template,
        recipients=recipients,
        context={
            "name": person_name(user),
            "username": user.get_username(),
            "change": text,
            "at": local_time(clock.now()),
        },
        channels=channels,
        event=event,
    )
    return len(channels) > 1


def idle_limit() -> dt.timedelta:
    return dt.timedelta(minutes=settings.GGZY_IDLE_MINUTES)
