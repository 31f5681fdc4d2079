"""The market-entity library's pages (主体库, standard 11.2.5, 11.2.6).

The bidder (`/workspace/library/`): its own organisation's library — the one it acts for
(`selectors.own_organisation`) — by kind, each entry with its number, validity, verification and flags,
those expiring within 30 days marked, the retired ones folded away; a form per kind built from the kind's
table of fields (`kinds.SPECS`); an entry's page with its fields (personal and account numbers masked),
files, revisions with their SM3, and its actions: edit, look up with the authority, retire; taking the
business licence in from the electronic business licence registry; and the snapshot a bid seals
(`library.json`, naming no section).

Anyone (`/organisations/<uid>/`): what the public sees of an organisation — its name, code, licence
headline and qualifications, never a person, an account or a controller.

A supervisor (`/workspace/library/organisations/`): any organisation's library, read-only, numbers
masked (no page reveals one: revealing is `ops.services.field_reveal`, a recorded act).

Every POST hands one service to `core.pages.page_action`; every entry is fetched through `access_item`
or `access_own_item` (404 for "missing" and "not yours" alike). A refusal is said in Chinese, next to
its field where it has one, and changes nothing. Using the library is never a condition of bidding."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from ggzy.accounts import selectors as accounts_selectors
from ggzy.accounts.models import Organisation
from ggzy.core import clock
from ggzy.core.access import actor_of, allow, public
from ggzy.core.errors import CoreError, DomainError
from ggzy.core.formatting import local_time, person_name, yuan
from ggzy.core.limits import accepts_files
from ggzy.core.pages import page_action
from ggzy.core.roles import Role
from ggzy.core.types import Viewer
from ggzy.entities import selectors, services
from ggzy.entities.errors import EntitiesError
from ggzy.entities.forms import ItemForm, RetireForm, SearchForm
from ggzy.entities.kinds import SPECS, Field, KindSpec
from ggzy.entities.models import Item, ItemKind, Verification
from ggzy.registry import blobs

#: Room for the form around the files (the CSRF token, the fields, the multipart boundaries).
FORM_ROOM = 1024 * 1024
#: How soon an expiry is marked on the list (the first reminder: 30 days).
EXPIRING_DAYS = max(selectors.WARN_DAYS)
#: How many organisations a search shows.
SEARCH_ROWS = 50
#: The most entries one snapshot takes (what a bid's references may hold).
SNAPSHOT_MAX = 500


def upload_body_limit() -> int:
    """The largest body an entry's form takes: its files at their limit and the form around them."""
    return services.MAX_FILES * services.MAX_FILE_BYTES + FORM_ROOM


def refusal(error: DomainError) -> str:
    """A service's refusal in words (`DomainError.text`: its detail filled in)."""
    return error.text()


# --- what the pages show ----------------------------------------------------------------------------


def _masked(value: object) -> str:
    """The masked form of an encrypted number as read from the database; never anything else."""
    return str(getattr(value, "masked", "") or "")


def _differences(item: Item, spec: KindSpec) -> list[str]:
    """What the authority's record says otherwise, by the fields' labels (the holder and the status are
    not fields of the entry)."""
    answer = item.verified_answer if isinstance(item.verified_answer, Mapping) else {}
    names = {f.name: str(f.label) for f in spec.fields}
    names |= {"holder_code": _("the holder"), "status": _("the status (valid, suspended, revoked)")}
    return [names.get(str(d), str(d)) for d in answer.get("differences", []) or []]


def _verification(item: Item) -> str:
    return str(Verification(item.verification).label) if item.verification in Verification.values else ""


def _row(item: Item, today: dt.date, flags: list[selectors.Flag] | None = None) -> dict[str, object]:
    """An entry as the lists show it (`flags`: read for the whole list at once, `selectors.flags_for`)."""
    days = (item.valid_to - today).days if item.valid_to else None
    return {
        "item": item,
        "validity": _validity(item),
        "verification": _verification(item),
        "confirmed": item.verification == Verification.MATCH,
        "flags": selectors.flags_of(item, today=today) if flags is None else flags,
        "expiring_in": days if days is not None and 0 <= days <= EXPIRING_DAYS else None,
        "retired_at": local_time(item.retired_at) if item.retired_at else "",
    }


def _validity(item: Item) -> str:
    start = item.valid_from.isoformat() if item.valid_from else ""
    end = item.valid_to.isoformat() if item.valid_to else ""
    if item.kind == ItemKind.TRACK_RECORD:  # a project's dates, not a validity: started — completed
        completed = str(item.data.get("completed") or "")
        return f"{start} — {completed or _('under way')}"
    if not start and not end:
        return ""
    return f"{start} — {end or _('no end date')}"


def _groups(items: Iterable[Item], today: dt.date, *, every_kind: bool) -> list[dict[str, object]]:
    """The entries by kind, in the kinds' order (`every_kind`: a group for a kind with none, too)."""
    by_kind: dict[str, list[dict[str, object]]] = {kind: [] for kind in SPECS}
    items = list(items)
    flags = selectors.flags_for(items, today=today)
    for item in items:
        by_kind.setdefault(item.kind, []).append(_row(item, today, flags[item.pk]))
    return [
        {"kind": kind, "label": SPECS[kind].kind.label, "rows": rows}
        for kind, rows in by_kind.items()
        if rows or every_kind
    ]


def _qualification_names() -> dict[str, str]:
    return {t.code: t.name for t in selectors.qualification_types()}


def _shown(field: Field, item: Item, names: Mapping[str, str]) -> str:  # noqa: PLR0911
    """A field's value as people read it: a choice by its label, a qualification type by its name, fen as
    yuan, a share in percent, a personal or account number masked."""
    if field.type == "person":
        return _masked(item.secret)
    if field.type == "account":
        return _masked(item.account)
    value = item.data.get(field.name)
    if value is None or value == "":
        return ""
    if field.type == "choice":
        return str(dict(field.choices).get(str(value), value))
    if field.type == "qualtype":
        return names.get(str(value), str(value))
    if field.type == "fen" and isinstance(value, int):
        return _("%(amount)s yuan") % {"amount": yuan(value)}
    if field.type == "bp" and isinstance(value, int):
        return f"{Decimal(value).scaleb(-2)} %"
    return str(value)


def _fields(item: Item) -> list[dict[str, object]]:
    names = _qualification_names() if item.kind == ItemKind.QUALIFICATION else {}
    return [
        {"label": f.label, "value": _shown(f, item, names), "long": f.type == "longtext"}
        for f in SPECS[item.kind].fields
    ]


def _changes() -> dict[str, str]:
    return {
        "added": pgettext("library change", "added"),
        "edited": pgettext("library change", "edited"),
        "verified": pgettext("library change", "looked up with the authority"),
        "retired": pgettext("library change", "retired"),
        "left": pgettext("library change", "left (registered elsewhere)"),
    }


def _history(item: Item) -> list[dict[str, object]]:
    changes = _changes()
    return [
        {
            "number": r.number,
            "change": changes.get(r.change, r.change),
            "at": local_time(r.recorded_at),
            "by": person_name(r.recorded_by) if r.recorded_by else _("the platform"),
            "sm3": r.sm3,
        }
        for r in selectors.history(item)
    ]


def _verified_text(item: Item) -> str:
    texts = {
        Verification.MATCH: _("The authority's record confirms the entry."),
        Verification.MISMATCH: _("The authority's record differs from the entry: check and correct it."),
        Verification.NOT_FOUND: _("The authority has no record under this number."),
        Verification.ELSEWHERE: _(
            "The authority records the holder as registered to another organisation: the entry has left"
            " your library."
        ),
    }
    return texts.get(Verification(item.verification), _("The entry was looked up with the authority."))


def _own(viewer: Viewer) -> Organisation:
    """The organisation whose library the viewer keeps; not found when it acts for none."""
    organisation = selectors.own_organisation(viewer)
    if organisation is None:
        raise DomainError(EntitiesError.NOT_FOUND)
    return organisation


def _back(item: Item) -> str:
    return reverse("entities:item", args=[item.uid])


def _field_of(error: DomainError, form: ItemForm) -> str | None:
    """The form's field a refusal is about: the one it names, the later date of a validity that ends
    before it starts, the number that is taken, the files; None for the form as a whole."""
    detail = error.detail if isinstance(error.detail, Mapping) else {}
    name = str(detail.get("field") or "")
    if error.code == EntitiesError.DATES_ORDER:
        later = str(detail.get("later") or "")
        name = next((f.name for f in form.spec.fields if str(f.label) == later), "")
    elif error.code in (EntitiesError.NUMBER_TAKEN, EntitiesError.NUMBER_DUPLICATE):
        name = form.spec.number
    elif error.code == EntitiesError.FILE_COUNT:
        name = "files"
    return name if name in form.fields else None


def _form_refusal(
    form: ItemForm, page: Callable[[], HttpResponse]
) -> tuple[Callable[[DomainError], str], Callable[[str], HttpResponse]]:
    """`explain` and `failure` for `page_action` that put a refusal next to the field it is about and
    render the form again (400)."""
    refused: list[DomainError] = []

    def explain(error: DomainError) -> str:
        refused.append(error)
        return refusal(error)

    def failure(text: str) -> HttpResponse:
        form.add_error(_field_of(refused[-1], form) if refused else None, text)
        return page()

    return explain, failure


# --- the bidder's library ---------------------------------------------------------------------------


@allow(Role.RESPONDER)
def library(request: HttpRequest) -> HttpResponse:
    """One's own library by kind; the retired entries folded away."""
    user = actor_of(request)
    organisation = selectors.own_organisation(user)
    context: dict[str, object] = {"organisation": organisation, "own": True}
    if organisation is not None:
        today = clock.local_now().date()
        items = list(
            selectors.library(organisation=organisation, retired=True).order_by("kind", "title", "pk")
        )
        context |= {
            "groups": _groups((i for i in items if i.retired_at is None), today, every_kind=True),
            "retired": [_row(i, today) for i in items if i.retired_at is not None],
            "has_entries": any(i.retired_at is None for i in items),
        }
    return render(request, "entities/library.html", context)


def _add_page(request: HttpRequest, spec: KindSpec, form: ItemForm) -> HttpResponse:
    context = {"spec": spec, "kind_label": spec.kind.label, "form": form}
    status = 400 if request.method == "POST" else 200
    return render(request, "entities/item_add.html", context, status=status)


@accepts_files(upload_body_limit)
@allow(Role.RESPONDER)
def item_add(request: HttpRequest, kind: str) -> HttpResponse:
    """A new entry of one kind, from its table of fields."""
    user = actor_of(request)
    if kind not in SPECS:
        raise DomainError(CoreError.NOT_FOUND)
    organisation = _own(user)
    spec = SPECS[kind]
    form = ItemForm(request.POST or None, request.FILES or None, spec=spec)

    def page() -> HttpResponse:
        return _add_page(request, spec, form)

    if request.method == "POST" and form.is_valid():
        explain, failure = _form_refusal(form, page)
        return page_action(
            request,
            lambda: services.item_add(
                actor=user, organisation=organisation, kind=kind, fields=form.values(), files=form.uploads()
            ),
            success=_("The entry is in your library."),
            to=_back,
            failure=failure,
            explain=explain,
        )
    return page()


def _detail_page(
    request: HttpRequest,
    item: Item,
    *,
    edit_form: ItemForm | None = None,
    retire_form: RetireForm | None = None,
) -> HttpResponse:
    """An entry with its fields, files, history and — for its own organisation, while active — its
    actions. Read-only for everyone else (a supervisor)."""
    own = selectors.own_organisation(request.user)
    editable = own is not None and own.pk == item.organisation_id and item.retired_at is None
    spec = SPECS[item.kind]
    today = clock.local_now().date()
    context: dict[str, object] = {
        "item": item,
        "row": _row(item, today),
        "kind_label": spec.kind.label,
        "fields": _fields(item),
        "files": item.files,
        "history": _history(item),
        "editable": editable,
        "verifiable": bool(spec.verifiable and item.number),
        "verified_at": local_time(item.verified_at) if item.verified_at else "",
        "verified_by": person_name(item.verified_by) if item.verified_by else "",
        "differences": _differences(item, spec),
        "own": own is not None and own.pk == item.organisation_id,
    }
    if editable:
        context |= {
            "edit_form": edit_form or ItemForm(spec=spec, item=item),
            "retire_form": retire_form or RetireForm(),
        }
    status = 400 if request.method == "POST" else 200
    return render(request, "entities/item.html", context, status=status)


@allow(Role.RESPONDER, Role.SUPERVISOR)
def item_detail(request: HttpRequest, item_uid: uuid.UUID) -> HttpResponse:
    item = selectors.access_item(viewer=request.user, uid=item_uid)
    return _detail_page(request, item)


@require_POST
@accepts_files(upload_body_limit)
@allow(Role.RESPONDER)
def item_edit(request: HttpRequest, item_uid: uuid.UUID) -> HttpResponse:
    """A changed entry: a new revision (an empty personal or account number keeps the stored one)."""
    user = actor_of(request)
    item = selectors.access_own_item(viewer=user, uid=item_uid)
    form = ItemForm(request.POST, request.FILES, spec=SPECS[item.kind], item=item)

    def page() -> HttpResponse:
        return _detail_page(request, item, edit_form=form)

    if not form.is_valid():
        return page()
    explain, failure = _form_refusal(form, page)
    return page_action(
        request,
        lambda: services.item_edit(
            actor=user, item=item, fields=form.values(), files=form.uploads(), keep_files=form.kept()
        ),
        success=lambda changed: (
            _("The entry is saved as revision %(revision)s.") % {"revision": changed.revision}
        ),
        to=_back(item),
        failure=failure,
        explain=explain,
    )


@require_POST
@allow(Role.RESPONDER)
def item_verify(request: HttpRequest, item_uid: uuid.UUID) -> HttpResponse:
    """Look the entry up with the authority's registry (its signed answer is kept with the entry)."""
    user = actor_of(request)
    item = selectors.access_own_item(viewer=user, uid=item_uid)
    return page_action(
        request,
        lambda: services.item_verify(actor=user, item=item),
        success=_verified_text,
        to=_back(item),
        explain=refusal,
    )


@require_POST
@allow(Role.RESPONDER)
def item_retire(request: HttpRequest, item_uid: uuid.UUID) -> HttpResponse:
    """Take the entry out of the library; its revisions stay (a bid may have presented them)."""
    user = actor_of(request)
    item = selectors.access_own_item(viewer=user, uid=item_uid)
    form = RetireForm(request.POST)
    return page_action(
        request,
        lambda: services.item_retire(actor=user, item=item, reason=form.cleaned_data["reason"]),
        success=_("The entry is retired. Its revisions stay, for the bids that presented them."),
        to=_back(item),
        form=form,
        invalid=_("Say why the entry is retired."),
        explain=refusal,
    )


@require_POST
@allow(Role.RESPONDER)
def licence_intake(request: HttpRequest) -> HttpResponse:
    """Take the business licence in from the electronic business licence registry, confirmed."""
    user = actor_of(request)
    organisation = _own(user)
    return page_action(
        request,
        lambda: services.licence_intake(actor=user, organisation=organisation),
        success=_("Your business licence is taken in from the electronic business licence registry."),
        to=_back,
        failure=reverse("entities:library"),
        explain=refusal,
    )


@allow(Role.RESPONDER, Role.SUPERVISOR)
def item_file(request: HttpRequest, item_uid: uuid.UUID, sm3: str) -> HttpResponse:
    """A file of an entry, checked against its SM3 as it is read: for whoever may see the entry (404 for
    everyone else, as for a missing one)."""
    item = selectors.access_item(viewer=request.user, uid=item_uid)
    entry, blob = selectors.item_file(item=item, sm3=sm3)
    response = HttpResponse(blobs.read(blob), content_type=blob.media_type)
    response["Content-Disposition"] = (
        content_disposition_header(as_attachment=True, filename=str(entry.get("name") or sm3)) or "attachment"
    )
    return response


def _download(document: dict[str, object]) -> HttpResponse:
    response = HttpResponse(
        json.dumps(document, ensure_ascii=False, indent=1), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = (
        content_disposition_header(as_attachment=True, filename=services.BID_DOCUMENT) or "attachment"
    )
    return response


@allow(Role.RESPONDER)
def snapshot(request: HttpRequest) -> HttpResponse:
    """Choose entries and download their snapshot, `library.json`, to seal into a bid. It names no
    section: taking it tells the platform nothing about where one bids."""
    user = actor_of(request)
    if request.method == "POST":
        chosen = request.POST.getlist("items")[:SNAPSHOT_MAX]
        return page_action(
            request,
            lambda: selectors.snapshot(viewer=user, items=chosen),
            success=_download,
            to=reverse("entities:snapshot"),
            explain=refusal,
        )
    organisation = selectors.own_organisation(user)
    context: dict[str, object] = {"organisation": organisation}
    if organisation is not None:
        today = clock.local_now().date()
        context["groups"] = _groups(
            selectors.library(organisation=organisation).order_by("kind", "title", "pk"),
            today,
            every_kind=False,
        )
    return render(request, "entities/snapshot.html", context)


# --- what the public sees ---------------------------------------------------------------------------


@public
def organisation_public(request: HttpRequest, organisation_uid: uuid.UUID) -> HttpResponse:
    """An organisation's name, code, licence headline and qualifications: nothing personal (no person,
    staff, account or controller is on this page)."""
    profile = selectors.public_profile(uid=organisation_uid)
    names = _qualification_names()
    today = clock.local_now().date()
    licence = profile.licence.data if profile.licence is not None else {}
    context = {
        "organisation": profile.organisation,
        "licence": {
            "entity_type": str(licence.get("entity_type") or ""),
            "established": str(licence.get("established") or ""),
            "registrar": str(licence.get("registrar") or ""),
            "confirmed": profile.licence is not None and profile.licence.verification == Verification.MATCH,
        }
        if profile.licence is not None
        else None,
        "qualifications": [
            {
                "type": names.get(str(q.data.get("type")), str(q.data.get("type") or "")),
                "level": str(q.data.get("level") or ""),
                "certificate": q.number,
                "valid_to": q.valid_to.isoformat() if q.valid_to else "",
                "expired": q.valid_to is not None and q.valid_to < today,
                "confirmed": q.verification == Verification.MATCH,
            }
            for q in profile.qualifications
        ],
    }
    return render(request, "entities/organisation.html", context)


# --- the supervisor --------------------------------------------------------------------------------


@allow(Role.SUPERVISOR)
def organisations(request: HttpRequest) -> HttpResponse:
    """Organisations by name or registration code, to open one's library."""
    form = SearchForm(request.GET or None)
    query = form.cleaned_data.get("q", "") if form.is_valid() else ""
    found = list(selectors.organisations_search(viewer=request.user, query=query)[:SEARCH_ROWS])
    return render(request, "entities/organisations.html", {"form": form, "found": found, "query": query})


@allow(Role.SUPERVISOR)
def organisation_library(request: HttpRequest, organisation_uid: uuid.UUID) -> HttpResponse:
    """An organisation's library, read-only, numbers masked."""
    organisation = accounts_selectors.access_organisation(viewer=request.user, uid=organisation_uid)
    today = clock.local_now().date()
    items = list(selectors.library(organisation=organisation, retired=True).order_by("kind", "title", "pk"))
    context = {
        "organisation": organisation,
        "own": False,
        "groups": _groups((i for i in items if i.retired_at is None), today, every_kind=False),
        "retired": [_row(i, today) for i in items if i.retired_at is not None],
        "has_entries": bool(items),
    }
    return render(request, "entities/library.html", context)
