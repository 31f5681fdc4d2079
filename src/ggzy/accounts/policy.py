"""Login policy (standard 8.2.1, GB/T 22239 level 3): password strength and history, lockout after
5 failures for 15 minutes, idle session timeout, forced change of initial passwords, password expiry
for administrators, and a TOTP second factor for administrators and centre staff. Every sign-in,
failure, lockout and refusal is a security event (events/security.py records the first two)."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.hashers import check_password
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils.translation import gettext as _

from ggzy.accounts.models import LoginState, PasswordHistory
from ggzy.core import clock
from ggzy.core.fields import Sealed
from ggzy.core.roles import ADMIN_ROLES, Role, roles_of_user
from ggzy.events.services import event_record
from ggzy.events.states import EventClass, Visibility
from ggzy_sm import totp

LOCK_AFTER = 5
LOCK_FOR = dt.timedelta(minutes=15)
HISTORY = 5
ADMIN_PASSWORD_MAX_AGE = dt.timedelta(days=90)


def login_state(user: Any) -> LoginState:
    state, _created = LoginState.objects.get_or_create(user=user)
    return state


def totp_required(user: Any) -> bool:
    return bool(roles_of_user(user) & (ADMIN_ROLES | {Role.CENTRE_STAFF}))


def password_must_change(user: Any) -> bool:
    state = login_state(user)
    if state.must_change_password:
        return True
    if roles_of_user(user) & ADMIN_ROLES:
        changed = state.password_changed_at or user.date_joined
        return clock.now() - changed > ADMIN_PASSWORD_MAX_AGE
    return False


# --- lockout ---------------------------------------------------------------------------------------
def is_locked(user: Any) -> bool:
    state = LoginState.objects.filter(user=user).first()
    return bool(state and state.locked_until and state.locked_until > clock.now())


class PolicyBackend(ModelBackend):
    """Django's password check, refused while the account is locked."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        user = get_user_model().objects.filter(username=username).first() if username else None
        if user is not None and is_locked(user):
            with transaction.atomic():
                event_record(
                    type="auth.login.refused_locked",
                    event_class=EventClass.SECURITY,
                    visibility=Visibility.AUDIT,
                    actor=user,
                )
            raise PermissionDenied("locked")
        return super().authenticate(request, username=username, password=password, **kwargs)


@receiver(user_login_failed, dispatch_uid="ggzy.accounts.count_failures")
def _count_failure(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    user = get_user_model().objects.filter(username=credentials.get("username", "")).first()
    if user is not None:
        record_failure(user)


def record_failure(user: Any) -> None:
    with transaction.atomic():
        state = LoginState.objects.select_for_update().get_or_create(user=user)[0]
        if state.locked_until and state.locked_until > clock.now():
            return
        state.failed_logins += 1
        if state.failed_logins >= LOCK_AFTER:
            state.locked_until = clock.now() + LOCK_FOR
            state.failed_logins = 0
            event_record(
                type="auth.account.locked",
                event_class=EventClass.SECURITY,
                visibility=Visibility.AUDIT,
                actor=user,
                data={"until": state.locked_until},
            )
        state.save(update_fields=["failed_logins", "locked_until"])


@receiver(user_logged_in, dispatch_uid="ggzy.accounts.reset_failures")
def _reset_failures(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    LoginState.objects.filter(user=user).update(failed_logins=0)
    if request is not None and hasattr(request, "session"):
        request.session["last_seen"] = time.time()


# --- passwords -------------------------------------------------------------------------------------
class CharacterClassesValidator:
    """At least three of: lower case, upper case, digits, other characters."""

    def validate(self, password: str, user: Any = None) -> None:
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

    def validate(self, password: str, user: Any = None) -> None:
        if user is None or user.pk is None:
            return
        recent = PasswordHistory.objects.filter(user=user).values_list("password", flat=True)[:HISTORY]
        if any(check_password(password, old) for old in recent):
            raise ValidationError(self.get_help_text(), code="password_reused")

    def password_changed(self, password: str, user: Any = None) -> None:
        if user is None or user.pk is None:
            return
        PasswordHistory.objects.create(user=user, password=user.password, created_at=clock.now())
        state = login_state(user)
        state.password_changed_at = clock.now()
        state.must_change_password = False
        state.save(update_fields=["password_changed_at", "must_change_password"])

    def get_help_text(self) -> str:
        return _("Do not reuse any of your last five passwords.")


# --- second factor ---------------------------------------------------------------------------------
def totp_secret(user: Any) -> str:
    """The user's TOTP secret, made on first use (enrolment)."""
    state = login_state(user)
    if not state.totp_secret:
        state.totp_secret = totp.new_secret()
        state.totp_confirmed = False
        state.save(update_fields=["totp_secret", "totp_confirmed"])
        state = login_state(user)
    secret = state.totp_secret
    return secret.decrypt_for_system() if isinstance(secret, Sealed) else str(secret)


@transaction.atomic
def totp_check(user: Any, code: str) -> bool:
    """Check a code (each once); confirms enrolment on first success; a failure counts toward lockout."""
    secret = totp_secret(user)
    state = LoginState.objects.select_for_update().get(user=user)
    step = totp.verify(secret, code, clock.authority_now().timestamp(), last_step=state.totp_last_step)
    if step is None:
        event_record(
            type="auth.totp.failed", event_class=EventClass.SECURITY, visibility=Visibility.AUDIT, actor=user
        )
        transaction.on_commit(lambda: record_failure(user))
        return False
    first = not state.totp_confirmed
    state.totp_last_step, state.totp_confirmed = step, True
    state.save(update_fields=["totp_last_step", "totp_confirmed"])
    if first:
        event_record(
            type="auth.totp.enrolled",
            event_class=EventClass.SECURITY,
            visibility=Visibility.AUDIT,
            actor=user,
        )
    return True


def idle_limit() -> dt.timedelta:
    return dt.timedelta(minutes=settings.GGZY_IDLE_MINUTES)
