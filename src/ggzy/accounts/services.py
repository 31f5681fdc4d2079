"""Writes about users: opening an account, and API tokens.

A token carries scopes ("registry:read", "sealing:write", …: the areas of the API it may use, for
reading or writing), never more than its user's roles allow; it expires (at most 90 days), lapses
after `GGZY_TOKEN_IDLE_DAYS` unused, stops while its user is locked out or must change their
password, and is revoked when the password changes or the account is deactivated. Tokens are
created only from a signed-in browser session that passed the sign-in policy (the second factor
for administrators and staff), never with another token."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from ggzy.accounts.errors import AccountsError
from ggzy.accounts.event_types import AccountsEvents
from ggzy.accounts.models import ApiToken, Centre, Organisation
from ggzy.core import clock
from ggzy.core.errors import DomainError
from ggzy.core.formatting import local_time, person_name
from ggzy.core.roles import ADMIN_ROLES, Role, roles_of_user
from ggzy.core.types import Actor
from ggzy.events.notifications import Recipient, notify
from ggzy.events.services import event_record
from ggzy_sm.sm3 import sm3


def roles_check(roles: frozenset[Role]) -> None:
    """The three administrators of 等保三级 are separate people: refuse a set of roles holding two."""
    if len(roles & ADMIN_ROLES) > 1:
        raise DomainError(AccountsError.ADMIN_ROLES_EXCLUSIVE)


@transaction.atomic
def account_open(
    *,
    actor: Actor | None,
    user: Actor,
    roles: frozenset[Role],
    centre: Centre | None = None,
    organisation: Organisation | None = None,
    region: str = "",
    initial_password: bool = False,
) -> Actor:
    """Give `user` its roles (scoped), record it and welcome them. With `initial_password`, the user
    must change the password at the first sign-in."""
    from ggzy.accounts.parties import role_grant
    from ggzy.accounts.policy import login_state

    roles_check(roles)
    for role in sorted(roles):
        role_grant(actor=actor, user=user, role=role, centre=centre, organisation=organisation, region=region)
    if initial_password:
        state = login_state(user)
        state.must_change_password = True
        state.save(update_fields=["must_change_password"])
    event = event_record(
        type=AccountsEvents.USER_OPENED,
        actor=actor,
        data={"user": user.pk, "username": user.get_username(), "roles": sorted(r.value for r in roles)},
    )
    with translation.override(settings.LANGUAGE_CODE):
        role_names = "、".join(str(r.label) for r in sorted(roles, key=list(Role).index)) or str(
            _("none yet: the security administrator grants them")
        )
    notify(
        template="accounts.account_opened",
        recipients=[Recipient(user=user)],
        context={
            "name": person_name(user),
            "username": user.get_username(),
            "centre": settings.GGZY_CENTRE_NAME,
            "roles": role_names,
        },
        event=event,
    )
    return user


@transaction.atomic
def account_create(
    *,
    actor: Actor | None,
    username: str,
    last_name: str,
    first_name: str,
    email: str,
    phone: str = "",
) -> tuple[Actor, str]:
    """Open an account that holds no role yet (roles are the security administrator's to grant): the
    system administrator's work (`actor=None` is the console). Returns the account and its initial
    password, to be shown once and handed over; the account must change it at its first sign-in
    (`account_open(initial_password=True)`), before it reaches any page or the API."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.validators import UnicodeUsernameValidator
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    from ggzy.accounts import identifiers
    from ggzy.accounts.credentials import temporary_password
    from ggzy.accounts.policy import login_state

    if actor is not None and Role.SYSTEM_ADMIN not in roles_of_user(actor):
        raise DomainError(AccountsError.NOT_YOUR_ADMIN_WORK)
    username = username.strip()
    last_name, first_name, email = last_name.strip(), first_name.strip(), email.strip()
    phone = "".join(phone.split()).replace("-", "")
    try:
        UnicodeUsernameValidator()(username)
    except ValidationError as exc:
        raise DomainError(AccountsError.USERNAME_INVALID) from exc
    if len(username) > 150:  # noqa: PLR2004  (auth.User's column)
        raise DomainError(AccountsError.USERNAME_INVALID)
    try:
        validate_email(email)
    except ValidationError as exc:
        raise DomainError(AccountsError.ACCOUNT_DETAILS_INVALID, detail={"field": "email"}) from exc
    if not (0 < len(last_name) <= 150 and 0 < len(first_name) <= 150) or len(email) > 254:  # noqa: PLR2004
        raise DomainError(AccountsError.ACCOUNT_DETAILS_INVALID, detail={"field": "name"})
    if phone and not identifiers.is_mobile_number(phone):
        raise DomainError(AccountsError.PHONE_INVALID)
    user_model = get_user_model()
    if user_model.objects.filter(username__iexact=username).exists():
        raise DomainError(AccountsError.ACCOUNT_EXISTS, detail={"username": username})
    password = temporary_password()
    user = user_model.objects.create_user(
        username=username, password=password, last_name=last_name, first_name=first_name, email=email
    )
    if phone:
        state = login_state(user)
        state.phone = phone
        state.save(update_fields=["phone"])
    account_open(actor=actor, user=user, roles=frozenset(), initial_password=True)
    return user, password


TOKEN_PREFIX = "ggzy_"  # noqa: S105  (a public marker, not a secret)
MAX_TOKEN_DAYS = 90


def token_digest(raw: str) -> str:
    """SM3 of the token (tokens are 256-bit random: a plain hash suffices, no salt or stretching)."""
    return sm3(raw.encode("utf-8")).hex()


@transaction.atomic
def token_create(*, user: Actor, name: str, days: int, scopes: Iterable[str]) -> tuple[ApiToken, str]:
    """Create a token for `user`; returns the row and the token itself (shown once, never stored)."""
    from ggzy.core.access import token_scopes

    name = name.strip()
    if not 1 <= len(name) <= 100:  # noqa: PLR2004
        raise DomainError(AccountsError.TOKEN_NAME)
    if not 1 <= days <= MAX_TOKEN_DAYS:
        raise DomainError(AccountsError.TOKEN_LIFETIME)
    wanted = sorted(set(scopes))
    unknown = sorted(set(wanted) - token_scopes())
    if not wanted or unknown:
        raise DomainError(AccountsError.TOKEN_SCOPES, detail={"unknown": unknown})
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = clock.now()
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=raw[: len(TOKEN_PREFIX) + 6],
        digest=token_digest(raw),
        created_at=now,
        expires_at=now + timedelta(days=days),
        scopes=wanted,
    )
    event = event_record(
        type=AccountsEvents.TOKEN_CREATED,
        actor=user,
        data={
            "token": str(token.uid),
            "name": token.name,
            "prefix": token.prefix,
            "expires_at": token.expires_at,
            "scopes": wanted,
        },
    )
    notify(
        template="accounts.token_created",
        recipients=[Recipient(user=user)],
        context={
            "name": token.name,
            "prefix": token.prefix,
            "expires_at": local_time(token.expires_at),
        },
        event=event,
    )
    return token, raw


@transaction.atomic
def token_revoke(*, user: Actor, token_uid: uuid.UUID) -> ApiToken:
    """Revoke one of `user`'s own tokens (another user's token answers the same 404 as a missing one)."""
    token = ApiToken.objects.select_for_update().filter(uid=token_uid, user=user).first()
    if token is None:
        raise DomainError(AccountsError.TOKEN_NOT_FOUND)
    if token.revoked_at is not None:
        raise DomainError(AccountsError.TOKEN_ALREADY_REVOKED)
    token.revoked_at = clock.now()
    token.save(update_fields=["revoked_at"])
    event_record(
        type=AccountsEvents.TOKEN_REVOKED,
        actor=user,
        data={"token": str(token.uid), "prefix": token.prefix},
    )
    return token


def tokens_revoke_all(*, user: Actor, reason: str) -> int:
    """Revoke every live token of `user` (a password change, a deactivation); inside the caller's
    transaction. Returns how many."""
    now = clock.now()
    live = ApiToken.objects.filter(user=user, revoked_at__isnull=True, expires_at__gt=now)
    ids = list(live.values_list("pk", flat=True))
    if ids:
        ApiToken.objects.filter(pk__in=ids).update(revoked_at=now)
        event_record(
            type=AccountsEvents.TOKEN_REVOKED_ALL,
            actor=user,
            data={"tokens": ids, "reason": reason},
        )
    return len(ids)


TOKEN_USE_RESOLUTION = timedelta(minutes=1)


def token_used(token: ApiToken) -> None:
    """Note that `token` was used (at most once a minute: a read-heavy client writes little)."""
    now = clock.now()
    if token.last_used_at is None or now - token.last_used_at >= TOKEN_USE_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
