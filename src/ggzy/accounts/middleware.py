"""Login policy for every request of a browser session, pages and API alike:

* the **sign-in invariant**: a session must carry the record of a sign-in through the platform's one
  flow whose factors satisfy the user's policy *now* (password or certificate, and the second factor
  for administrators and staff), at the user's current session epoch (raised by every credential
  reset, role revocation, deactivation and recovery). A session made any other way — Django's own
  admin sign-in, a view calling login() directly — or one whose user has since become staff, is
  ended and reaches nothing;
* the idle timeout;
* the forced password change (initial passwords, administrators' expired passwords): pages redirect
  to the change form, the API answers 403 `password_change_required`.

Bearer tokens are checked by their own auth (ggzy.accounts.auth), with the same lockout and
password rules."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.contrib.auth import logout
from django.db import transaction
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse

from ggzy.accounts import policy
from ggzy.accounts.event_types import AccountsEvents
from ggzy.core.access import is_signed_in
from ggzy.core.errors import CoreError, DomainError
from ggzy.core.http import API_PREFIX, REFUSED_HEADER, error_response
from ggzy.core.types import Actor, Viewer
from ggzy.events.catalogue import EventType
from ggzy.events.services import event_record

#: Pages a user who must change the password still reaches (the change itself, signing out).
EXEMPT_PREFIXES = ("/static/", "/i18n/", "/accounts/password/", "/accounts/logout/")


def _refuse(request: HttpRequest, event_type: EventType, user: Actor) -> HttpResponseBase:
    with transaction.atomic():
        event_record(
            type=event_type,
            actor=user,
            data={"path": request.path[:200]},
        )
    logout(request)
    if request.path.startswith(API_PREFIX):
        return error_response(request, DomainError.refused(CoreError.UNAUTHENTICATED))
    response = redirect(f"{reverse('accounts:login')}?next={request.get_full_path()}")
    response[REFUSED_HEADER] = "access"
    return response


class LoginPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        user: Viewer | None = getattr(request, "user", None)
        if is_signed_in(user) and hasattr(request, "session"):
            if not policy.session_valid(request, user):
                return _refuse(request, AccountsEvents.SESSION_REFUSED_INCOMPLETE, user)
            now = time.time()
            last_seen = request.session.get("last_seen", now)
            if now - last_seen > policy.idle_limit().total_seconds():
                return _refuse(request, AccountsEvents.SESSION_IDLE_TIMEOUT, user)
            request.session["last_seen"] = now
            if not request.path.startswith(EXEMPT_PREFIXES) and policy.password_must_change(user):
                if request.path.startswith(API_PREFIX):
                    return error_response(request, DomainError.refused(CoreError.PASSWORD_CHANGE_REQUIRED))
                return redirect("accounts:password-change")
        return self.get_response(request)
