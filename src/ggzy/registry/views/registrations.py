"""The registration pages (6.2): the list and the staff dashboard, the one form for every category
(一表申请: online by the initiator or its entrusted agent, on site entered by staff), the detail page
with the actions each party may take — supply an item, submit again, the one-time notice, acceptance
with the responsible person and deputy, confirming a promised item — and the files. There is no
"approve documents" action anywhere (6.2.6)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ggzy.accounts.models import Centre, Organisation
from ggzy.core import clock
from ggzy.core.access import actor_of, allow
from ggzy.core.errors import CoreError, DomainError
from ggzy.core.formatting import person_name, yuan
from ggzy.core.limits import accepts_files
from ggzy.core.middleware import roles_of
from ggzy.core.pages import form_again, page_action
from ggzy.core.roles import Role
from ggzy.registry import blobs, selectors, services
from ggzy.registry.errors import RegistryError
from ggzy.registry.forms import (
    EXTERNAL_LABELS,
    AcceptForm,
    ChooseForm,
    RegistrationForm,
    SupplyForm,
    read_upload,
)
from ggzy.registry.models import Registration, RegistrationChannel, State, TradingCategory

PARTIES = (Role.INITIATOR, Role.AGENT, Role.CENTRE_STAFF)
#: Names of what a refusal may point at, besides checklist items and outside codes.
FIELD_NAMES = {
    "name": gettext_lazy("Project name"),
    "region": gettext_lazy("Region"),
    "tender project name": gettext_lazy("Tender project name"),
    "section name": gettext_lazy("Section name"),
}


def upload_body_limit() -> int:
    """The largest body of a page that takes a registration's files (filing, supplying an item): read
    on each request, so the page and the server say the same (GGZY_MAX_UPLOAD_BODY)."""
    return int(settings.GGZY_MAX_UPLOAD_BODY)


def refusal_text(error: DomainError, item_names: dict[str, str] | None = None) -> str:
    """A service's refusal in words: its message and what it points at (items, fields, files)."""
    names = {**FIELD_NAMES, **EXTERNAL_LABELS, **(item_names or {})}
    detail = error.detail if isinstance(error.detail, dict) else {}
    parts: list[str] = []
    for key in ("items", "missing"):
        parts.extend(str(names.get(k, k)) for k in detail.get(key) or [])
    for key in ("item", "field"):
        if detail.get(key):
            parts.append(str(names.get(detail[key], detail[key])))
    for key in ("file", "value", "method", "price_form"):
        if detail.get(key):
            parts.append(str(detail[key]))
    parts.extend(str(c) for c in detail.get("codes") or [])
    if isinstance(detail.get("max_bytes"), int):
        parts.append(_("at most %(size)s") % {"size": filesizeformat(detail["max_bytes"])})
    if not parts:
        return str(error.message)
    return _("%(message)s (%(detail)s)") % {"message": error.message, "detail": "、".join(parts)}


def _refusal_of(registration: Registration) -> Callable[[DomainError], str]:
    """A refusal in words, naming the registration's checklist items it points at."""
    return lambda error: refusal_text(error, {i.key: i.name for i in registration.checklist.items.all()})


def _overdue(registration: Registration, now: dt.datetime) -> bool:
    deadline = registration.deadline
    return registration.state == State.SUBMITTED and deadline is not None and deadline.due_at < now


# --- the list and the staff dashboard -----------------------------------------------------------------
@allow(*PARTIES)
def registration_list(request: HttpRequest) -> HttpResponse:
    now = clock.now()
    rows = [
        {
            "registration": r,
            "overdue": _overdue(r, now),
            "responsible": person_name(r.responsible) if r.responsible else "",
        }
        for r in selectors.registrations_for(user=request.user).select_related("responsible")
    ]
    is_staff = Role.CENTRE_STAFF in roles_of(request)
    context = {
        "rows": rows,
        "is_staff": is_staff,
        "dashboard": selectors.dashboard(user=actor_of(request), now=now) if is_staff else None,
    }
    return render(request, "registry/list.html", context)


# --- filing: one form for every category --------------------------------------------------------------
@dataclass
class Filer:
    """How the user files at a centre: as its staff (on site), as an entrusted agent, as the initiator."""

    channel: str
    initiators: QuerySet[Organisation] | list[Organisation]
    agents: QuerySet[Organisation] | None = None
    agent_required: bool = False
    labels: dict[int, str] = field(default_factory=dict)


def _filer(request: HttpRequest, centre: Centre) -> Filer | None:
    user, roles = actor_of(request), roles_of(request)
    if Role.CENTRE_STAFF in roles and selectors.is_staff_of(user, centre):
        everyone = Organisation.objects.order_by("name")
        return Filer(RegistrationChannel.ON_SITE, everyone, everyone)
    if Role.AGENT in roles:
        agents = selectors.organisations_with_role(user=user, role=Role.AGENT)
        if agents.exists():
            initiators: dict[int, Organisation] = {}
            references: dict[int, list[str]] = {}
            for entrustment in selectors.entrusting_organisations(agents=agents):
                initiators[entrustment.initiator_id] = entrustment.initiator
                references.setdefault(entrustment.initiator_id, []).append(entrustment.project)
            labels = {pk: f"{o.name}（{'、'.join(references[pk])}）" for pk, o in initiators.items()}
            return Filer(RegistrationChannel.ONLINE, list(initiators.values()), agents, True, labels)
    if Role.INITIATOR in roles:
        return Filer(
            RegistrationChannel.ONLINE, selectors.organisations_with_role(user=user, role=Role.INITIATOR)
        )
    return None


def _choose(request: HttpRequest, choose: ChooseForm) -> HttpResponse:
    return render(request, "registry/new_choose.html", {"choose": choose})


@accepts_files(upload_body_limit)
@allow(*PARTIES)
def registration_new(request: HttpRequest) -> HttpResponse:
    choose = ChooseForm(
        request.GET if "centre" in request.GET else None,
        centres=selectors.serving_centres(),
        categories=selectors.served_categories(),
    )
    if not choose.is_valid():
        return _choose(request, choose)
    centre: Centre = choose.cleaned_data["centre"]
    category: TradingCategory = choose.cleaned_data["category"]
    if not selectors.served_categories(centre=centre).filter(pk=category.pk).exists():
        choose.add_error(None, str(RegistryError.CATEGORY_NOT_SERVED.message))
        return _choose(request, choose)
    filer = _filer(request, centre)
    if filer is None:
        choose.add_error(
            None,
            _(
                "You cannot file at this centre: you are not its staff, and you act for no initiator "
                "or entrusted agent."
            ),
        )
        return _choose(request, choose)
    items = list(selectors.current_checklist(category, centre).items.order_by("order"))
    form = RegistrationForm(
        request.POST or None,
        request.FILES or None,
        initial={"region": centre.region},
        region_under=centre.region,
        category=category,
        items=items,
        initiators=filer.initiators,
        agents=filer.agents,
        agent_required=filer.agent_required,
        initiator_labels=filer.labels,
    )

    def page() -> HttpResponse:
        context = {
            "form": form,
            "centre": centre,
            "category": category,
            "on_site": filer.channel == RegistrationChannel.ON_SITE,
            "refused": request.method == "POST",
            "body_limit": upload_body_limit(),
        }
        return render(request, "registry/new.html", context, status=400 if request.method == "POST" else 200)

    if request.method == "POST" and form.is_valid():
        files, promises, not_applicable = form.entries()
        return page_action(
            request,
            lambda: services.registration_file(
                actor=actor_of(request),
                centre=centre,
                category=category,
                name=form.cleaned_data["name"],
                initiator=form.cleaned_data["initiator"],
                agent=form.cleaned_data.get("agent"),
                region=form.cleaned_data["region"],
                external=form.external(),
                tender_projects=form.tender_projects(),
                files=files,
                promises=promises,
                not_applicable=not_applicable,
                channel=filer.channel,
            ),
            success=lambda registration: (
                _("The registration is filed. Project code: %(code)s.") % {"code": registration.project.code}
            ),
            to=lambda registration: reverse("registry:detail", kwargs={"registration_uid": registration.uid}),
            failure=form_again(form, page),
            explain=lambda exc: refusal_text(exc, {i.key: i.name for i in items}),
        )
    return page()


# --- the detail page ------------------------------------------------------------------------------------
@allow(*PARTIES)
def registration_detail(request: HttpRequest, registration_uid: uuid.UUID) -> HttpResponse:
    registration = selectors.access_registration(viewer=request.user, uid=registration_uid)
    project = registration.project
    user = actor_of(request)
    now = clock.now()
    is_staff = selectors.is_staff_of(user, project.centre)
    is_party = selectors.is_party(user, registration) or (
        is_staff and registration.channel == RegistrationChannel.ON_SITE
    )
    found = selectors.registration_detail(registration)
    tenders = [
        {
            "tender": t,
            "sections": [{"section": s, "yuan": yuan(s.budget_fen)} for s in t.sections.all()],
        }
        for t in found.tenders
    ]
    handler = selectors.handler_now(registration, now)
    staff = selectors.centre_staff(centre=project.centre) if is_staff else []
    context = {
        "registration": registration,
        "project": project,
        "tenders": tenders,
        "external": [
            (EXTERNAL_LABELS.get(code, code), getattr(project, code, ""))
            for code in project.category.external_codes
        ],
        "items": found.items,
        "notices": found.notices,
        "overdue": _overdue(registration, now),
        "responsible": person_name(registration.responsible) if registration.responsible else "",
        "deputy": person_name(registration.deputy) if registration.deputy else "",
        "handler": person_name(handler) if handler else "",
        "responsible_away": registration.responsible is not None
        and selectors.on_leave(registration.responsible),
        "can_supply": is_party and registration.state == State.RETURNED,
        "can_supply_promised": is_party and registration.state == State.ACCEPTED,
        "can_review": is_staff and registration.state == State.SUBMITTED,
        "can_confirm": registration.state == State.ACCEPTED and handler is not None and handler == user,
        "accept_form": AcceptForm(staff=staff) if is_staff else None,
        "supply_form": SupplyForm(),
        "body_limit": upload_body_limit(),
    }
    return render(request, "registry/detail.html", context)


@allow(*PARTIES)
def item_download(request: HttpRequest, registration_uid: uuid.UUID, key: str) -> HttpResponse:
    registration = selectors.access_registration(viewer=request.user, uid=registration_uid)
    item = registration.items.select_related("blob", "checklist_item").filter(checklist_item__key=key).first()
    if item is None or item.blob is None:
        raise DomainError(CoreError.NOT_FOUND)
    response = HttpResponse(blobs.read(item.blob), content_type=item.blob.media_type)
    response["Content-Disposition"] = (
        content_disposition_header(as_attachment=True, filename=item.file_name or key) or "attachment"
    )
    return response


# --- actions -----------------------------------------------------------------------------------------------
@require_POST
@accepts_files(upload_body_limit)
@allow(*PARTIES)
def item_supply(request: HttpRequest, registration_uid: uuid.UUID, key: str) -> HttpResponse:
    registration = selectors.access_registration(viewer=request.user, uid=registration_uid)
    form = SupplyForm(request.POST, request.FILES)
    return page_action(
        request,
        lambda: services.item_supply(
            actor=actor_of(request),
            registration=registration,
            key=key,
            upload=read_upload(form.cleaned_data["file"]),
        ),
        success=lambda item: (
            _("%(file)s is uploaded for “%(item)s”.")
            % {"file": item.file_name, "item": item.checklist_item.name}
        ),
        form=form,
        invalid=_("Choose a file to upload."),
        to=reverse("registry:detail", kwargs={"registration_uid": registration_uid}),
        explain=_refusal_of(registration),
    )


@require_POST
@allow(*PARTIES)
def resubmit(request: HttpRequest, registration_uid: uuid.UUID) -> HttpResponse:
    registration = selectors.access_registration(viewer=request.user, uid=registration_uid)
    return page_action(
        request,
        lambda: services.registration_resubmit(actor=actor_of(request), registration=registration),
        success=_("The registration is submitted again."),
        to=reverse("registry:detail", kwargs={"registration_uid": registration_uid}),
        explain=_refusal_of(registration),
    )


@require_POST
@allow(Role.CENTRE_STAFF)
def notice_issue(request: HttpRequest, registration_uid: uuid.UUID) -> HttpResponse:
    registration = selectors.access_registration(viewer=request.user, uid=registration_uid)
    keys = request.POST.getlist("items")
    lines = [(key, request.POST.get(f"reason_{key}", "").strip()) for key in keys]
    if any(not reason for _key, reason in lines):
        messages.error(request, _("Give the reason for every item you name."))
        return redirect("registry:detail", registration_uid=registration_uid)
    return page_action(
        request,
        lambda: services.notice_issue(actor=actor_of(request), registration=registration, lines=lines),
        success=lambda notice: (
            _("One-time notice no. %(number)s is issued: the registration is returned for completion.")
            % {"number": notice.number}
        ),
        to=reverse("registry:detail", kwargs={"registration_uid": registration_uid}),
        explain=_refusal_of(registration),
    )


@require_POST
@allow(Role.CENTRE_STAFF)
def accept(request: HttpRequest, registration_uid: uuid.UUID) -> HttpResponse:
    registration = selectors.access_registration(viewer=request.user, uid=registration_uid)
    form = AcceptForm(request.POST, staff=selectors.centre_staff(centre=registration.project.centre))
    return page_action(
        request,
        lambda: services.registration_accept(
            actor=actor_of(request),
            registration=registration,
            responsible=form.cleaned_data["responsible"],
            deputy=form.cleaned_data["deputy"],
        ),
        success=_("The registration is accepted."),
        form=form,
        invalid=_("Choose the responsible person and the deputy."),
        to=reverse("registry:detail", kwargs={"registration_uid": registration_uid}),
        explain=_refusal_of(registration),
    )


@require_POST
@allow(Role.CENTRE_STAFF)
def item_confirm(request: HttpRequest, registration_uid: uuid.UUID, key: str) -> HttpResponse:
    registration = selectors.access_registration(viewer=request.user, uid=registration_uid)
    return page_action(
        request,
        lambda: services.promised_item_confirm(actor=actor_of(request), registration=registration, key=key),
        success=lambda item: _("“%(item)s” is confirmed as supplied.") % {"item": item.checklist_item.name},
        to=reverse("registry:detail", kwargs={"registration_uid": registration_uid}),
        explain=_refusal_of(registration),
    )
