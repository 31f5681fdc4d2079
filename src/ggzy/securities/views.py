"""The security pages (issue 29, standard 11.2.6): each role's, each declaring who may use it.

* The bidder (`/workspace/securities/`): its sections that require a security, with what they require and
  where it stands; per section, the deposit sub-account (opened on request, paid from the bidder's own
  basic account), the credits as the platform recorded them, guarantees applied for at **any** configured
  issuer (the platform designates none) or uploaded from any issuer, and the refunds. Only its own, before
  and after the opening; the payer flags are never shown to bidders.
* The centre's staff, its finance staff among them (`/centre/securities/`): the reconciliation of each
  bank's day statements (mismatches by kind, no payer named), the refunds due, ordered, paid and overdue
  (no bidder named before its section's opening), reconciling a day now; after a section's opening its
  page (`/centre/securities/sections/<code>/`) with every bidder's status, payer (account masked), the
  flags and the refunds, where they trigger refunds and order one.
* The supervisors read the same section page after the opening, flags included; the initiator and its
  agent read its statuses and record a forfeiture or claim on a guarantee, with the basis.

Every POST goes through `core.pages.page_action`: a refusal is an error message on the page it came from,
nothing changed. Before the opening a section's page answers as a missing one (404) to everyone but its
bidders, who see only their own."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from ggzy.accounts.models import Organisation
from ggzy.core import clock
from ggzy.core.access import actor_of, allow, is_signed_in
from ggzy.core.errors import CoreError, DomainError
from ggzy.core.formatting import local_date, local_time, yuan
from ggzy.core.pages import page_action
from ggzy.core.roles import Role
from ggzy.core.types import Viewer
from ggzy.registry import blobs
from ggzy.registry.models import Section
from ggzy.securities import bank, issuers, selectors
from ggzy.securities.errors import SecuritiesError
from ggzy.securities.forms import (
    ClaimForm,
    ForfeitForm,
    GuaranteeFileForm,
    IssuerForm,
    ReconcileForm,
    RefundOrderForm,
    RefundTriggerForm,
)
from ggzy.securities.models import Guarantee, GuaranteeState, Refund, RefundState, SubAccount
from ggzy.securities.services import deposits, forfeiture, guarantees, refunds, requirements
from ggzy.tendering import selectors as tendering_selectors

#: The roles that read a section's securities once its bids are open.
AFTER_OPENING = (Role.CENTRE_STAFF, Role.SUPERVISOR, Role.INITIATOR, Role.AGENT)
#: Guarantees still moving at the issuer (the bidder may ask it again).
PENDING = (GuaranteeState.APPLIED, GuaranteeState.UNDER_REVIEW, GuaranteeState.AWAITING_PAYMENT)
#: Refunds not paid yet (overdue once past their date).
WAITING = (RefundState.DUE, RefundState.ORDERED)
#: Reconciliation mismatches in words (an unknown kind is shown by its code).
MISMATCH_KINDS = {
    "wrong_day": _lazy("An entry of another day"),
    "credit_unknown_sub_account": _lazy("A credit to a sub-account the platform did not open"),
    "credit_malformed": _lazy("A credit entry that is not well formed"),
    "credit_sequence_conflict": _lazy("A credit that contradicts a notification held"),
    "credit_missing": _lazy("A credit the platform recorded that the statement lacks"),
    "refund_unknown": _lazy("A refund the platform did not order"),
    "refund_differs": _lazy("A refund whose amount or interest differs"),
    "refund_missing": _lazy("A refund the platform recorded as paid that the statement lacks"),
    "totals": _lazy("The statement's totals do not add up"),
}


def _not_found() -> DomainError:
    return DomainError(CoreError.NOT_FOUND)


def _when(instant: dt.datetime | None) -> str:
    return local_time(instant) if instant is not None else ""


def _day(value: dt.date | None) -> str:
    return value.isoformat() if value is not None else ""


def _issuer_kind(kind: str) -> str:
    words = {"bank": _("Bank"), "insurer": _("Insurer"), "guarantor": _("Guarantee company")}
    return str(words.get(kind, kind))


def _forms_text(forms: Iterable[str]) -> str:
    words = {
        "cash": _("Deposit (cash or transfer)"),
        "transfer": _("Deposit (cash or transfer)"),
        "guarantee": _("Bank guarantee or guarantee company's guarantee"),
        "insurance": _("Guarantee insurance"),
    }
    said: list[str] = []
    for form in forms:
        word = words.get(form, form)
        if word not in said:
            said.append(word)
    return "、".join(said)


# --- rows for the pages ----------------------------------------------------------------------------------


def _requirement_row(requirement: requirements.Requirement) -> dict[str, object]:
    return {
        "amount": yuan(requirement.amount_fen),
        "forms": _forms_text(requirement.forms),
        "deadline": _when(requirement.deadline),
        "validity": _day(requirement.validity_until),
        "regime": _("Engineering") if requirement.regime == "engineering" else _("Government procurement"),
        "deposit": requirement.deposit,
        "guarantee_kinds": "、".join(_issuer_kind(k) for k in requirement.guarantee_kinds),
        "required": requirement.required,
    }


def _status_row(status: selectors.SecurityStatus) -> dict[str, object]:
    """A bidder's status in words and yuan (the label says it; the kind styles it)."""
    return {
        "kind": status.kind,
        "label": status.label,
        "given": status.given,
        "required": yuan(status.required_fen),
        "paid": yuan(status.paid_fen),
        "short": yuan(status.short_fen) if status.short_fen else "",
        "late": yuan(status.late_fen) if status.late_fen else "",
        "refunded": status.refunded,
        "refund_label": status.refund_label,
    }


def _refund_row(refund: Refund, now: dt.datetime) -> dict[str, object]:
    return {
        "uid": refund.uid,
        "id": refund.refund_id,
        "trigger": refund.get_trigger_display(),
        "basis": refund.basis,
        "due_by": _when(refund.due_by),
        "principal": yuan(refund.principal_fen),
        "interest": yuan(refund.interest_fen),
        "late_charge": yuan(refund.late_charge_fen) if refund.late_charge_fen else "",
        "state": refund.get_state_display(),
        "state_code": str(refund.state),
        "overdue": refund.state in WAITING and refund.due_by < now,
        "paid_at": _when(refund.paid_at),
        "orderable": refund.state == RefundState.DUE,
        "error": refund.last_error,
    }


def _guarantee_row(guarantee: Guarantee) -> dict[str, object]:
    return {
        "uid": guarantee.uid,
        "issuer": guarantee.issuer_name,
        "issuer_kind": _issuer_kind(guarantee.issuer_kind),
        "state": guarantee.get_state_display(),
        "state_code": str(guarantee.state),
        "pending": guarantee.state in PENDING,
        "accepted": guarantee.state in (GuaranteeState.ISSUED, GuaranteeState.CLAIMED),
        "claimable": guarantee.state == GuaranteeState.ISSUED,
        "number": guarantee.number,
        "amount": yuan(guarantee.amount_fen),
        "cover": f"{_day(guarantee.cover_from)} — {_day(guarantee.cover_until)}",
        "premium": yuan(guarantee.premium_fen) if guarantee.premium_fen is not None else "",
        "sm3": guarantee.document_sm3,
        "reason": guarantee.reason,
        "applied_at": _when(guarantee.applied_at),
        "issued_at": _when(guarantee.issued_at),
    }


def _issuer_choices() -> tuple[list[tuple[str, str]], list[dict[str, str]]]:
    """Every configured issuer, banks, insurers and guarantee companies alike, by name: the form's choices
    and the rows of the list shown beside it (the platform designates none)."""
    try:
        found = issuers.issuers()
    except issuers.IssuerError:
        found = {}
    ordered = sorted(found.values(), key=lambda i: (i.name, i.code))
    choices = [(i.code, f"{i.name}（{_issuer_kind(i.kind)}）") for i in ordered]
    rows = [{"code": i.code, "name": i.name, "kind": _issuer_kind(i.kind)} for i in ordered]
    return choices, rows


def _bank_choices() -> list[tuple[str, str]]:
    try:
        found = bank.banks()
    except bank.BankError:
        return []
    return [(b.code, b.name) for b in found.values()]


# --- the bidder --------------------------------------------------------------------------------------------


@allow(Role.RESPONDER)
def mine(request: HttpRequest) -> HttpResponse:
    """The viewer's sections that require a security: what each requires and where it stands."""
    rows = [
        {
            "section": m.section,
            "requirement": _requirement_row(m.requirement),
            "status": _status_row(m.status),
        }
        for m in selectors.mine(viewer=request.user)
    ]
    return render(request, "securities/mine.html", {"rows": rows})


@allow(Role.RESPONDER)
def bidder_section(request: HttpRequest, section_code: str) -> HttpResponse:
    """One section's security for the bidder: its sub-account, credits, guarantees and refunds."""
    own, now = selectors.own_securities(viewer=request.user, code=section_code), clock.now()
    account = own.sub_account
    choices, issuer_rows = _issuer_choices()
    deadline = own.requirement.deadline
    context = {
        "section": own.section,
        "organisation": own.organisation,
        "requirement": _requirement_row(own.requirement),
        "status": _status_row(own.status),
        "open": deadline is not None and now < deadline,
        "deposit": own.requirement.deposit,
        "guarantee": bool(own.requirement.guarantee_kinds),
        "sub_account": (
            {
                "number": account.number,
                "bank": account.bank,
                "amount": yuan(account.required_fen),
                "deadline": _when(account.deadline),
                "opened_at": _when(account.opened_at),
            }
            if account is not None
            else None
        ),
        "credits": [
            {
                "amount": yuan(c.amount_fen),
                "instant": _when(c.instant),
                "late": c.late or (deadline is not None and c.instant >= deadline),
                "source": c.get_source_display(),
                "transaction": c.transaction,
            }
            for c in own.credits
        ],
        "refunds": [_refund_row(r, now) for r in own.refunds],
        "guarantees": [_guarantee_row(g) for g in own.guarantees],
        "issuers": issuer_rows,
        "issuer_form": IssuerForm(issuers=choices),
        "file_form": GuaranteeFileForm(),
    }
    return render(request, "securities/bidder_section.html", context)


def _here(section: Section) -> str:
    return reverse("securities:bidder-section", args=[section.code])


@require_POST
@allow(Role.RESPONDER)
def sub_account_open(request: HttpRequest, section_code: str) -> HttpResponse:
    entry, organisation = selectors.access_my_section(viewer=request.user, code=section_code)

    def opened(account: SubAccount) -> str:
        return _(
            "Sub-account %(number)s is open: pay %(amount)s yuan into it from your own basic account so that"
            " it arrives before %(deadline)s (Beijing time)."
        ) % {
            "number": account.number,
            "amount": yuan(account.required_fen),
            "deadline": _when(account.deadline),
        }

    return page_action(
        request,
        lambda: deposits.sub_account_open(
            actor=actor_of(request), section=entry.section, organisation=organisation
        ),
        success=opened,
        to=_here(entry.section),
    )


@require_POST
@allow(Role.RESPONDER)
def guarantee_apply(request: HttpRequest, section_code: str) -> HttpResponse:
    entry, organisation = selectors.access_my_section(viewer=request.user, code=section_code)
    choices, _rows = _issuer_choices()
    form = IssuerForm(request.POST, issuers=choices)
    return page_action(
        request,
        lambda: guarantees.guarantee_apply(
            actor=actor_of(request),
            section=entry.section,
            organisation=organisation,
            issuer_code=form.cleaned_data["issuer"],
        ),
        success=_("The application was sent to the issuer you chose; it answers in its own time."),
        to=_here(entry.section),
        form=form,
        invalid=_("Choose an issuer from the list."),
    )


@require_POST
@allow(Role.RESPONDER)
def guarantee_upload(request: HttpRequest, section_code: str) -> HttpResponse:
    entry, organisation = selectors.access_my_section(viewer=request.user, code=section_code)
    form = GuaranteeFileForm(request.POST, request.FILES)
    return page_action(
        request,
        lambda: guarantees.guarantee_submit(
            actor=actor_of(request),
            section=entry.section,
            organisation=organisation,
            document=form.cleaned_data["file"],
        ),
        success=_("The guarantee verified and meets the documents: it is your security for this section."),
        to=_here(entry.section),
        form=form,
    )


@require_POST
@allow(Role.RESPONDER)
def guarantee_refresh(request: HttpRequest, guarantee_uid: uuid.UUID) -> HttpResponse:
    guarantee = selectors.access_guarantee(viewer=request.user, uid=guarantee_uid)
    if not _member(request.user, guarantee.organisation_id):  # staff reach it too; this is the bidder's
        raise _not_found()
    return page_action(
        request,
        lambda: guarantees.guarantee_refresh(guarantee=guarantee),
        success=_("The issuer was asked again; its answer is shown below."),
        to=_here(guarantee.section),
    )


def _member(viewer: Viewer, organisation_id: int) -> bool:
    return is_signed_in(viewer) and organisation_id in tendering_selectors.bidder_organisations(viewer)


@allow(Role.RESPONDER, Role.CENTRE_STAFF, Role.SUPERVISOR)
def guarantee_document(request: HttpRequest, guarantee_uid: uuid.UUID) -> HttpResponse:
    """The guarantee's document, by the SM3 its signed body names (checked as it is read), for whoever may
    see the guarantee (its bidder; staff and supervisors after the opening)."""
    guarantee = selectors.access_guarantee(viewer=request.user, uid=guarantee_uid)
    blob = selectors.guarantee_document(guarantee)
    if blob is None:
        raise _not_found()
    response = HttpResponse(blobs.read(blob), content_type=blob.media_type or "application/pdf")
    name = f"{guarantee.number or guarantee.document_sm3[:16]}.pdf"
    response["Content-Disposition"] = (
        content_disposition_header(as_attachment=True, filename=name) or "attachment"
    )
    return response


# --- the centre's finance staff ----------------------------------------------------------------------------


@allow(Role.CENTRE_STAFF)
def centre(request: HttpRequest) -> HttpResponse:
    """Reconciliation: each bank's day statements with their mismatches by kind (no payer named); the
    refunds due, overdue, paid and refused per opened section (`selectors.reconciliation_overview`)."""
    overview = selectors.reconciliation_overview(viewer=request.user)
    statements = [
        {
            "bank": line.bank,
            "date": _day(line.date),
            "reconciled_at": _when(line.reconciled_at),
            "mismatches": line.mismatches,
            "kinds": [(str(MISMATCH_KINDS.get(k, k)), n) for k, n in sorted(line.kinds.items())],
        }
        for line in overview.statements
    ]
    context = {
        "overview": overview,
        "statements": statements,
        "form": ReconcileForm(banks=_bank_choices(), initial={"date": local_date(clock.now())}),
    }
    return render(request, "securities/centre.html", context)


@require_POST
@allow(Role.CENTRE_STAFF)
def reconcile(request: HttpRequest) -> HttpResponse:
    form = ReconcileForm(request.POST, banks=_bank_choices())

    def said(statement: object) -> str:
        mismatches = getattr(statement, "mismatches", None) or []
        if not mismatches:
            return _("The day was reconciled against the bank's signed statement: it agrees.")
        return _("The day was reconciled against the bank's signed statement: %(count)s mismatches.") % {
            "count": len(mismatches)
        }

    return page_action(
        request,
        lambda: deposits.statement_reconcile(
            bank_code=form.cleaned_data["bank"], date=form.cleaned_data["date"]
        ),
        success=said,
        to=reverse("securities:centre"),
        form=form,
    )


@allow(*AFTER_OPENING)
def sections(request: HttpRequest) -> HttpResponse:
    """The opened sections whose securities the viewer may read (its centres', its jurisdiction's, its
    projects')."""
    return render(
        request,
        "securities/sections.html",
        {"sections": selectors.opened_sections(viewer=request.user)[:200]},
    )


@allow(*AFTER_OPENING)
def section(request: HttpRequest, section_code: str) -> HttpResponse:
    """A section's securities after its opening: each bidder's status; for staff and supervisors also the
    payers (accounts masked) and the §40 flags; the refunds; the actions of the viewer's role."""
    viewer, now = request.user, clock.now()
    found = selectors.access_opened_section(viewer=viewer, code=section_code)
    bidders = selectors.section_bidders(found)
    try:
        by_organisation = selectors.statuses(found, bidders)
    except DomainError:  # no documents issued: nothing required is known
        by_organisation = {}
    reader = selectors.reader_of(viewer=viewer, section=found)
    official = reader.official
    payers_of = selectors.section_payers(found) if official else {}
    held = selectors.section_guarantees(found)
    rows = []
    for organisation in bidders:
        status = by_organisation.get(organisation.pk)
        payers = payers_of.get(organisation.pk, [])
        rows.append(
            {
                "organisation": organisation,
                "status": _status_row(status) if status is not None else None,
                "payers": payers,
                "guarantees": [_guarantee_row(g) for g in held if g.organisation_id == organisation.pk],
            }
        )
    refund_rows = []
    for refund in selectors.section_refunds(found):
        row = _refund_row(refund, now)
        row["organisation"] = refund.sub_account.organisation.name
        refund_rows.append(row)
    flags = [
        {
            "kind": flag.get_kind_display(),
            "organisations": [o.name for o in flag.organisations.all()],
            "basis": flag.basis,
            "evidence": flag.evidence,
        }
        for flag in selectors.flags_visible(viewer=viewer, section=found)
    ]
    choices = [(str(o.uid), o.name) for o in bidders]
    context = {
        "section": found,
        "rows": rows,
        "refunds": refund_rows,
        "flags": flags,
        "official": official,
        "staff": reader.staff,
        "party": reader.party,
        "trigger_form": RefundTriggerForm(bidders=choices),
        "forfeit_form": ForfeitForm(bidders=choices),
        "claim_form": ClaimForm(),
    }
    return render(request, "securities/section.html", context)


def _section_url(section: Section) -> str:
    return reverse("securities:section", args=[section.code])


def _chosen(section: Section, uid: str) -> Organisation | None:
    return next((o for o in selectors.section_bidders(section) if str(o.uid) == uid), None) if uid else None


@require_POST
@allow(Role.CENTRE_STAFF)
def refund_trigger(request: HttpRequest, section_code: str) -> HttpResponse:
    found = selectors.access_opened_section(viewer=request.user, code=section_code)
    form = RefundTriggerForm(
        request.POST, bidders=[(str(o.uid), o.name) for o in selectors.section_bidders(found)]
    )

    def made(due: list[Refund]) -> str:
        return _("%(count)s refunds are now due, each with its legal basis and date.") % {"count": len(due)}

    return page_action(
        request,
        lambda: refunds.refund_trigger(
            actor=actor_of(request),
            section=found,
            trigger=form.cleaned_data["trigger"],
            organisation=_chosen(found, form.cleaned_data["organisation"]),
        ),
        success=made,
        to=_section_url(found),
        form=form,
    )


@require_POST
@allow(Role.CENTRE_STAFF)
def refund_order(request: HttpRequest, section_code: str) -> HttpResponse:
    found = selectors.access_opened_section(viewer=request.user, code=section_code)
    form = RefundOrderForm(request.POST)
    if not form.is_valid():
        raise _not_found()
    refund = selectors.section_refund(found, form.cleaned_data["refund"])
    return page_action(
        request,
        lambda: refunds.refund_order(refund=refund),
        success=_("The refund was ordered from the bank."),
        to=_section_url(found),
    )


@require_POST
@allow(Role.INITIATOR, Role.AGENT)
def forfeit(request: HttpRequest, section_code: str) -> HttpResponse:
    found = selectors.access_party_section(viewer=request.user, code=section_code)
    form = ForfeitForm(request.POST, bidders=[(str(o.uid), o.name) for o in selectors.section_bidders(found)])

    def run() -> object:
        organisation = _chosen(found, form.cleaned_data["organisation"])
        if organisation is None or not selectors.has_sub_account(found, organisation):
            raise DomainError(
                SecuritiesError.FORFEITURE_BASIS,
                detail={"reason": _("this bidder paid no deposit into a sub-account")},
            )
        return forfeiture.deposit_forfeit(
            actor=actor_of(request),
            section=found,
            organisation=organisation,
            reason=form.cleaned_data["reason"],
            documents_clause=form.cleaned_data["documents_clause"],
        )

    return page_action(
        request,
        run,
        success=_("The forfeiture was recorded with its legal basis."),
        to=_section_url(found),
        form=form,
    )


@require_POST
@allow(Role.INITIATOR, Role.AGENT)
def guarantee_claim(request: HttpRequest, section_code: str) -> HttpResponse:
    found = selectors.access_party_section(viewer=request.user, code=section_code)
    form = ClaimForm(request.POST)
    if not form.is_valid():
        return page_action(request, lambda: None, success=None, to=_section_url(found), form=form)
    # the one lookup (the initiator and its agent read a guarantee of their project from the opening on);
    # a guarantee of another section is the same not-found
    guarantee = selectors.access_guarantee(viewer=request.user, uid=form.cleaned_data["guarantee"])
    if guarantee.section_id != found.pk:
        raise _not_found()
    return page_action(
        request,
        lambda: guarantees.guarantee_claim(
            actor=actor_of(request),
            guarantee=guarantee,
            reason=form.cleaned_data["reason"],
            evidence=form.cleaned_data["evidence"],
            documents_clause=form.cleaned_data["documents_clause"],
        ),
        success=_("The claim was made on the guarantee; the issuer's answer is kept."),
        to=_section_url(found),
        form=form,
    )
