"""The pause pages (standard 6.5.8, 6.5.9): a tender project's procedure, its pauses, and the forms of the
one suspend / resume / terminate service for whoever may act — the initiator and its agent, the centre's
staff recording a platform fault, a supervisor ordering a pause. The tender project is fetched through
`selectors.access_pausable` (404 alike for "missing" and "not yours")."""

from __future__ import annotations

import uuid

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ggzy.accounts.selectors import supervises
from ggzy.core.access import actor_of, allow
from ggzy.core.errors import CoreError, DomainError
from ggzy.core.pages import page_action
from ggzy.core.roles import Role
from ggzy.core.types import Actor
from ggzy.notices import selectors, services
from ggzy.notices.forms import PauseForm, ResumeForm, TerminateForm
from ggzy.notices.services.pauses import PARTY_BASES, STAFF_BASES, SUPERVISOR_BASES
from ggzy.registry import selectors as registry_selectors
from ggzy.registry.models import PauseBasis, PauseState, TenderProject

ACTORS = (Role.INITIATOR, Role.AGENT, Role.CENTRE_STAFF, Role.SUPERVISOR)


def _bases(user: Actor, tender_project: TenderProject) -> list[tuple[str, str]]:
    project = tender_project.project
    allowed: set[str] = set()
    if selectors.is_party(user, tender_project):
        allowed |= PARTY_BASES
    if registry_selectors.is_staff_of(user, project.centre):
        allowed |= STAFF_BASES
    if supervises(user, region=project.region, category=str(project.category_id)):
        allowed |= SUPERVISOR_BASES
    return [(value, str(label)) for value, label in PauseBasis.choices if value in allowed]


def _pause_form(user: Actor, tender_project: TenderProject, data: object = None) -> PauseForm:
    sections = [(s.code, f"{s.code} {s.name}") for s in tender_project.sections.order_by("code")]
    return PauseForm(data, bases=_bases(user, tender_project), sections=sections)


@allow(*ACTORS)
def procedures(request: HttpRequest) -> HttpResponse:
    """The tender projects one may pause, with the pauses in force."""
    user = actor_of(request)
    found = selectors.pausable_tender_projects(viewer=user).prefetch_related("pauses")
    return render(request, "notices/procedures.html", {"tender_projects": found})


@allow(*ACTORS)
def procedure(request: HttpRequest, tender_project_code: str) -> HttpResponse:
    user = actor_of(request)
    tender_project = selectors.access_pausable(viewer=user, code=tender_project_code)
    pauses = registry_selectors.pauses_of(tender_project)
    context = {
        "tender_project": tender_project,
        "pauses": pauses,
        "terminated": pauses.filter(state=PauseState.TERMINATED).exists(),
        "pause_form": _pause_form(user, tender_project),
        "resume_form": ResumeForm(),
        "terminate_form": TerminateForm(),
        "party": selectors.is_party(user, tender_project),
    }
    return render(request, "notices/procedure.html", context)


def _back(code: str) -> str:
    return reverse("notices:procedure", args=[code])


@require_POST
@allow(*ACTORS)
def pause(request: HttpRequest, tender_project_code: str) -> HttpResponse:
    user = actor_of(request)
    tender_project = selectors.access_pausable(viewer=user, code=tender_project_code)
    form = _pause_form(user, tender_project, request.POST)
    return page_action(
        request,
        lambda: services.procedure_pause(
            actor=user,
            tender_project=tender_project,
            basis=form.cleaned_data["basis"],
            reason=form.cleaned_data["reason"],
            sections=form.cleaned_data["sections"],
            until=form.cleaned_data["until"],
            postpone_to=form.cleaned_data["postpone_to"],
        ),
        success=_("The procedure is paused; every party is told and the notice is drafted."),
        to=_back(tender_project_code),
        form=form,
    )


@require_POST
@allow(*ACTORS)
def resume(request: HttpRequest, tender_project_code: str, pause_uid: uuid.UUID) -> HttpResponse:
    user = actor_of(request)
    tender_project = selectors.access_pausable(viewer=user, code=tender_project_code)
    found = registry_selectors.pauses_of(tender_project).filter(uid=pause_uid).first()
    if found is None:
        raise DomainError(CoreError.NOT_FOUND)
    form = ResumeForm(request.POST)
    return page_action(
        request,
        lambda: services.procedure_resume(
            actor=user,
            pause=found,
            reason=form.cleaned_data["reason"],
            postpone_to=form.cleaned_data["postpone_to"],
        ),
        success=_("The procedure goes on; every party is told and the notice is drafted."),
        to=_back(tender_project_code),
        form=form,
    )


@require_POST
@allow(Role.INITIATOR, Role.AGENT)
def terminate(request: HttpRequest, tender_project_code: str) -> HttpResponse:
    user = actor_of(request)
    tender_project = selectors.access_pausable(viewer=user, code=tender_project_code)
    form = TerminateForm(request.POST)
    return page_action(
        request,
        lambda: services.procedure_terminate(
            actor=user, tender_project=tender_project, reason=form.cleaned_data["reason"]
        ),
        success=_("The procedure is terminated; every party is told and the termination notice is drafted."),
        to=_back(tender_project_code),
        form=form,
    )
