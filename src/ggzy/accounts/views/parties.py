"""Organisations on the platform without a shell (issue 22), through `accounts.registration`:

* **registration** (public): an organisation — initiator, agent or responder — registers itself with
  its CA-issued certificate; the account starts with no role;
* **verification** (centre staff of the centre it chose): verify, which grants the role it asked for,
  or refuse with a reason; the applicant is told in the inbox;
* **entrustment** (an initiator): entrust a verified agent with a project; the agent sees it on the
  "Entrusted projects" page (`accounts:entrusted`).

A refusal is an error on the page and creates nothing (`core.pages.page_action`)."""

from __future__ import annotations

import uuid

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ggzy.accounts import registration, selectors
from ggzy.accounts.errors import AccountsError
from ggzy.accounts.forms import (
    REGISTRATION_BODY,
    USCC_REASONS,
    EntrustForm,
    OrganisationRegistrationForm,
    ReasonForm,
    code_refusal,
)
from ggzy.accounts.models import Entrustment, Organisation, OrganisationApplication
from ggzy.core import regions
from ggzy.core.access import actor_of, allow, public
from ggzy.core.errors import CoreError, DomainError
from ggzy.core.limits import accepts_files
from ggzy.core.pages import form_again, page_action
from ggzy.core.roles import Role

SEARCH_MAX = 100


# --- an organisation registers itself (public) --------------------------------------------------------
def _detail(error: DomainError) -> dict[str, object]:
    return error.detail if isinstance(error.detail, dict) else {}


def explain(error: DomainError, *, kind: str = Organisation.CodeKind.USCC) -> str:
    """A refused registration in words: the refusal, and what exactly was wrong where that helps (`kind`:
    the kind of registration code the organisation gave)."""
    detail, text = _detail(error), str(error.message)
    if error.code is AccountsError.IDENTIFIER_INVALID and detail.get("field") == "uscc" and kind == "uscc":
        reason = USCC_REASONS.get(str(detail.get("reason")))
        return f"{_('The unified social credit code is not valid.')} {reason or ''}".strip()
    if error.code is AccountsError.IDENTIFIER_INVALID and detail.get("field") in ("uscc", "country"):
        why = code_refusal(kind, str(detail["field"]), str(detail.get("reason")))
        return f"{_('The registration code is not valid.')} {why}"
    if error.code is AccountsError.REGISTRATION_CERTIFICATE:
        return f"{text} {registration.certificate_reason(str(detail.get('reason', '')))}"
    if error.code is AccountsError.REGISTRATION_CERTIFICATE_MISMATCH:
        return f"{text} {_('The certificate names: %(code)s.') % {'code': detail.get('named') or '—'}}"
    if error.code is AccountsError.REGISTRATION_PASSWORD:
        rules = detail.get("rules")
        return " ".join([text, *(str(r) for r in rules)]) if isinstance(rules, list) else text
    return text


def _register_page(
    request: HttpRequest, form: OrganisationRegistrationForm, status: int = 200
) -> HttpResponse:
    return render(request, "accounts/register.html", {"form": form}, status=status)


def _registered(application: OrganisationApplication) -> str:
    organisation = application.organisation
    return _(
        "%(organisation)s (region: %(region)s) is registered and awaits verification by %(centre)s. Until "
        "then your account holds no role; you are told in your inbox. You may sign in now."
    ) % {
        "organisation": organisation.name,
        # a registration abroad has no region: its country says where it is registered
        "region": regions.full_name(organisation.region) or organisation.country,
        "centre": application.centre.name,
    }


@accepts_files(REGISTRATION_BODY)
@public
def register(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _register_page(request, OrganisationRegistrationForm())
    form = OrganisationRegistrationForm(request.POST, request.FILES)

    def page() -> HttpResponse:
        return _register_page(request, form, status=400)

    def apply() -> OrganisationApplication:
        data = form.cleaned_data
        return registration.organisation_apply(
            username=data["username"],
            family_name=data["last_name"],
            given_name=data["first_name"],
            phone=data["phone"],
            password=data["password1"],
            centre=data["centre"],
            role=data["role"],
            code_kind=data["code_kind"],
            uscc=data["uscc"],
            country=data["country"],
            name=data["name"],
            legal_representative=data["legal_representative"],
            contact_name=data["contact_name"],
            contact_phone=data["contact_phone"],
            certificate=data["certificate"],
        )

    return page_action(
        request,
        apply,
        success=_registered,
        to="accounts:login",
        failure=form_again(form, page),
        explain=lambda error: explain(error, kind=form.cleaned_data["code_kind"]),
        form=form,
        invalid=_("Correct what is marked below."),
    )


# --- centre staff verify --------------------------------------------------------------------------------
@allow(Role.CENTRE_STAFF)
def organisations_to_verify(request: HttpRequest) -> HttpResponse:
    rows = selectors.applications_to_verify(viewer=request.user)
    context = {
        "pending": rows.filter(state=OrganisationApplication.State.PENDING).order_by("submitted_at", "pk"),
        "decided": rows.exclude(state=OrganisationApplication.State.PENDING).order_by("-decided_at", "-pk")[
            :50
        ],
        "reason_form": ReasonForm(),
    }
    return render(request, "accounts/organisations_to_verify.html", context)


@require_POST
@allow(Role.CENTRE_STAFF)
def organisation_decide(request: HttpRequest, application_uid: uuid.UUID, action: str) -> HttpResponse:
    application = selectors.access_application(viewer=request.user, uid=application_uid)
    to = str(reverse("accounts:organisations-to-verify"))
    if action == "verify":
        return page_action(
            request,
            lambda: registration.application_verify(actor=actor_of(request), application=application),
            success=lambda done: (
                _("%(organisation)s is verified and acts as %(role)s.")
                % {"organisation": done.organisation.name, "role": done.get_role_display()}
            ),
            to=to,
        )
    if action == "refuse":
        form = ReasonForm(request.POST)
        return page_action(
            request,
            lambda: registration.application_refuse(
                actor=actor_of(request), application=application, reason=form.cleaned_data["reason"]
            ),
            success=lambda done: (
                _("%(organisation)s is refused; the applicant has been told why.")
                % {"organisation": done.organisation.name}
            ),
            to=to,
            form=form,
            invalid=_("Give the reason (at least four characters)."),
        )
    raise DomainError(CoreError.NOT_FOUND)


# --- an initiator entrusts an agent ---------------------------------------------------------------------
def _entrust_page(request: HttpRequest, form: EntrustForm, status: int = 200) -> HttpResponse:
    initiator = selectors.initiator_organisation(user=actor_of(request))
    query = request.GET.get("q", "").strip()[:SEARCH_MAX]
    given: list[Entrustment] = (
        list(selectors.entrustments_given(organisation=initiator)[:200]) if initiator else []
    )
    context = {
        "initiator": initiator,
        "entrustments": given,
        "form": form,
        "query": query,
        "agents": selectors.agents_matching(query=query) if query else [],
    }
    return render(request, "accounts/entrust.html", context, status=status)


@allow(Role.INITIATOR)
def entrustments(request: HttpRequest) -> HttpResponse:
    chosen = request.GET.get("agent", "").strip()[:200]
    return _entrust_page(request, EntrustForm(initial={"agent": chosen} if chosen else None))


@require_POST
@allow(Role.INITIATOR)
def entrust(request: HttpRequest) -> HttpResponse:
    form = EntrustForm(request.POST)
    initiator = selectors.initiator_organisation(user=actor_of(request))

    def page() -> HttpResponse:
        return _entrust_page(request, form, status=400)

    def give() -> Entrustment:
        if initiator is None:
            raise DomainError(AccountsError.ENTRUSTMENT_NOT_INITIATOR)
        valid_from, valid_until = form.period()
        data = form.cleaned_data
        return registration.entrustment_give(
            actor=actor_of(request),
            initiator=initiator,
            agent=data["agent"],
            project=data["project"],
            scope=data["scope"],
            valid_from=valid_from,
            valid_until=valid_until,
        )

    return page_action(
        request,
        give,
        success=lambda done: (
            _("%(agent)s is entrusted with project %(project)s.")
            % {"agent": done.agent.name, "project": done.project}
        ),
        to=str(reverse("accounts:entrustments")),
        failure=form_again(form, page),
        form=form,
        invalid=_("Correct what is marked below."),
    )
