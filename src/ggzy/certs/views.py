"""My certificates: what is bound, until when, and a warning before it expires. And the CA
configuration pages: the system administrator adds CAs (root and intermediates), enables or disables
them, sets the CRL distribution point and policy, uploads or fetches a CRL; the security
administrator may look."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ggzy.certs import selectors, services
from ggzy.certs.errors import reason_text
from ggzy.certs.forms import CA_ADD_BODY, CRL_BODY, CaAddForm, CaSettingsForm, CrlUploadForm
from ggzy.certs.models import CertificateAuthority
from ggzy.core import clock
from ggzy.core.access import actor_of, allow, signed_in
from ggzy.core.errors import DomainError
from ggzy.core.limits import accepts_files
from ggzy.core.middleware import roles_of
from ggzy.core.pages import form_again, page_action
from ggzy.core.roles import Role


@signed_in
def my_certificates(request: HttpRequest) -> HttpResponse:
    now = clock.now()  # one reading for the list (on PostgreSQL each reading is a query)
    certificates = [
        (c, selectors.days_left(c, now)) for c in selectors.my_certificates(user=actor_of(request))
    ]
    return render(
        request, "certs/mine.html", {"certificates": certificates, "warn_days": max(selectors.WARN_DAYS)}
    )


def refusal_text(error: DomainError) -> str:
    """A service's refusal in words: its message, and why when it says."""
    detail = error.detail if isinstance(error.detail, dict) else {}
    reason = detail.get("reason")
    return f"{error.message} {reason_text(reason)}" if reason else str(error.message)


@allow(Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN)
def ca_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "certs/ca_list.html",
        {"rows": selectors.ca_rows(), "can_edit": Role.SYSTEM_ADMIN in roles_of(request)},
    )


@accepts_files(CA_ADD_BODY)
@allow(Role.SYSTEM_ADMIN)
def ca_add(request: HttpRequest) -> HttpResponse:
    form = CaAddForm(request.POST or None, request.FILES or None)

    def page() -> HttpResponse:
        status = 400 if request.method == "POST" else 200
        return render(request, "certs/ca_add.html", {"form": form}, status=status)

    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        return page_action(
            request,
            lambda: services.ca_add(
                actor=actor_of(request),
                name=data["name"],
                root=data["root"],
                intermediates=data["intermediates"],
                is_test=data["is_test"],
                crl_url=data["crl_url"],
                policy=data["policy"],
            ),
            success=lambda ca: _("The CA %(name)s is configured and enabled.") % {"name": ca.name},
            to=lambda ca: reverse("certs:ca-detail", kwargs={"ca_uid": ca.uid}),
            failure=form_again(form, page),
            explain=refusal_text,
        )
    return page()


def _detail(request: HttpRequest, ca: CertificateAuthority, status: int = 200, **forms: Any) -> HttpResponse:
    row = selectors.ca_row(ca)
    context = {
        "ca": ca,
        "row": row,
        "certificates": selectors.ca_certificates(ca),
        "can_edit": Role.SYSTEM_ADMIN in roles_of(request),
        "settings_form": forms.get("settings_form")
        or CaSettingsForm(initial={"crl_url": ca.crl_url, "policy": ca.policy}),
        "crl_form": forms.get("crl_form") or CrlUploadForm(),
        "fetch_error": reason_text(ca.crl_fetch_error) if ca.crl_fetch_error else "",
    }
    return render(request, "certs/ca_detail.html", context, status=status)


@allow(Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN)
def ca_detail(request: HttpRequest, ca_uid: uuid.UUID) -> HttpResponse:
    return _detail(request, selectors.access_ca(viewer=request.user, uid=ca_uid))


@require_POST
@allow(Role.SYSTEM_ADMIN)
def ca_enabled(request: HttpRequest, ca_uid: uuid.UUID) -> HttpResponse:
    ca = selectors.access_ca(viewer=request.user, uid=ca_uid)
    enabled = request.POST.get("enabled") == "1"
    done = _("The CA %(name)s is enabled.") if enabled else _("The CA %(name)s is disabled.")
    return page_action(
        request,
        lambda: services.ca_set_enabled(actor=actor_of(request), ca=ca, enabled=enabled),
        success=done % {"name": ca.name},
        to=reverse("certs:ca-detail", kwargs={"ca_uid": ca.uid}),
        explain=refusal_text,
    )


@require_POST
@allow(Role.SYSTEM_ADMIN)
def ca_settings(request: HttpRequest, ca_uid: uuid.UUID) -> HttpResponse:
    ca = selectors.access_ca(viewer=request.user, uid=ca_uid)
    form = CaSettingsForm(request.POST)

    def page() -> HttpResponse:
        return _detail(request, ca, status=400, settings_form=form)

    if not form.is_valid():
        return page()
    return page_action(
        request,
        lambda: services.ca_update(
            actor=actor_of(request),
            ca=ca,
            crl_url=form.cleaned_data["crl_url"],
            policy=form.cleaned_data["policy"],
        ),
        success=_("The CRL distribution point and policy are saved."),
        to=reverse("certs:ca-detail", kwargs={"ca_uid": ca.uid}),
        failure=form_again(form, page),
        explain=refusal_text,
    )


@require_POST
@accepts_files(CRL_BODY)
@allow(Role.SYSTEM_ADMIN)
def ca_crl_upload(request: HttpRequest, ca_uid: uuid.UUID) -> HttpResponse:
    ca = selectors.access_ca(viewer=request.user, uid=ca_uid)
    form = CrlUploadForm(request.POST, request.FILES)

    def page() -> HttpResponse:
        return _detail(request, ca, status=400, crl_form=form)

    def refused(text: str) -> HttpResponse:
        form.add_error("crl", _("The revocation list was refused: it is not signed by this CA."))
        form.add_error(None, text)
        return page()

    if not form.is_valid():
        return page()
    return page_action(
        request,
        lambda: services.crl_import(actor=actor_of(request), ca=ca, der=form.cleaned_data["crl"]),
        success=_("The revocation list is imported."),
        to=reverse("certs:ca-detail", kwargs={"ca_uid": ca.uid}),
        failure=refused,
        explain=refusal_text,
    )


@require_POST
@allow(Role.SYSTEM_ADMIN)
def ca_crl_fetch(request: HttpRequest, ca_uid: uuid.UUID) -> HttpResponse:
    ca = selectors.access_ca(viewer=request.user, uid=ca_uid)
    if not ca.crl_url:
        messages.error(request, _("Set a CRL distribution point first."))
        return redirect("certs:ca-detail", ca_uid=ca.uid)
    # not a page_action: crl_fetch never raises, it reports a failure as its value (the tick calls it too)
    crl, reason = services.crl_fetch(ca=ca, actor=actor_of(request))
    if crl is None:
        messages.error(
            request,
            _("The revocation list could not be fetched: %(reason)s") % {"reason": reason_text(reason)},
        )
    else:
        messages.success(request, _("The revocation list is fetched and imported."))
    return redirect("certs:ca-detail", ca_uid=ca.uid)
