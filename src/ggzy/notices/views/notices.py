"""The notice pages (standard 6.4.1, 6.4.2): the public list and page of published notices (and each as
a PDF); the initiator's and agent's notices, drafting by type, scheduling, withdrawing and recording a
medium; the centre's drafts for its staff, with their remark on the form. Every POST hands one service
to `core.pages.page_action`; every notice is fetched through an `access_*` selector (404 for "missing"
and "not yours" alike)."""

from __future__ import annotations

import uuid

from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ggzy.core import clock
from ggzy.core.access import actor_of, allow, public
from ggzy.core.errors import CoreError, DomainError
from ggzy.core.formatting import local_time, yuan
from ggzy.core.pages import form_again, page_action
from ggzy.core.roles import Role
from ggzy.core.search import highlight_terms as search_terms
from ggzy.notices import selectors, services
from ggzy.notices.content import Kind, schema_of
from ggzy.notices.forms import MediumForm, NoticeForm, PortalFilterForm, RemarkForm, ScheduleForm
from ggzy.notices.models import Notice, NoticeType

PARTIES = (Role.INITIATOR, Role.AGENT)


def items_of(notice: Notice) -> list[tuple[str, str]]:
    """(label, text) of each content item, in the table's order, as people read them."""
    shown = []
    for item in schema_of(notice.type).items:
        value = notice.content.get(item.key)
        if not item.required and value is None:
            continue  # an optional item left out is not shown
        if item.kind == Kind.MONEY and isinstance(value, int):
            text = f"¥{yuan(value)}"
        elif item.kind == Kind.YES_NO:
            text = _("Yes") if value else _("No")
        elif item.kind == Kind.INSTANT and isinstance(value, str):
            import datetime as dt

            text = local_time(dt.datetime.fromisoformat(value))
        else:
            text = str(value or "")
        shown.append((str(item.label), text))
    return shown


# --- public ---------------------------------------------------------------------------------------
@public
def public_list(request: HttpRequest) -> HttpResponse:
    """Published notices, newest first, 20 a page, narrowed by category, type, region, dates, amount and
    Chinese full-text search (`selectors.portal_notices`); a notice before its instant is not there or
    counted. Bad filters are said next to their field, with no list (status 400)."""
    form = PortalFilterForm(request.GET)
    if not form.is_valid():
        context: dict[str, object] = {"form": form, "page": None, "terms": []}
        return render(request, "notices/public_list.html", context, status=400)
    chosen = form.portal_filter()
    try:
        number = int(request.GET.get("page", "1"))
    except ValueError:
        number = 1
    page = selectors.portal_page(selectors.portal_notices(chosen), number)
    query = QueryDict(mutable=True)
    query.update({k: str(v) for k, v in request.GET.items() if k != "page" and v})
    context = {
        "form": form,
        "page": page,
        "terms": search_terms(chosen.query),
        "query_string": query.urlencode(),
        "narrowed": any(v for k, v in request.GET.items() if k != "page"),
        "searched": bool(chosen.query.strip()),
    }
    return render(request, "notices/public_list.html", context)


@public
def public_detail(request: HttpRequest, notice_uid: uuid.UUID) -> HttpResponse:
    notice = selectors.access_published_notice(viewer=request.user, uid=notice_uid)
    context = {"notice": notice, "items": items_of(notice), "published": True}
    return render(request, "notices/public_detail.html", context)


@public
def public_pdf(request: HttpRequest, notice_uid: uuid.UUID) -> HttpResponse:
    from ggzy.notices.pdf import notice_pdf

    notice = selectors.access_published_notice(viewer=request.user, uid=notice_uid)
    page_url = request.build_absolute_uri(reverse("notices:public-detail", args=[notice.uid]))
    response = HttpResponse(notice_pdf(notice, page_url=page_url, items=items_of(notice)), "application/pdf")
    response["Content-Disposition"] = f'inline; filename="notice-{notice.uid}.pdf"'
    return response


# --- the initiator and the agent ------------------------------------------------------------------
@allow(*PARTIES)
def mine(request: HttpRequest) -> HttpResponse:
    user = actor_of(request)
    context = {
        "notices": selectors.drafted_for(viewer=user),
        "tender_projects": selectors.party_tender_projects(viewer=user),
        "types": NoticeType.choices,
        "now": clock.now(),
    }
    return render(request, "notices/mine.html", context)


def _notice_form(
    request: HttpRequest, notice_type: str, tender_project: object, **kwargs: object
) -> NoticeForm:
    from ggzy.registry.models import TenderProject

    assert isinstance(tender_project, TenderProject)  # noqa: S101  (narrowing for the type checker)
    correctable = list(selectors.correctable(tender_project=tender_project))
    return NoticeForm(
        request.POST or None,
        notice_type=notice_type,
        tender_project=tender_project,
        correctable=correctable,
        **kwargs,
    )


@allow(*PARTIES)
def new(request: HttpRequest) -> HttpResponse:
    """The drafting form of a type (`?type=`) for a tender project one acts for (`?tender_project=`, its
    code): another's is not found."""
    user = actor_of(request)
    source = request.POST if request.method == "POST" else request.GET
    notice_type = source.get("type", "")
    if notice_type not in NoticeType.values:
        raise DomainError(CoreError.NOT_FOUND)
    tender_project = selectors.access_tender_project(viewer=user, code=source.get("tender_project", ""))
    form = _notice_form(request, notice_type, tender_project)

    def page() -> HttpResponse:
        context = {
            "form": form,
            "type_label": NoticeType(notice_type).label,
            "notice_type": notice_type,
            "tender_project": tender_project,
            "schema": form.schema,
        }
        return render(request, "notices/form.html", context, status=400 if request.method == "POST" else 200)

    if request.method == "POST" and form.is_valid():
        corrects_uid = form.cleaned_data.get("corrects") or ""
        corrects = (
            selectors.access_drafted_notice(viewer=user, uid=uuid.UUID(corrects_uid))
            if corrects_uid
            else None
        )
        return page_action(
            request,
            lambda: services.notice_draft(
                actor=user,
                tender_project=tender_project,
                notice_type=notice_type,
                title=form.cleaned_data["title"],
                content=form.content(),
                sections=form.cleaned_data["sections"],
                corrects=corrects,
            ),
            success=_("The draft is saved. Check it, then choose when to publish it."),
            to=lambda notice: reverse("notices:detail", args=[notice.uid]),
            failure=form_again(form, page),
        )
    return page()


@allow(*PARTIES)
def edit(request: HttpRequest, notice_uid: uuid.UUID) -> HttpResponse:
    user = actor_of(request)
    notice = selectors.access_drafted_notice(viewer=user, uid=notice_uid)
    form = _notice_form(request, notice.type, notice.tender_project, initial=NoticeForm.initial_of(notice))
    form.fields.pop("corrects", None)  # what a correction changes is fixed when it is drafted

    def page() -> HttpResponse:
        context = {
            "form": form,
            "notice": notice,
            "type_label": notice.get_type_display(),
            "tender_project": notice.tender_project,
            "schema": form.schema,
        }
        return render(request, "notices/form.html", context, status=400 if request.method == "POST" else 200)

    if request.method == "POST" and form.is_valid():
        return page_action(
            request,
            lambda: services.notice_edit(
                actor=user,
                notice=notice,
                title=form.cleaned_data["title"],
                content=form.content(),
                sections=form.cleaned_data["sections"],
            ),
            success=_("The draft is saved."),
            to=reverse("notices:detail", args=[notice.uid]),
            failure=form_again(form, page),
        )
    return page()


@allow(*PARTIES, Role.CENTRE_STAFF)
def detail(request: HttpRequest, notice_uid: uuid.UUID) -> HttpResponse:
    """A notice as its drafters and its centre's staff see it, in any state, with their actions."""
    user = actor_of(request)
    notice = selectors.access_notice(viewer=user, uid=notice_uid)
    party = selectors.is_party(user, notice.tender_project)
    context = {
        "notice": notice,
        "items": items_of(notice),
        "published": selectors.is_published(notice),
        "party": party,
        "staff": selectors.is_staff_of_centre(user, notice),
        "schedule_form": ScheduleForm(),
        "medium_form": MediumForm(),
        "remark_form": RemarkForm(),
    }
    return render(request, "notices/detail.html", context)


def _back(notice: Notice) -> str:
    return reverse("notices:detail", args=[notice.uid])


@require_POST
@allow(*PARTIES)
def schedule(request: HttpRequest, notice_uid: uuid.UUID) -> HttpResponse:
    user = actor_of(request)
    notice = selectors.access_drafted_notice(viewer=user, uid=notice_uid)
    form = ScheduleForm(request.POST)
    return page_action(
        request,
        lambda: services.notice_schedule(
            actor=user, notice=notice, publish_at=form.cleaned_data["publish_at"] or clock.now()
        ),
        success=lambda n: (
            _("The notice is published at %(at)s.") % {"at": local_time(n.publish_at or clock.now())}
        ),
        to=_back(notice),
        form=form,
        invalid=_("Give the publication instant as a date and time."),
    )


@require_POST
@allow(*PARTIES)
def withdraw(request: HttpRequest, notice_uid: uuid.UUID) -> HttpResponse:
    user = actor_of(request)
    notice = selectors.access_drafted_notice(viewer=user, uid=notice_uid)
    return page_action(
        request,
        lambda: services.notice_withdraw(actor=user, notice=notice),
        success=_("The notice is withdrawn; it is never published."),
        to=_back(notice),
    )


@require_POST
@allow(*PARTIES)
def medium(request: HttpRequest, notice_uid: uuid.UUID) -> HttpResponse:
    user = actor_of(request)
    notice = selectors.access_drafted_notice(viewer=user, uid=notice_uid)
    form = MediumForm(request.POST)
    return page_action(
        request,
        lambda: services.medium_add(
            actor=user,
            notice=notice,
            name=form.cleaned_data["name"],
            url=form.cleaned_data["url"],
            published_on=form.cleaned_data["published_on"],
        ),
        success=_("The medium is recorded."),
        to=_back(notice),
        form=form,
        invalid=_("Give the medium's name, its web address and the date."),
    )


# --- the centre's staff ---------------------------------------------------------------------------
@allow(Role.CENTRE_STAFF)
def centre(request: HttpRequest) -> HttpResponse:
    user = actor_of(request)
    return render(
        request, "notices/centre.html", {"notices": selectors.centre_notices(viewer=user), "now": clock.now()}
    )


@require_POST
@allow(Role.CENTRE_STAFF)
def remark(request: HttpRequest, notice_uid: uuid.UUID) -> HttpResponse:
    user = actor_of(request)
    notice = selectors.access_notice(viewer=user, uid=notice_uid)
    form = RemarkForm(request.POST)
    return page_action(
        request,
        lambda: services.notice_form_remark(actor=user, notice=notice, remark=form.cleaned_data["remark"]),
        success=_("The remark is recorded for the drafters."),
        to=_back(notice),
        form=form,
        invalid=_("Write the remark on the notice's form."),
    )
