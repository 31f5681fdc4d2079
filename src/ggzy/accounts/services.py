"""Writes about users: API tokens.

(The recorder of the events issue will record each of these; until it lands they are plain writes.)
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from ggzy.accounts.errors import AccountsError
from ggzy.accounts.models import ApiToken
from ggzy.core.errors import DomainError
from ggzy.core.roles import ADMIN_ROLES, Role


def roles_check(roles: frozenset[Role]) -> None:
    """The three administrators of 等保三级 are separate people: refuse a set of roles holding two."""
    if len(roles & ADMIN_ROLES) > 1:
        raise DomainError(AccountsError.ADMIN_ROLES_EXCLUSIVE)


TOKEN_PREFIX = "ggzy_"  # noqa: S105  (a public marker, not a secret)
MAX_TOKEN_DAYS = 366


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


@transaction.atomic
def token_create(*, user: Any, name: str, days: int) -> tuple[ApiToken, str]:
    """Create a token for `user`; returns the row and the token itself (shown once, never stored)."""
    name = name.strip()
    if not 1 <= len(name) <= 100:  # noqa: PLR2004
        raise DomainError(AccountsError.TOKEN_NAME)
    if not 1 <= days <= MAX_TOKEN_DAYS:
        raise DomainError(AccountsError.TOKEN_LIFETIME)
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = timezone.now()
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=raw[: len(TOKEN_PREFIX) + 6],
        digest=token_digest(raw),
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    return token, raw


@transaction.atomic
def token_revoke(*, user: Any, token_id: int) -> ApiToken:
    """Revoke one of `user`'s own tokens (another user's token answers the same 404 as a missing one)."""
    token = ApiToken.objects.select_for_update().filter(pk=token_id, user=user).first()
    if token is None:
        raise DomainError(AccountsError.TOKEN_NOT_FOUND)
    if token.revoked_at is not None:
        raise DomainError(AccountsError.TOKEN_ALREADY_REVOKED)
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    return token
