"""API authentication: bearer tokens for machine clients, the session (with CSRF) for the browser.

Both check the operation's access declaration right after identifying the user, so a caller
without the role gets 403 before the body is read. A token is further limited to its scopes, its
lifetime and idle time, and obeys the lockout and a pending password change; the session's own
rules (second factor, idle timeout, password change) are LoginPolicyMiddleware's."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBearer
from ninja.security.base import AuthBase
from ninja.utils import check_csrf

from ggzy.accounts import policy
from ggzy.accounts.models import ApiToken
from ggzy.accounts.selectors import user_roles
from ggzy.accounts.services import token_digest, token_used
from ggzy.core import clock
from ggzy.core.access import Access, is_signed_in
from ggzy.core.errors import CoreError, DomainError
from ggzy.core.types import Actor, Viewer

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def _authorise(access: Access, user: Actor) -> Actor:
    if not access.allows(authenticated=True, roles=user_roles(user)):
        raise DomainError.refused(CoreError.FORBIDDEN)
    return user


class BearerTokenAuth(HttpBearer):
    """`Authorization: Bearer ggzy_…`: an unknown, revoked or expired token is 401 with its reason."""

    def __init__(self, access: Access, scope: str) -> None:
        super().__init__()
        self.access = access
        self.scope = scope

    def authenticate(self, request: HttpRequest, token: str) -> Actor:
        found = (
            ApiToken.objects.select_related("user").filter(digest=token_digest(token.strip())).first()
            if token
            else None
        )
        if found is None or found.revoked_at is not None:
            raise DomainError.refused(CoreError.TOKEN_INVALID)
        user = found.user
        if not user.is_active or user.is_superuser:
            raise DomainError.refused(CoreError.TOKEN_INVALID)
        now = clock.now()
        idle = dt.timedelta(days=settings.GGZY_TOKEN_IDLE_DAYS)
        if found.expires_at <= now or now - (found.last_used_at or found.created_at) > idle:
            raise DomainError.refused(CoreError.TOKEN_EXPIRED)
        if policy.is_locked(user):
            raise DomainError.refused(CoreError.ACCOUNT_LOCKED)
        if policy.password_must_change(user):
            raise DomainError.refused(CoreError.PASSWORD_CHANGE_REQUIRED)
        request.user = user
        request.ggzy_token = found  # type: ignore[attr-defined]  # session-only operations look
        _authorise(self.access, user)
        if self.scope not in (found.scopes or []):
            raise DomainError.refused(CoreError.TOKEN_SCOPE)
        token_used(found)
        return user


class SessionCookieAuth(APIKeyCookie):
    """The browser's session; unsafe methods must carry the CSRF token."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self, access: Access, scope: str) -> None:
        super().__init__(csrf=True)
        self.access = access

    def __call__(self, request: HttpRequest) -> Actor | None:
        user: Viewer | None = getattr(request, "user", None)
        if not is_signed_in(user):
            return None
        if request.method not in SAFE_METHODS and check_csrf(request) is not None:
            raise DomainError.refused(CoreError.CSRF_FAILED)
        return _authorise(self.access, user)

    def authenticate(
        self, request: HttpRequest, key: str | None
    ) -> Actor | None:  # pragma: no cover - __call__ decides
        return None


def api_auth_for(access: Access, scope: str) -> list[AuthBase]:
    """The auth list for an operation declared with `access` whose tokens need `scope` (see
    ggzy.core.api.Router)."""
    return [BearerTokenAuth(access, scope), SessionCookieAuth(access, scope)]


def session_only(request: HttpRequest) -> None:
    """Refuse an operation reached with a bearer token: creating tokens, granting roles, approving
    administrators' changes and resetting credentials need a browser session that passed the
    second factor where the policy asks for one."""
    if getattr(request, "ggzy_token", None) is not None:
        raise DomainError.refused(CoreError.SESSION_REQUIRED)
