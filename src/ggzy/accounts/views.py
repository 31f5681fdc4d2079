"""Sign-in (password, then TOTP for administrators and staff), sign-out, password change, the
organisation one acts for, and the agent's entrusted projects."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ggzy.accounts import parties, policy, selectors
from ggzy.accounts.models import Organisation
from ggzy.core.access import PUBLIC, SIGNED_IN, allow, public, signed_in
from ggzy.core.roles import Role
from ggzy_sm import totp

PENDING = "ggzy_pending_2fa"


class LoginView(auth_views.LoginView):
    """Password first; administrators and centre staff then give a TOTP code (enrolling on first use)."""

    ggzy_access = PUBLIC
    template_name = "core/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        if settings.GGZY_LOGIN_EXTRA_CONTEXT:  # signature login (the certs app), without importing it
            context.update(import_string(settings.GGZY_LOGIN_EXTRA_CONTEXT)(self.request))
        return context

    def form_valid(self, form: Any) -> HttpResponse:
        user = form.get_user()
        if policy.totp_required(user):
            self.request.session[PENDING] = {
                "user": user.pk,
                "next": self.get_success_url(),
                "at": time.time(),
            }
            return redirect("accounts:totp")
        return super().form_valid(form)


class LogoutView(auth_views.LogoutView):
    ggzy_access = SIGNED_IN


class PasswordChangeView(auth_views.PasswordChangeView):
    ggzy_access = SIGNED_IN
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("core:workspace")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        messages.success(self.request, _("Your password has been changed."))
        return response


@public
def totp_view(request: HttpRequest) -> HttpResponseBase:
    """The second step of signing in: a code from the authenticator app (enrolment the first time)."""
    pending = request.session.get(PENDING)
    if not pending or time.time() - pending["at"] > 300:  # noqa: PLR2004  (five minutes to finish)
        request.session.pop(PENDING, None)
        return redirect("accounts:login")
    user = get_user_model().objects.get(pk=pending["user"])
    state = policy.login_state(user)
    secret = policy.totp_secret(user)
    error = ""
    if request.method == "POST":
        if policy.is_locked(user):
            request.session.pop(PENDING, None)
            return redirect("accounts:login")
        if policy.totp_check(user, request.POST.get("code", "")):
            request.session.pop(PENDING, None)
            login(request, user, backend="ggzy.accounts.policy.PolicyBackend")
            target = pending["next"]
            safe = url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure())
            return redirect(target if safe else reverse("core:workspace"))
        error = _("The code is not correct. Use the current code of your authenticator app.")
    context = {
        "enrol": not state.totp_confirmed,
        "secret": secret,
        "uri": totp.provisioning_uri(secret, user.get_username(), "ggzy"),
        "error": error,
    }
    return render(request, "accounts/totp.html", context, status=400 if error else 200)


@require_POST
@signed_in
def acting_for(request: HttpRequest) -> HttpResponse:
    raw = request.POST.get("organisation", "")
    organisation = Organisation.objects.filter(pk=int(raw)).first() if raw.isdigit() else None
    if organisation is not None:
        parties.acting_for_set(user=request.user, organisation=organisation)
    target = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure())
    return redirect(target if target and safe else "core:workspace")


@allow(Role.AGENT)
def entrusted(request: HttpRequest) -> HttpResponse:
    return render(
        request, "accounts/entrusted.html", {"entrustments": selectors.entrustments_of(user=request.user)}
    )
