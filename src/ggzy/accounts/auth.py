"""API authentication: bearer tokens for machine clients, the session (with CSRF) for the browser.

Both check the operation's access declaration right after identifying the user, so a caller
without the role gets 403 before the body is read."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from ggzy.accounts.models import ApiToken
from ggzy.accounts.selectors import user_roles
from ggzy.accounts.services import token_digest
from ggzy.core.access import Access
from ggzy.core.errors import CoreError, DomainError

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def _authorise(access: Access, user: Any) -> Any:
    if not access.allows(authenticated=True, roles=user_roles(user)):
        raise DomainError.refused(CoreError.FORBIDDEN)
    return user


class BearerTokenAuth(HttpBearer):
    """`Authorization: Bearer ggzy_…`: an unknown, revoked or expired token is 401 with its reason."""

    def __init__(self, access: Access) -> None:
        super().__init__()
        self.access = access

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = (
            ApiToken.objects.select_related("user").filter(digest=token_digest(token.strip())).first()
            if token
            else None
        )
        if found is None or found.revoked_at is not None or not found.user.is_active:
            raise DomainError.refused(CoreError.TOKEN_INVALID)
        if found.expires_at <= timezone.now():
            raise DomainError.refused(CoreError.TOKEN_EXPIRED)
        request.user = found.user
        return _authorise(self.access, found.user)


class SessionCookieAuth(APIKeyCookie):
    """The browser's session; unsafe methods must carry the CSRF token."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self, access: Access) -> None:
        super().__init__(csrf=True)
        self.access = access

    def __call__(self, request: HttpRequest) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if request.method not in SAFE_METHODS and check_csrf(request) is not None:
            raise DomainError.refused(CoreError.CSRF_FAILED)
        return _authorise(self.access, user)

    def authenticate(
        self, request: HttpRequest, key: str | None
    ) -> Any:  # pragma: no cover - __call__ decides
        return None


def api_auth_for(access: Access) -> list[Any]:
    """The auth list for an operation declared with `access` (see ggzy.core.api.Router)."""
    return [BearerTokenAuth(access), SessionCookieAuth(access)]
