"""Login policy for every request: idle timeout, and forced password change (initial passwords,
administrators' expired passwords)."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.contrib.auth import logout
from django.db import transaction
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse

from ggzy.accounts import policy
from ggzy.events.services import event_record
from ggzy.events.states import EventClass, Visibility

EXEMPT_PREFIXES = ("/static/", "/i18n/", "/accounts/password/", "/accounts/logout/", "/api/")


class LoginPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            now = time.time()
            last_seen = request.session.get("last_seen", now)
            if now - last_seen > policy.idle_limit().total_seconds():
                with transaction.atomic():
                    event_record(
                        type="auth.session.idle_timeout",
                        event_class=EventClass.SECURITY,
                        visibility=Visibility.AUDIT,
                        actor=user,
                    )
                logout(request)
                return redirect(f"{reverse('accounts:login')}?next={request.get_full_path()}")
            request.session["last_seen"] = now
            if not request.path.startswith(EXEMPT_PREFIXES) and policy.password_must_change(user):
                return redirect("accounts:password-change")
        return self.get_response(request)
