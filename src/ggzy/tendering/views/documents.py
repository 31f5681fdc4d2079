"""The tender documents' pages (standard 6.5.1, 11.2.6, 11.2.7).

The initiator and its agent (`/workspace/tendering/documents/`): their tender projects' documents and the
drafting form (one criteria record per section, pasted or uploaded as JSON, prefilled with a valid example
for the section); a set of documents in any state, with its actions — edit, add and take off files, issue
(a draft), clarify or amend (issued) — its versions with their SM3 and diffs, the questions asked (their
text and time: never who asked) and the clarifications with the deadlines they moved. Never who holds the
documents, nor how many (docs/secrecy.md `document_holders`): not even to them.

A verified bidder (`/tendering/documents/`): the issued documents it may obtain, and once its organisation
holds them, their criteria record's public view (the 标底 only as its commitment), its SM3, the files,
the clarifications, a question form and its own questions.

Every POST hands one service to `core.pages.page_action`; every set of documents is fetched through an
`access_*` selector (404 for "missing" and "not yours" alike). A refusal is said in Chinese next to its
field where it has one, and changes nothing."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from ggzy.core import clock
from ggzy.core.access import actor_of, allow
from ggzy.core.errors import DomainError, ErrorCodeBase
from ggzy.core.formatting import local_time, yuan
from ggzy.core.limits import accepts_files
from ggzy.core.pages import page_action
from ggzy.core.roles import Role
from ggzy.core.types import Actor
from ggzy.entities import selectors as library_selectors
from ggzy.notices import selectors as notices_selectors
from ggzy.registry import blobs
from ggzy.registry.models import TenderProject
from ggzy.sealing import selectors as sealing_selectors
from ggzy.tendering import files, parties, selectors, services
from ggzy.tendering.errors import TenderingError
from ggzy.tendering.forms import (
    ClarificationForm,
    CriteriaFields,
    DocumentsForm,
    EditForm,
    FileForm,
    QuestionForm,
    pointer_as_code,
)
from ggzy.tendering.models import (
    Clarification,
    DocumentsState,
    Question,
    QuestionState,
    TenderDocuments,
)
from ggzy_sm import criteria as criteria_format

PARTIES = (Role.INITIATOR, Role.AGENT)
#: Room for the form around a file (the CSRF token, the multipart boundaries).
FORM_ROOM = 1024 * 1024


def upload_body_limit() -> int:
    """The largest body the file upload takes: one file at its limit and the form around it."""
    return files.FILE_MAX_BYTES + FORM_ROOM


def refusal(error: DomainError) -> str:
    """A service's refusal in words (`DomainError.text`: its detail filled in)."""
    return error.text()


#: The refusals that belong to one field of a form (the rest are said above the form).
FIELD_OF_CODE: dict[ErrorCodeBase, str] = {
    TenderingError.TITLE_MISSING: "title",
    TenderingError.TEXT_INVALID: "text",
}


def _field_of(error: DomainError, form: CriteriaFields) -> str | None:
    """The form's field a refusal points at: a section's record (by its code or the place in the records),
    the title, the text; None for the form as a whole."""
    detail = error.detail if isinstance(error.detail, Mapping) else {}
    code = str(detail.get("section") or "")
    path = str(detail.get("path") or "")
    if not code and path.startswith("/"):
        code = path.split("/")[1]
    for name in (f"criteria_{code}" if code else "", FIELD_OF_CODE.get(error.code, "")):
        if name and name in form.fields:
            return name
    return None


def _form_refusal(
    form: CriteriaFields, page: Callable[[], HttpResponse]
) -> tuple[Callable[[DomainError], str], Callable[[str], HttpResponse]]:
    """`explain` and `failure` for `page_action` that put a refusal next to the field it is about and
    render the form again (400)."""
    refused: list[DomainError] = []

    def explain(error: DomainError) -> str:
        refused.append(error)
        return refusal(error)

    def failure(text: str) -> HttpResponse:
        form.add_error(_field_of(refused[-1], form) if refused else None, pointer_as_code(text))
        return page()

    return explain, failure


# --- what the pages show ----------------------------------------------------------------------------


def _instant(value: object) -> str:
    if isinstance(value, dt.datetime):
        return local_time(value)
    if isinstance(value, str):
        try:
            return local_time(dt.datetime.fromisoformat(value))
        except ValueError:
            return value
    return ""


def _fee(documents: TenderDocuments) -> str:
    if documents.fee_fen > 0:
        return _("%(amount)s yuan, paid to the initiator (not to the centre)") % {
            "amount": yuan(documents.fee_fen)
        }
    return _("Free")


def _sections(documents: TenderDocuments, now: dt.datetime) -> list[dict[str, object]]:
    """Each section with its bid deadline and opening time (none set yet: a dash)."""
    rows = []
    for section in selectors.sections_of(documents):
        window = sealing_selectors.window_of(section)
        rows.append(
            {
                "section": section,
                "deadline": local_time(window.deadline) if window else "",
                "opening_at": local_time(window.opening_at) if window else "",
                "open": window is None or now < window.deadline,
            }
        )
    return rows


def _is_open(sections: list[dict[str, object]]) -> bool:
    return any(row["open"] for row in sections)


def _moved(clarification: Clarification, names: Mapping[str, str]) -> list[dict[str, str]]:
    """The deadlines a clarification moved: section, from, to, the new opening time."""
    moved = clarification.moved if isinstance(clarification.moved, Mapping) else {}
    return [
        {
            "section": f"{code} {names.get(code, '')}".strip(),
            "from": _instant(move.get("from")),
            "to": _instant(move.get("to")),
            "opening_at": _instant(move.get("opening_at")),
        }
        for code, move in sorted(moved.items())
        if isinstance(move, Mapping)
    ]


def _clarifications(documents: TenderDocuments) -> list[dict[str, object]]:
    """The clarifications, oldest first: text, time, version, the questions they answer, what they moved
    — naming no asker."""
    names = {s.code: s.name for s in selectors.sections_of(documents)}
    rows: list[dict[str, object]] = []
    for clarification in documents.clarifications.select_related("version").order_by("issued_at", "pk"):
        rows.append(
            {
                "text": clarification.text,
                "issued_at": local_time(clarification.issued_at),
                "version": clarification.version.number if clarification.version else None,
                "affects_bids": clarification.affects_bids,
                "answers": [q.text for q in clarification.answers.order_by("asked_at", "pk")],
                "moved": _moved(clarification, names),
            }
        )
    return rows


def _json(value: object) -> str:
    text = json.dumps(value, ensure_ascii=False, separators=(", ", ": "), sort_keys=True)
    return text if len(text) <= 400 else text[:399] + "…"  # noqa: PLR2004


def field_labels() -> dict[str, str]:
    """The criteria record's fields as people name them (docs/criteria-format.md §1)."""
    return {
        "profile": _("Format"),
        "section": _("Section"),
        "method": _("Trading method"),
        "price_kind": _("Price kind"),
        "qualification": _("Qualification"),
        "scoring": _("Scoring"),
        "price_formula": _("Price formula"),
        "opening_sheet": _("Opening sheet"),
        "bid_validity_days": _("Bid validity (days)"),
        "decryption_window_minutes": _("Decryption window (minutes)"),
        "release_remedy": _("When a bidder cannot release its bid"),
        "bid_security": _("Bid security"),
        "consortium_allowed": _("Consortium bids"),
        "library_items": _("Library items a bid must reference"),
        "sme_deduction_pct": _("Price deduction for small and micro enterprises"),
        "reserve_price": _("标底 (reference price)"),
    }


def _changes(diff: object) -> list[dict[str, str]]:
    """A version's diff as rows people read: section, field, place within it, what changed, old → new."""
    labels = field_labels()
    ops = {
        "add": pgettext("criteria change", "added"),
        "remove": pgettext("criteria change", "removed"),
        "replace": pgettext("criteria change", "changed"),
        "reorder": pgettext("criteria change", "reordered"),
    }
    rows = []
    for entry in diff if isinstance(diff, list) else []:
        if not isinstance(entry, Mapping):
            continue
        parts = str(entry.get("path", "")).split("/")[1:]
        section, field, *rest_parts = [*parts, "", ""][:2] + parts[2:]
        rest = "/".join(rest_parts)
        rows.append(
            {
                "section": section,
                "field": labels.get(field, field),
                "place": f"/{rest}" if rest else "",
                "op": str(ops.get(str(entry.get("op")), entry.get("op", ""))),
                "old": _json(entry["old"]) if "old" in entry else "",
                "new": _json(entry["new"]) if "new" in entry else "",
            }
        )
    return rows


def _versions(documents: TenderDocuments) -> list[dict[str, object]]:
    return [
        {
            "number": v.number,
            "created_at": local_time(v.created_at),
            "criteria_sm3": v.criteria_sm3,
            "files": [{"name": f[0], "sm3": f[1], "size": f[2]} for f in v.files if len(f) == 3],  # noqa: PLR2004
            "changes": _changes(v.diff),
        }
        for v in selectors.versions_of(documents)
    ]


def _points(permille: object) -> str:
    """A weight in per mille as points (‰ / 10): 500 → "50", 25 → "2.5"."""
    if not isinstance(permille, int):
        return ""
    whole, tenth = divmod(permille, 10)
    return f"{whole}" if tenth == 0 else f"{whole}.{tenth}"


def _formula(formula: Mapping[str, Any]) -> dict[str, object]:
    names = {
        "benchmark_mean": _(
            "Benchmark price: the mean of the valid prices without the highest and the lowest, × (1 − K), K"
            " drawn at the opening; points off per 1 % away from it"
        ),
        "fixed_lowest": _("Benchmark price: the lowest valid price; points off per 1 % above it"),
        "lowest_price": _("Points: the lowest valid price ÷ the price × the price item's points"),
        "lowest_evaluated": _("No points: the lowest evaluated price among the bids that pass wins"),
    }
    labels = {
        "k_choices": _("K is drawn at the opening from"),
        "trim_min_bids": _("The highest and the lowest price are left out from this many valid bids on"),
        "points_per_percent_above": _("Points off per 1 % above the benchmark"),
        "points_per_percent_below": _("Points off per 1 % below the benchmark"),
    }
    parameters = formula.get("parameters") if isinstance(formula.get("parameters"), Mapping) else {}
    return {
        "name": names.get(str(formula.get("name")), str(formula.get("name", ""))),
        "parameters": [
            {
                "label": labels.get(key, key),
                "value": "、".join(map(str, value)) if isinstance(value, list) else str(value),
            }
            for key, value in sorted(
                (parameters or {}).items(), key=lambda kv: _declared_order(formula, kv[0])
            )
        ],
    }


def _declared_order(formula: Mapping[str, Any], name: str) -> tuple[int, str]:
    """Parameters in the order the formula declares them (docs/criteria-format.md §4)."""
    declared = criteria_format.FORMULAS.get(str(formula.get("name")))
    order = list(declared.parameters) if declared else []
    return (order.index(name) if name in order else len(order), name)


def _sheet(sheet: Mapping[str, Any]) -> list[dict[str, str]]:
    """The opening-sheet fields a bid must state."""
    rows: list[dict[str, str]] = []
    price = sheet.get("price") if isinstance(sheet.get("price"), Mapping) else {}
    kind = str((price or {}).get("kind", ""))
    if kind == "amount":
        ceiling = (price or {}).get("ceiling_fen")
        rule = (
            _("at most %(ceiling)s yuan (the ceiling price)") % {"ceiling": yuan(ceiling)}
            if isinstance(ceiling, int)
            else ""
        )
        rows.append(
            {
                "field": _("Total price (yuan)"),
                "rule": rule,
                "required": pgettext("opening sheet", "Required"),
            }
        )
    elif kind in {"rate", "discount"}:
        label = _("Rate (%)") if kind == "rate" else _("Discount (%)")
        rule = _("from %(low)s %% to %(high)s %%") % {
            "low": (price or {}).get("min_percent", ""),
            "high": (price or {}).get("max_percent", ""),
        }
        rows.append({"field": label, "rule": rule, "required": pgettext("opening sheet", "Required")})
    named = {
        "duration_days": _("Duration (days)"),
        "quality": _("Quality"),
        "project_manager": _("Project manager"),
    }
    for key, label in named.items():
        value = sheet.get(key)
        if isinstance(value, Mapping):
            most = value.get("max_days")
            rows.append(
                {
                    "field": label,
                    "rule": _("at most %(days)s days") % {"days": most} if isinstance(most, int) else "",
                    "required": pgettext("opening sheet", "Required")
                    if value.get("required")
                    else pgettext("opening sheet", "Optional"),
                }
            )
    for item in sheet.get("custom") or []:
        if isinstance(item, Mapping):
            rows.append(
                {
                    "field": str(item.get("item", "")),
                    "rule": "",
                    "required": pgettext("opening sheet", "Required")
                    if item.get("required")
                    else pgettext("opening sheet", "Optional"),
                }
            )
    return rows


def _security(security: object) -> str:
    if not isinstance(security, Mapping) or security.get("kind") != "amount":
        return _("None")
    forms = {
        "cash": _("cash or cheque, from the basic account"),
        "transfer": _("bank transfer from the bidder's own account"),
        "guarantee": _("bank guarantee"),
        "insurance": _("guarantee insurance"),
    }
    amount = security.get("amount_fen")
    return _("%(amount)s yuan, by %(forms)s") % {
        "amount": yuan(amount) if isinstance(amount, int) else "",
        "forms": "、".join(str(forms.get(f, f)) for f in security.get("forms") or []),
    }


def readable(record: Mapping[str, Any]) -> dict[str, object]:
    """A criteria record's **public view** as a bidder reads it: the qualification items and their
    evidence, the scoring tree in points, the price formula and its parameters, the opening sheet, the bid
    validity, the decryption window and its remedy, the security, consortia, library items, the SME
    deduction and — where there is one — the 标底's commitment only (sealed until the opening)."""
    view = criteria_format.public_view(dict(record))
    kinds = {"price": _("Price"), "objective": _("Objective"), "subjective": _("Subjective")}
    scoring = []
    for group in view.get("scoring") or []:
        items = [
            {
                "id": item["id"],
                "name": item["name"],
                "kind": kinds.get(item["kind"], item["kind"]),
                "points": _points(item["weight_permille"]),
                "standard": item.get("standard", ""),
            }
            for item in group["items"]
        ]
        total = sum(item["weight_permille"] for item in group["items"])
        scoring.append({"id": group["id"], "name": group["name"], "points": _points(total), "items": items})
    kinds_of_price = {
        "amount": pgettext("price kind", "Total price"),
        "rate": pgettext("price kind", "Rate"),
        "discount": pgettext("price kind", "Discount"),
    }
    remedies = {
        "custodians": _("It is opened through the key custodians"),
        "none": _("It is not opened"),
    }
    reserve = view.get("reserve_price")
    return {
        "section": view["section"],
        "price_kind": kinds_of_price.get(view["price_kind"], view["price_kind"]),
        "qualification": view["qualification"],
        "scoring": scoring,
        "formula": _formula(view["price_formula"]),
        "sheet": _sheet(view["opening_sheet"]),
        "bid_validity_days": view["bid_validity_days"],
        "decryption_window_minutes": view["decryption_window_minutes"],
        "release_remedy": remedies.get(view["release_remedy"], view["release_remedy"]),
        "security": _security(view["bid_security"]),
        "consortium_allowed": view["consortium_allowed"],
        "library_items": view["library_items"],
        "sme_deduction_pct": view.get("sme_deduction_pct", ""),
        "reserve_commitment": reserve.get("commitment", "") if isinstance(reserve, Mapping) else "",
    }


def _current_sm3(documents: TenderDocuments) -> str:
    version = selectors.versions_of(documents).filter(number=documents.version).first()
    return version.criteria_sm3 if version else ""


# --- the initiator and the agent ----------------------------------------------------------------------


def _list_page(
    request: HttpRequest,
    user: Actor,
    tender_projects: list[TenderProject],
    tender_project: TenderProject | None,
    form: DocumentsForm | None,
) -> HttpResponse:
    context = {
        "documents": selectors.drafted_for(viewer=user).select_related("tender_project"),
        "tender_projects": tender_projects,
        "tender_project": tender_project,
        "form": form,
        "criteria_fields": _criteria_fields(form) if form else [],
    }
    return render(
        request, "tendering/documents.html", context, status=400 if request.method == "POST" else 200
    )


def _criteria_fields(form: CriteriaFields) -> list[tuple[object, object]]:
    return [(form[text], form[upload]) for text, upload in form.criteria_field_names()]


@allow(*PARTIES)
def documents(request: HttpRequest) -> HttpResponse:
    """The documents of the tender projects one acts for, and the drafting form for one of them
    (`?tender_project=<code>`, the first by default; another's is not found)."""
    user = actor_of(request)
    tender_projects = list(notices_selectors.party_tender_projects(viewer=user))
    source = request.POST if request.method == "POST" else request.GET
    code = source.get("tender_project") or (tender_projects[0].code if tender_projects else "")
    if not code:
        return _list_page(request, user, tender_projects, None, None)
    tender_project = notices_selectors.access_tender_project(viewer=user, code=code)
    sections = list(tender_project.sections.order_by("code"))
    form = DocumentsForm(request.POST or None, request.FILES or None, sections=sections)

    def page() -> HttpResponse:
        return _list_page(request, user, tender_projects, tender_project, form)

    if request.method == "POST" and form.is_valid():
        explain, failure = _form_refusal(form, page)
        return page_action(
            request,
            lambda: services.documents_draft(
                actor=user,
                tender_project=tender_project,
                title=form.cleaned_data["title"],
                criteria=form.records,
                sections=[s.code for s in form.chosen_sections()],
                fee_fen=form.fee_fen(),
            ),
            success=_("The draft is saved. Add its files, check it, then issue it."),
            to=lambda d: reverse("tendering:documents-detail", args=[d.uid]),
            failure=failure,
            explain=explain,
        )
    return page()


def _detail_page(
    request: HttpRequest, documents: TenderDocuments, clarification_form: ClarificationForm | None = None
) -> HttpResponse:
    now = clock.now()
    sections = _sections(documents, now)
    issued = documents.state == DocumentsState.ISSUED
    questions = list(selectors.questions_of(documents))
    if clarification_form is None and issued:
        clarification_form = _clarification_form(documents, None, questions)
    context = {
        "documents": documents,
        "sections": sections,
        "open": _is_open(sections),
        "fee": _fee(documents),
        "files": documents.files.select_related("blob").order_by("file_name"),
        "file_form": FileForm(),
        "file_max_bytes": files.FILE_MAX_BYTES,
        "files_max": files.FILES_MAX,
        "accept": blobs.accept_attribute(files.FILE_TYPES),
        "versions": _versions(documents),
        # the questions: their text, time and whether answered — never who asked
        "questions": [
            {
                "text": q.text,
                "asked_at": local_time(q.asked_at),
                "answered": q.state == QuestionState.ANSWERED,
            }
            for q in questions
        ],
        "clarifications": _clarifications(documents),
        "clarification_form": clarification_form,
        "criteria_fields": _criteria_fields(clarification_form) if clarification_form else [],
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "tendering/documents_detail.html", context, status=status)


def _clarification_form(
    documents: TenderDocuments, request: HttpRequest | None, questions: list[Question]
) -> ClarificationForm:
    asked = [(str(q.uid), q.text[:80]) for q in questions if q.state == QuestionState.ASKED]
    return ClarificationForm(
        request.POST if request else None,
        request.FILES if request else None,
        sections=selectors.sections_of(documents),
        records=documents.criteria,
        questions=asked,
    )


@allow(*PARTIES)
def documents_detail(request: HttpRequest, documents_uid: uuid.UUID) -> HttpResponse:
    user = actor_of(request)
    documents = selectors.access_drafted_documents(viewer=user, uid=documents_uid)
    return _detail_page(request, documents)


def _back(documents: TenderDocuments) -> str:
    return reverse("tendering:documents-detail", args=[documents.uid])


@allow(*PARTIES)
def documents_edit(request: HttpRequest, documents_uid: uuid.UUID) -> HttpResponse:
    """A draft's title and criteria records (issued documents change by clarification only)."""
    user = actor_of(request)
    documents = selectors.access_drafted_documents(viewer=user, uid=documents_uid)
    if documents.state != DocumentsState.DRAFT:
        return redirect(_back(documents))
    form = EditForm(
        request.POST or None,
        request.FILES or None,
        initial={"title": documents.title},
        sections=selectors.sections_of(documents),
        records=documents.criteria,
    )

    def page() -> HttpResponse:
        context = {"documents": documents, "form": form, "criteria_fields": _criteria_fields(form)}
        status = 400 if request.method == "POST" else 200
        return render(request, "tendering/documents_edit.html", context, status=status)

    if request.method == "POST" and form.is_valid():
        explain, failure = _form_refusal(form, page)
        return page_action(
            request,
            lambda: services.documents_edit(
                actor=user, documents=documents, title=form.cleaned_data["title"], criteria=form.records
            ),
            success=_("The draft is saved."),
            to=_back(documents),
            failure=failure,
            explain=explain,
        )
    return page()


@require_POST
@allow(*PARTIES)
def documents_issue(request: HttpRequest, documents_uid: uuid.UUID) -> HttpResponse:
    user = actor_of(request)
    documents = selectors.access_drafted_documents(viewer=user, uid=documents_uid)
    return page_action(
        request,
        lambda: services.documents_issue(actor=user, documents=documents),
        success=lambda d: _("The documents are issued as version %(version)s.") % {"version": d.version},
        to=_back(documents),
        explain=refusal,
    )


@require_POST
@accepts_files(upload_body_limit)
@allow(*PARTIES)
def documents_file_add(request: HttpRequest, documents_uid: uuid.UUID) -> HttpResponse:
    user = actor_of(request)
    documents = selectors.access_drafted_documents(viewer=user, uid=documents_uid)
    form = FileForm(request.POST, request.FILES)
    return page_action(
        request,
        lambda: files.documents_file_add(
            actor=user,
            documents=documents,
            name=form.cleaned_data["file"].name,
            source=form.cleaned_data["file"],
        ),
        success=lambda f: _("“%(name)s” is added to the draft.") % {"name": f.file_name},
        to=_back(documents),
        form=form,
        invalid=_("Choose the file to add."),
        explain=refusal,
    )


@require_POST
@allow(*PARTIES)
def documents_file_remove(
    request: HttpRequest, documents_uid: uuid.UUID, file_uid: uuid.UUID
) -> HttpResponse:
    user = actor_of(request)
    documents = selectors.access_drafted_documents(viewer=user, uid=documents_uid)
    return page_action(
        request,
        lambda: files.documents_file_remove(actor=user, documents=documents, file_uid=file_uid),
        success=_("The file is taken off the draft."),
        to=_back(documents),
        explain=refusal,
    )


@require_POST
@allow(*PARTIES)
def documents_clarify(request: HttpRequest, documents_uid: uuid.UUID) -> HttpResponse:
    """A clarification or amendment to every holder, naming no asker; an edited record is a new version."""
    user = actor_of(request)
    documents = selectors.access_drafted_documents(viewer=user, uid=documents_uid)
    questions = list(selectors.questions_of(documents))
    form = _clarification_form(documents, request, questions)

    def page() -> HttpResponse:
        return _detail_page(request, documents, form)

    if not form.is_valid():
        return page()
    chosen = set(form.cleaned_data.get("answers") or [])
    answers = [q for q in questions if str(q.uid) in chosen]
    explain, failure = _form_refusal(form, page)
    return page_action(
        request,
        lambda: services.clarification_issue(
            actor=user,
            documents=documents,
            text=form.cleaned_data["text"],
            criteria=form.amended(),
            answers=answers,
            affects_bids=bool(form.cleaned_data.get("affects_bids")),
        ),
        success=_clarified,
        to=_back(documents),
        failure=failure,
        explain=explain,
    )


def _clarified(clarification: Clarification) -> str:
    said = _("The clarification is sent to every holder of the documents, naming no one who asked.")
    if clarification.version is not None:
        said += " " + _("The criteria record is now version %(version)s.") % {
            "version": clarification.version.number
        }
    if clarification.moved:
        said += " " + _("The bid deadline moved: see below.")
    return said


# --- the bidder ------------------------------------------------------------------------------------------


def _invited(documents: TenderDocuments, organisations: list[int]) -> bool:
    """Whether one of the organisations may obtain them (an invitation tender's: only the invited)."""
    for organisation in organisations:
        try:
            parties.invited_check(documents, organisation)
        except DomainError:
            continue
        return True
    return False


@allow(Role.RESPONDER)
def obtainable(request: HttpRequest) -> HttpResponse:
    """The issued documents one's bidder organisation may obtain (before the bid deadline) or holds."""
    user = actor_of(request)
    organisations = selectors.bidder_organisations(user)
    now = clock.now()
    held = selectors.held_ids(viewer=user)
    rows = []
    for documents in selectors.obtainable_for(viewer=user):
        sections = _sections(documents, now)
        holds = documents.pk in held
        if not holds and not (_is_open(sections) and _invited(documents, organisations)):
            continue
        rows.append({"documents": documents, "sections": sections, "fee": _fee(documents), "held": holds})
    return render(request, "tendering/obtainable.html", {"rows": rows, "bidder": bool(organisations)})


def _expiring_entries(user: Actor, documents: TenderDocuments) -> list[object]:
    """The bidder's own library entries that expire before the last deadline of these documents'
    sections — shown in time, so the bid does not present an expired one (the library is the bidder's
    convenience: nothing here is a condition)."""
    organisation = library_selectors.own_organisation(user)
    windows = [sealing_selectors.window_of(s) for s in selectors.sections_of(documents)]
    deadlines = [w.deadline for w in windows if w is not None]
    if organisation is None or not deadlines:
        return []
    last = max(deadlines).astimezone(clock.local_now().tzinfo).date()
    return list(library_selectors.expiring(organisation=organisation, before=last))


def _bidder_page(
    request: HttpRequest, documents: TenderDocuments, question_form: QuestionForm | None = None
) -> HttpResponse:
    user = actor_of(request)
    holding = selectors.holding_of(viewer=user, documents=documents)
    sections = _sections(documents, clock.now())
    context: dict[str, object] = {
        "documents": documents,
        "sections": sections,
        "open": _is_open(sections),
        "fee": _fee(documents),
        "holding": holding,
        "question_form": question_form or QuestionForm(),
    }
    if holding is not None:
        records = documents.criteria if isinstance(documents.criteria, Mapping) else {}
        context |= {
            "records": [
                readable(records[s.code]) for s in selectors.sections_of(documents) if s.code in records
            ],
            "criteria_sm3": _current_sm3(documents),
            "obtained_at": local_time(holding.obtained_at),
            "files": documents.files.select_related("blob").order_by("file_name"),
            "clarifications": _clarifications(documents),
            "expiring": _expiring_entries(user, documents),
            # the asker's own questions, to the asker's organisation only
            "my_questions": [
                {
                    "text": q.text,
                    "asked_at": local_time(q.asked_at),
                    "answered": q.state == QuestionState.ANSWERED,
                }
                for q in selectors.my_questions(viewer=user, documents=documents)
            ],
        }
    status = 400 if request.method == "POST" else 200
    return render(request, "tendering/obtainable_detail.html", context, status=status)


@allow(Role.RESPONDER)
def obtainable_detail(request: HttpRequest, documents_uid: uuid.UUID) -> HttpResponse:
    """Issued documents as a bidder sees them: before obtaining, their title and the button; after, the
    criteria record's public view, its SM3, the files, the clarifications and the question form."""
    documents = selectors.access_issued_documents(viewer=actor_of(request), uid=documents_uid)
    return _bidder_page(request, documents)


def _bidder_back(documents: TenderDocuments) -> str:
    return reverse("tendering:obtainable-detail", args=[documents.uid])


@require_POST
@allow(Role.RESPONDER)
def documents_obtain(request: HttpRequest, documents_uid: uuid.UUID) -> HttpResponse:
    user = actor_of(request)
    documents = selectors.access_issued_documents(viewer=user, uid=documents_uid)
    return page_action(
        request,
        lambda: services.documents_obtain(actor=user, documents=documents),
        success=_("You hold the documents: their criteria, files and clarifications are below."),
        to=_bidder_back(documents),
        explain=refusal,
    )


@require_POST
@allow(Role.RESPONDER)
def documents_ask(request: HttpRequest, documents_uid: uuid.UUID) -> HttpResponse:
    user = actor_of(request)
    documents = selectors.access_issued_documents(viewer=user, uid=documents_uid)
    form = QuestionForm(request.POST)

    def page() -> HttpResponse:
        return _bidder_page(request, documents, form)

    if not form.is_valid():
        return page()

    def failure(text: str) -> HttpResponse:
        form.add_error("text", text)
        return page()

    return page_action(
        request,
        lambda: services.question_ask(actor=user, documents=documents, text=form.cleaned_data["text"]),
        success=_(
            "Your question is sent. It is answered by a clarification to every holder, without your name."
        ),
        to=_bidder_back(documents),
        failure=failure,
        explain=refusal,
    )


@allow(*PARTIES, Role.RESPONDER)
def documents_file(request: HttpRequest, documents_uid: uuid.UUID, file_uid: uuid.UUID) -> HttpResponse:
    """A file of the documents, checked against its SM3 as it is read: for their drafters, and for the
    bidders whose organisation holds them (404 for everyone else, as for a missing one)."""
    found = selectors.access_file(viewer=request.user, documents_uid=documents_uid, uid=file_uid)
    response = HttpResponse(blobs.read(found.blob), content_type=found.blob.media_type)
    response["Content-Disposition"] = (
        content_disposition_header(as_attachment=True, filename=found.file_name) or "attachment"
    )
    return response
