"""What a centre's staff set up for registration, from pages (no shell, no back office): the trading
categories the centre serves (with what it tells after acceptance and its must-enter list), the head of the
desk and the deputy (服务责任人, AB角), the document templates the centre offers (6.2.6: upload, a new
version, withdraw — never an approval of trading documents), a new version of a category's checklist,
and their own leave with the colleague who covers. The centre is named by its code (`?centre=`, or the
form's `centre`): one the user is not staff of answers the same not-found as a missing one, and so does
another centre's template."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ggzy.accounts.models import Centre
from ggzy.core import clock
from ggzy.core.access import actor_of, allow
from ggzy.core.errors import CoreError, DomainError
from ggzy.core.formatting import local_time, person_name
from ggzy.core.limits import accepts_files
from ggzy.core.pages import form_again, page_action
from ggzy.core.roles import Role
from ggzy.registry import selectors, services
from ggzy.registry.forms import (
    CategoryServeForm,
    ChecklistForm,
    DeskHeadForm,
    LeaveForm,
    TemplateReplaceForm,
    TemplateUploadForm,
    leave_initial,
    read_upload,
)
from ggzy.registry.models import Template, TradingCategory
from ggzy.registry.views.registrations import refusal_text


def _at(name: str, centre: Centre, **query: str) -> str:
    """The page `name` for `centre` (and more of the query)."""
    extra = "".join(f"&{k}={v}" for k, v in query.items())
    return f"{reverse(name)}?centre={centre.code}{extra}"


def _name(user: Any) -> str:
    return person_name(user) if user is not None else ""


# --- the head of the desk and the deputy ------------------------------------------------------------------
@allow(Role.CENTRE_STAFF)
def desk_heads(request: HttpRequest) -> HttpResponse:
    user = actor_of(request)
    rows = []
    for centre in selectors.staff_centres(user).order_by("code"):
        desk = selectors.desk_of(centre)
        form = DeskHeadForm(
            staff=selectors.centre_staff(centre=centre),
            initial={
                "head": desk.head.get_username() if desk.head else None,
                "deputy": desk.deputy.get_username() if desk.deputy else None,
            },
            auto_id=f"id_{centre.code}_%s",
        )
        changes = [
            {
                "at": event.occurred_at,
                "by": _name(event.actor),
                "head": _name(people.get(int(event.data.get("head") or 0))),
                "deputy": _name(people.get(int(event.data.get("deputy") or 0))),
            }
            for event, people in selectors.desk_changes(viewer=user, centre=centre)
        ]
        rows.append(
            {
                "centre": centre,
                "head": _name(desk.head),
                "deputy": _name(desk.deputy),
                "head_away": desk.head_away,
                "form": form,
                "changes": changes,
            }
        )
    return render(request, "registry/desk_heads.html", {"rows": rows})


@require_POST
@allow(Role.CENTRE_STAFF)
def desk_head_set(request: HttpRequest) -> HttpResponse:
    centre = selectors.access_staff_centre(viewer=request.user, code=request.POST.get("centre", ""))
    form = DeskHeadForm(request.POST, staff=selectors.centre_staff(centre=centre))
    return page_action(
        request,
        lambda: services.desk_head_set(
            actor=actor_of(request),
            centre=centre,
            head=form.cleaned_data["head"],
            deputy=form.cleaned_data["deputy"],
        ),
        success=lambda row: (
            _("%(centre)s: the head of the desk is %(head)s, the deputy %(deputy)s.")
            % {"centre": centre.name, "head": _name(row.user), "deputy": _name(row.deputy) or "—"}
        ),
        form=form,
        invalid=_("Choose the head of the desk (and the deputy) from the centre's staff."),
        to="registry:desk-heads",
        explain=refusal_text,
    )


# --- document templates (6.2.6) -------------------------------------------------------------------------
#: The body of a template upload: one file of at most TEMPLATE_MAX_BYTES, and the form around it.
TEMPLATE_BODY = services.TEMPLATE_MAX_BYTES + 1024 * 1024


@allow(Role.CENTRE_STAFF)
def template_admin(request: HttpRequest) -> HttpResponse:
    user = actor_of(request)
    centre = selectors.chosen_centre(viewer=user, code=request.GET.get("centre", ""))
    context: dict[str, Any] = {"centre": centre, "centres": selectors.staff_centres(user).order_by("code")}
    if centre is not None:
        lines = selectors.centre_templates(centre=centre)
        context["lines"] = [
            {
                "line": line,
                "uploaded_by": _name(line.template.uploaded_by),
                "form": TemplateReplaceForm(auto_id=f"id_{line.template.uid}_%s"),
            }
            for line in lines
        ]
        context["upload_form"] = TemplateUploadForm(categories=selectors.served_categories(centre=centre))
    return render(request, "registry/template_admin.html", context)


@require_POST
@accepts_files(TEMPLATE_BODY)
@allow(Role.CENTRE_STAFF)
def template_upload(request: HttpRequest) -> HttpResponse:
    centre = selectors.access_staff_centre(viewer=request.user, code=request.POST.get("centre", ""))
    form = TemplateUploadForm(
        request.POST, request.FILES, categories=selectors.served_categories(centre=centre)
    )
    return page_action(
        request,
        lambda: services.template_publish(
            actor=actor_of(request),
            centre=centre,
            category=form.cleaned_data["category"],
            name=form.cleaned_data["name"],
            upload=read_upload(form.cleaned_data["file"]),
        ),
        success=lambda t: _("“%(name)s” is offered for download.") % {"name": t.name},
        form=form,
        invalid=_("Choose the category, name the template and choose its file."),
        to=_at("registry:template-admin", centre),
        explain=refusal_text,
    )


def _template_page(template: Template) -> str:
    """The templates page of the template's centre (`access_centre_template` returns a centre's own)."""
    centre = template.centre
    if centre is None:
        return reverse("registry:template-admin")
    return _at("registry:template-admin", centre)


@require_POST
@accepts_files(TEMPLATE_BODY)
@allow(Role.CENTRE_STAFF)
def template_replace(request: HttpRequest, template_uid: uuid.UUID) -> HttpResponse:
    template = selectors.access_centre_template(viewer=request.user, uid=template_uid)
    form = TemplateReplaceForm(request.POST, request.FILES)
    return page_action(
        request,
        lambda: services.template_replace(
            actor=actor_of(request),
            template=template,
            upload=read_upload(form.cleaned_data["file"]),
            name=form.cleaned_data["name"],
        ),
        success=lambda t: (
            _("Version %(version)s of “%(name)s” is offered now; the earlier one is kept for the record.")
            % {"version": t.version, "name": t.name}
        ),
        form=form,
        invalid=_("Choose the file of the new version."),
        to=_template_page(template),
        explain=refusal_text,
    )


@require_POST
@allow(Role.CENTRE_STAFF)
def template_withdraw(request: HttpRequest, template_uid: uuid.UUID) -> HttpResponse:
    template = selectors.access_centre_template(viewer=request.user, uid=template_uid)
    return page_action(
        request,
        lambda: services.template_withdraw(actor=actor_of(request), template=template),
        success=lambda t: _("“%(name)s” is withdrawn: it is no longer offered.") % {"name": t.name},
        to=_template_page(template),
        explain=refusal_text,
    )


# --- checklists, changed as new versions --------------------------------------------------------------------
def _served(centre: Centre, code: str) -> TradingCategory:
    """A category `centre` serves, by code; any other is not found."""
    category = selectors.served_categories(centre=centre).filter(code=code).first() if code else None
    if category is None:
        raise DomainError(CoreError.NOT_FOUND)
    return category


def _checklist_page(
    request: HttpRequest,
    centre: Centre | None,
    category: TradingCategory | None,
    form: ChecklistForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = actor_of(request)
    context: dict[str, Any] = {
        "centre": centre,
        "centres": selectors.staff_centres(user).order_by("code"),
        "category": category,
    }
    if centre is not None:
        context["overview"] = [
            (c, selectors.current_checklist(c, centre)) for c in selectors.served_categories(centre=centre)
        ]
    if centre is not None and category is not None:
        versions = selectors.checklist_versions(category=category, centre=centre)
        current = next((v for v in versions if v.in_force), None)
        context["versions"] = [{"v": v, "by": _name(v.checklist.published_by)} for v in versions]
        if form is None and current is not None:
            form = ChecklistForm(initial={"base_version": current.checklist.version}, items=current.items)
        context["form"] = form
    return render(request, "registry/checklists.html", context, status=status)


@allow(Role.CENTRE_STAFF)
def checklists(request: HttpRequest) -> HttpResponse:
    centre = selectors.chosen_centre(viewer=request.user, code=request.GET.get("centre", ""))
    code = request.GET.get("category", "")
    category = _served(centre, code) if centre is not None and code else None
    if code and centre is None:
        raise DomainError(CoreError.NOT_FOUND)
    return _checklist_page(request, centre, category)


@require_POST
@allow(Role.CENTRE_STAFF)
def checklist_revise(request: HttpRequest) -> HttpResponse:
    centre = selectors.access_staff_centre(viewer=request.user, code=request.POST.get("centre", ""))
    category = _served(centre, request.POST.get("category", ""))
    current = selectors.current_checklist(category, centre)
    form = ChecklistForm(request.POST, items=list(current.items.order_by("order")))
    return page_action(
        request,
        lambda: services.checklist_revise(
            actor=actor_of(request),
            centre=centre,
            category=category,
            base_version=form.cleaned_data["base_version"],
            items=form.items(),
            basis=form.cleaned_data["basis"],
        ),
        success=lambda checklist: (
            _(
                "Version %(version)s of the checklist is published: new registrations follow it, "
                "those filed before keep theirs."
            )
            % {"version": checklist.version}
        ),
        form=form,
        to=_at("registry:checklists", centre, category=category.code),
        failure=form_again(form, lambda: _checklist_page(request, centre, category, form, status=400)),
        explain=refusal_text,
    )


# --- the trading categories the centre serves (6.2.4, 12.1.5) ----------------------------------------------
@allow(Role.CENTRE_STAFF)
def categories(request: HttpRequest) -> HttpResponse:
    """Each trading category: whether the centre serves it, what it tells the parties after acceptance,
    and its must-enter list. Only a served category can be registered, offered templates or checklists."""
    user = actor_of(request)
    centre = selectors.chosen_centre(viewer=user, code=request.GET.get("centre", ""))
    context: dict[str, Any] = {"centre": centre, "centres": selectors.staff_centres(user).order_by("code")}
    if centre is not None:
        context["rows"] = [
            {
                "category": category,
                "row": row,
                "form": CategoryServeForm(
                    initial={
                        "enabled": row.enabled if row else False,
                        "next_steps": row.next_steps if row else "",
                        "must_enter": row.must_enter if row else "",
                    },
                    auto_id=f"id_{category.code}_%s",
                ),
            }
            for category, row in selectors.category_settings(centre=centre)
        ]
    return render(request, "registry/categories.html", context)


@require_POST
@allow(Role.CENTRE_STAFF)
def category_serve(request: HttpRequest) -> HttpResponse:
    centre = selectors.access_staff_centre(viewer=request.user, code=request.POST.get("centre", ""))
    category = selectors.category_by_code(request.POST.get("category", ""))
    if category is None:
        raise DomainError(CoreError.NOT_FOUND)
    form = CategoryServeForm(request.POST)
    return page_action(
        request,
        lambda: services.category_serve(
            actor=actor_of(request),
            centre=centre,
            category=category,
            enabled=form.cleaned_data["enabled"],
            next_steps=form.cleaned_data["next_steps"],
            must_enter=form.cleaned_data["must_enter"],
        ),
        success=lambda row: (
            (
                _("%(centre)s serves %(category)s now.")
                if row.enabled
                else _("%(centre)s does not serve %(category)s now.")
            )
            % {"centre": centre.name, "category": category.label}
        ),
        form=form,
        to=_at("registry:categories", centre),
        explain=refusal_text,
    )


# --- my leave ---------------------------------------------------------------------------------------------
@allow(Role.CENTRE_STAFF)
def leave(request: HttpRequest) -> HttpResponse:
    """GET: the form and one's leave; POST: record a leave (from, until, the colleague who covers)."""
    user = actor_of(request)
    form = LeaveForm(
        request.POST if request.method == "POST" else None,
        initial=leave_initial(),
        colleagues=selectors.colleagues(user),
    )

    def page() -> HttpResponse:
        now = clock.now()
        context = {
            "form": form,
            "leave": [
                {"leave": row, "now": row.starts_at <= now < row.ends_at, "covered_by": _name(row.covered_by)}
                for row in selectors.leave_of(user)[:50]
            ],
            "covering": [{"leave": row, "who": _name(row.user)} for row in selectors.covering_for(user, now)],
        }
        status = 400 if request.method == "POST" else 200
        return render(request, "registry/leave.html", context, status=status)

    if request.method != "POST":
        return page()
    return page_action(
        request,
        lambda: services.leave_record(
            actor=user,
            user=user,
            starts_at=form.cleaned_data["starts_at"],
            ends_at=form.cleaned_data["ends_at"],
            covered_by=form.cleaned_data["covered_by"],
        ),
        success=lambda recorded: (
            _(
                "Your leave from %(start)s until %(end)s is recorded: %(who)s covers for you, and the "
                "deputies handle the registrations you are responsible for."
            )
            % {
                "start": local_time(recorded.starts_at),
                "end": local_time(recorded.ends_at),
                "who": _name(recorded.covered_by),
            }
        ),
        form=form,
        to="registry:leave",
        failure=form_again(form, page),
        explain=refusal_text,
    )
