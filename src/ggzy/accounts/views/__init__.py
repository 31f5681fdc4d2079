"""Sign-in (a password or a certificate, then the second factor for administrators and staff),
sign-out, password change, the organisation one acts for, and the agent's entrusted projects.

The second step (`/accounts/totp/`) is where a user whose policy asks for a second factor goes after
the first: it asks, in order, for what is still missing — their own password when an initial one was
handed to them, an enrolment code when no second factor is enrolled (never trust on first use), the
authenticator set-up, then a code. Only then is a session made (`policy.sign_in`)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, SetPasswordForm
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ggzy.accounts import changes, credentials, policy, selectors
from ggzy.accounts.forms import ChangeRequestForm, EnrolmentForm, NoteForm, PhoneForm, ReasonForm
from ggzy.accounts.models import AccountChange
from ggzy.accounts.parties import acting_for_set  # by name: `parties` here is the module views/parties.py
from ggzy.accounts.states import change_state
from ggzy.core import clock
from ggzy.core.access import PUBLIC, SIGNED_IN, actor_of, allow, public, signed_in
from ggzy.core.errors import CoreError, DomainError
from ggzy.core.middleware import roles_of
from ggzy.core.pages import page_action
from ggzy.core.roles import Role
from ggzy.core.types import Actor, JSONDict
from ggzy.events.services import event_record
from ggzy.events.states import EventClass, Visibility
from ggzy_sm import totp

PENDING = policy.PENDING_KEY


def _safe(request: HttpRequest, target: str) -> str:
    ok = url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure())
    return target if target and ok else str(reverse("core:workspace"))


class LoginView(auth_views.LoginView):
    """Password first; administrators and centre staff then pass the second step."""

    ggzy_access = PUBLIC
    template_name = "core/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: object) -> dict[str, object]:
        context = super().get_context_data(**kwargs)
        if settings.GGZY_LOGIN_EXTRA_CONTEXT:  # signature login (the certs app), without importing it
            context.update(import_string(settings.GGZY_LOGIN_EXTRA_CONTEXT)(self.request))
        return context

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        user = form.get_user()
        second = policy.sign_in_first_factor(self.request, user, policy.PASSWORD, self.get_success_url())
        return redirect(second or self.get_success_url())


class LogoutView(auth_views.LogoutView):
    ggzy_access = SIGNED_IN


class PasswordChangeView(auth_views.PasswordChangeView):
    ggzy_access = SIGNED_IN
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("core:workspace")

    def form_valid(self, form: PasswordChangeForm) -> HttpResponse:
        with transaction.atomic():
            response = super().form_valid(form)
            _password_changed(actor_of(self.request))
        messages.success(self.request, _("Your password has been changed."))
        return response


def _password_changed(user: Actor) -> None:
    event = event_record(
        type="auth.password.changed", event_class=EventClass.SECURITY, visibility=Visibility.AUDIT, actor=user
    )
    policy.tell_owner(
        user=user, template="accounts.credential_changed", change=_("Your password was changed"), event=event
    )


def _pending_user(request: HttpRequest) -> tuple[JSONDict, Actor] | None:
    """The sign-in waiting for its second step in this session (as `policy.sign_in_first_factor` left
    it), with its user; None when there is none, it is too old, or the user may not sign in now."""
    pending = request.session.get(PENDING)
    if not isinstance(pending, dict) or time.time() - pending.get("at", 0) > policy.PENDING_SECONDS:
        request.session.pop(PENDING, None)
        return None
    user = get_user_model().objects.filter(pk=int(pending.get("user") or 0), is_active=True).first()
    if user is None or policy.is_locked(user):
        request.session.pop(PENDING, None)
        return None
    return pending, user


def _stage(pending: JSONDict, user: Actor) -> str:
    """What the second step asks for now, in order: own password, enrolment code, set-up, code."""
    if policy.totp_enrolled(user):
        return "code"
    if policy.password_must_change(user):
        return "password"
    return "setup" if pending.get("enrolling") else "enrol"


def _password_stage(request: HttpRequest, pending: JSONDict, user: Actor, posted: bool) -> HttpResponse:
    form = SetPasswordForm(user, request.POST if posted else None)
    if posted and form.is_valid():
        with transaction.atomic():
            form.save()
            _password_changed(user)
        messages.success(request, _("Your password has been changed."))
        return redirect("accounts:totp")
    return _render(request, user, "password", password_form=form)


def _enrol_stage(request: HttpRequest, pending: JSONDict, user: Actor, posted: bool) -> HttpResponse:
    if not posted:
        return _render(request, user, "enrol")
    if policy.enrolment_redeem(user, request.POST.get("enrolment_code", "")):
        pending["enrolling"] = True
        request.session[PENDING] = pending
        return redirect("accounts:totp")
    error = _(
        "The enrolment code is not correct or has expired. Ask the security administrator for a new one."
    )
    return _render(request, user, "enrol", error=error)


def _code_stage(request: HttpRequest, pending: JSONDict, user: Actor, posted: bool) -> HttpResponse:
    stage = _stage(pending, user)
    if not posted:
        return _render(request, user, stage)
    if policy.totp_check(user, request.POST.get("code", "")):
        request.session.pop(PENDING, None)
        policy.sign_in(request, user, {*pending["factors"], policy.TOTP})
        return redirect(_safe(request, pending.get("next", "")))
    error = _("The code is not correct. Use the current code of your authenticator app.")
    return _render(request, user, stage, error=error)


STAGES = {
    "password": ("password", _password_stage),
    "enrol": ("enrol", _enrol_stage),
    "setup": ("totp", _code_stage),
    "code": ("totp", _code_stage),
}


@public
def totp_view(request: HttpRequest) -> HttpResponseBase:
    """The second step of signing in (see the module's docstring). A form posted for another stage
    than the current one (a stale page) is shown again, not acted on."""
    found = _pending_user(request)
    if found is None:
        return redirect("accounts:login")
    pending, user = found
    step, handler = STAGES[_stage(pending, user)]
    posted = request.method == "POST" and request.POST.get("step") == step
    return handler(request, pending, user, posted)


def _render(
    request: HttpRequest,
    user: Actor,
    stage: str,
    *,
    error: str = "",
    password_form: SetPasswordForm[Actor] | None = None,
) -> HttpResponse:
    context: dict[str, object] = {"stage": stage, "error": error, "password_form": password_form}
    if stage == "setup":
        secret = policy.totp_secret(user)
        uri = totp.provisioning_uri(secret, user.get_username(), settings.GGZY_CENTRE_NAME or "ggzy")
        context |= {"secret": secret, "uri": uri, "qr": segno.make(uri, error="m").svg_data_uri(scale=4)}
    invalid = bool(error) or bool(password_form and password_form.errors)
    return render(request, "accounts/totp.html", context, status=400 if invalid else 200)


@require_POST
@signed_in
def acting_for(request: HttpRequest) -> HttpResponse:
    to = _safe(request, request.POST.get("next", ""))
    try:
        uid = uuid.UUID(request.POST.get("organisation", ""))
    except ValueError:  # no organisation named: nothing to do
        return redirect(to)
    organisation = selectors.access_organisation(viewer=request.user, uid=uid)
    return page_action(
        request,
        lambda: acting_for_set(user=actor_of(request), organisation=organisation),
        success=None,  # the header shows it
        to=to,
    )


@allow(Role.AGENT)
def entrusted(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "accounts/entrusted.html",
        {"entrustments": selectors.entrustments_of(user=actor_of(request))},
    )


# --- the administrators' pages: accounts and credentials, changes to administrators' accounts -------
ADMINS = (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN)


def _secret_once(request: HttpRequest, what: str, secret: str, who: Actor, back: str) -> HttpResponse:
    """A temporary password or enrolment code, shown in this answer only (never stored, never in a
    message that would sit in the session)."""
    response = render(
        request, "accounts/secret_once.html", {"what": what, "secret": secret, "who": who, "back": back}
    )
    response["Cache-Control"] = "no-store"
    return response


@allow(*ADMINS)
def account_changes(request: HttpRequest) -> HttpResponse:
    now = clock.now()
    rows = [
        (c, change_state(c, now), Role(c.role).label if c.role else "")
        for c in changes.change_list(viewer=request.user)[:200]
    ]
    may_request = bool(roles_of(request) & {Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN})
    return render(
        request,
        "accounts/account_changes.html",
        {"rows": rows, "form": ChangeRequestForm() if may_request else None, "note_form": NoteForm()},
    )


@require_POST
@allow(Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN)
def account_change_request(request: HttpRequest) -> HttpResponse:
    to = str(reverse("accounts:changes"))
    form = ChangeRequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the change, name the account and give the reason."))
        return redirect(to)
    target = get_user_model().objects.filter(username=form.cleaned_data["target"]).first()
    if target is None:
        messages.error(request, _("There is no account with this user name."))
        return redirect(to)
    return page_action(
        request,
        lambda: changes.change_request(
            actor=actor_of(request),
            target=target,
            kind=form.cleaned_data["kind"],
            reason=form.cleaned_data["reason"],
            role=form.cleaned_data["role"],
        ),
        success=lambda change: (
            _("Requested (no. %(id)s). It takes effect when a second administrator approves it.")
            % {"id": change.reference}
        ),
        to=to,
    )


@require_POST
@allow(*ADMINS)
def account_change_decide(request: HttpRequest, change_uid: uuid.UUID, action: str) -> HttpResponse:
    to = str(reverse("accounts:changes"))
    note = NoteForm(request.POST)
    text = note.cleaned_data["note"] if note.is_valid() else ""
    # the change is fetched by the service (AccountsError.CHANGE_NOT_FOUND, a 404, for missing and for
    # withdrawing another's request alike)
    if action == "approve":

        def approved(done: tuple[AccountChange, str]) -> str | HttpResponse:
            change, secret = done
            if secret:
                return _secret_once(request, change.get_kind_display(), secret, change.target, to)
            return _("Approved and carried out.")

        return page_action(
            request,
            lambda: changes.change_approve(actor=actor_of(request), change_uid=change_uid, note=text),
            success=approved,
            to=to,
        )
    if action == "refuse":
        return page_action(
            request,
            lambda: changes.change_refuse(actor=actor_of(request), change_uid=change_uid, note=text),
            success=_("Refused."),
            to=to,
        )
    if action == "withdraw":
        return page_action(
            request,
            lambda: changes.change_withdraw(actor=actor_of(request), change_uid=change_uid),
            success=_("Withdrawn."),
            to=to,
        )
    raise DomainError(CoreError.NOT_FOUND)


@allow(Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN)
def account_security(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:150]
    return render(
        request,
        "accounts/account_security.html",
        {
            "query": query,
            "accounts": selectors.account_overview(query=query) if query else [],
            "is_security_admin": Role.SECURITY_ADMIN in roles_of(request),
            "is_system_admin": Role.SYSTEM_ADMIN in roles_of(request),
            "reason_form": ReasonForm(),
            "phone_form": PhoneForm(),
            "enrolment_form": EnrolmentForm(),
        },
    )


@require_POST
@allow(Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN)
def account_security_act(request: HttpRequest, username: str, action: str) -> HttpResponse:
    if action not in CREDENTIAL_ACTIONS:
        raise DomainError(CoreError.NOT_FOUND)
    target = selectors.access_user(viewer=request.user, username=username)
    to = f"{reverse('accounts:security')}?q={target.get_username()}"
    form_class, act = CREDENTIAL_ACTIONS[action]
    form = form_class(request.POST)
    return page_action(
        request,
        lambda: act(actor_of(request), target, form),
        success=lambda secret: (
            _secret_once(request, CREDENTIAL_LABELS[action], secret, target, to)
            if secret
            else _("Done. The account's owner has been told.")
        ),
        to=to,
        form=form,
        invalid=_("Give the reason (at least four characters) or a valid value."),
    )


#: What the credential page does for each action: its form, and the service given the actor, the
#: account and the valid form; it returns a secret to show once, or "".
CREDENTIAL_ACTIONS: dict[str, tuple[type[forms.Form], Callable[[Actor, Actor, forms.Form], str]]] = {
    "password_reset": (
        ReasonForm,
        lambda actor, user, form: credentials.password_reset(
            actor=actor, user=user, reason=form.cleaned_data["reason"]
        ),
    ),
    "totp_reset": (
        ReasonForm,
        lambda actor, user, form: (
            credentials.totp_reset(actor=actor, user=user, reason=form.cleaned_data["reason"]) or ""
        ),
    ),
    "enrolment_code": (
        EnrolmentForm,
        lambda actor, user, form: credentials.enrolment_code_send(
            actor=actor, user=user, channel=form.cleaned_data["channel"]
        ),
    ),
    "deactivate": (
        ReasonForm,
        lambda actor, user, form: (
            credentials.account_active_set(
                actor=actor, user=user, active=False, reason=form.cleaned_data["reason"]
            )
            or ""
        ),
    ),
    "reactivate": (
        ReasonForm,
        lambda actor, user, form: (
            credentials.account_active_set(
                actor=actor, user=user, active=True, reason=form.cleaned_data["reason"]
            )
            or ""
        ),
    ),
    "phone": (
        PhoneForm,
        lambda actor, user, form: (
            credentials.phone_set(actor=actor, user=user, phone=form.cleaned_data["phone"]) or ""
        ),
    ),
}
CREDENTIAL_LABELS = {
    "password_reset": _("Temporary password"),
    "enrolment_code": _("Enrolment code"),
}
