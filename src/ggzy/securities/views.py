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

from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from ggzy.accounts.models import Organisation, RoleGrant
from ggzy.accounts.selectors import region_prefix, supervises, user_roles, viewer_scope
from ggzy.core import clock
from ggzy.core.access import actor_of, allow, is_signed_in
from ggzy.core.errors import CoreError, DomainError
from ggzy.core.formatting import local_date, local_time, yuan
from ggzy.core.pages import page_action
from ggzy.core.roles import Role
from ggzy.core.types import Viewer
from ggzy.notices import selectors as notices_selectors
from ggzy.registry import blobs
from ggzy.registry.models import Blob, Section
from ggzy.sealing.models import GONE, SealedBid
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
from ggzy.securities.models import Guarantee, GuaranteeState, Purpose, Refund, RefundState, SubAccount
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


# --- who the viewer is for a section ---------------------------------------------------------------------


def _readable_sections_q(viewer: Viewer) -> Q:
    """The sections whose securities `viewer` may read after the opening: its centres' (staff, and the
    centres under them), its jurisdiction's (supervisors: the centre's region, and the category if the grant
    names one; as `selectors.access_guarantee`), its projects' (the initiator and its agent)."""
    if not is_signed_in(viewer):
        return Q(pk__in=[])
    centres, _regions = viewer_scope(viewer)
    found = Q(centre__code__in=list(centres))
    grants = RoleGrant.objects.filter(user=viewer, role=Role.SUPERVISOR, revoked_at__isnull=True)
    for region, category in grants.values_list("region", "category"):
        covered = Q(tender_project__project__category_id=category) if category else Q()
        if region:
            covered &= Q(centre__region__startswith=region_prefix(region))
        found |= covered
    return found | notices_selectors.party_q(viewer, prefix="tender_project__project__")


def _opened_sections(viewer: Viewer) -> QuerySet[Section]:
    """The sections, opened by the time authority, whose securities `viewer` may read; latest first."""
    return (
        Section.objects.filter(_readable_sections_q(viewer), bid_window__opening_at__lte=clock.now())
        .select_related("tender_project__project", "bid_window", "centre")
        .order_by("-bid_window__opening_at", "code")
    )


def _access_opened_section(*, viewer: Viewer, code: str) -> Section:
    """A section whose securities `viewer` may read, once its opening time has come; "missing", "not
    yours" and "not opened yet" are the same not-found (before the opening no one but a bidder may learn
    who gave a security)."""
    found = _opened_sections(viewer).filter(code=code).first()
    if found is None:
        raise _not_found()
    return found


def _official(viewer: Viewer, section: Section) -> bool:
    """Staff of the section's centre (or of a centre above it), or a supervisor covering it."""
    centres, _regions = viewer_scope(viewer)
    if section.centre.code in centres:
        return True
    return supervises(
        viewer, region=section.centre.region, category=str(section.tender_project.project.category_id)
    )


def _access_my_section(*, viewer: Viewer, code: str) -> tuple[selectors.Mine, Organisation]:
    """A section that asks one of the viewer's bidder organisations for a security (`selectors.mine`),
    with that organisation (the one that obtained the documents); any other is not found."""
    for entry in selectors.mine(viewer=viewer):
        if entry.section.code != code:
            continue
        documents = tendering_selectors.documents_of_section(entry.section)
        holding = tendering_selectors.holding_of(viewer=viewer, documents=documents) if documents else None
        if holding is not None:
            return entry, holding.organisation
    raise _not_found()


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
    entry, organisation = _access_my_section(viewer=request.user, code=section_code)
    section, now = entry.section, clock.now()
    account = SubAccount.objects.filter(
        purpose=Purpose.BID, section=section, organisation=organisation
    ).first()
    own_guarantees = Guarantee.objects.filter(purpose=Purpose.BID, section=section, organisation=organisation)
    choices, issuer_rows = _issuer_choices()
    deadline = entry.requirement.deadline
    context = {
        "section": section,
        "organisation": organisation,
        "requirement": _requirement_row(entry.requirement),
        "status": _status_row(selectors.status_of(section, organisation, Purpose.BID)),
        "open": deadline is not None and now < deadline,
        "deposit": entry.requirement.deposit,
        "guarantee": bool(entry.requirement.guarantee_kinds),
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
            for c in (account.credits.all() if account is not None else ())
        ],
        "refunds": [_refund_row(r, now) for r in (account.refunds.all() if account is not None else ())],
        "guarantees": [_guarantee_row(g) for g in own_guarantees],
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
    entry, organisation = _access_my_section(viewer=request.user, code=section_code)

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
    entry, organisation = _access_my_section(viewer=request.user, code=section_code)
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
    entry, organisation = _access_my_section(viewer=request.user, code=section_code)
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
    blob = Blob.objects.filter(sm3=guarantee.document_sm3).first() if guarantee.document_sm3 else None
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
    return render(request, "securities/sections.html", {"sections": _opened_sections(request.user)[:200]})


def _bidders_of(section: Section) -> list[Organisation]:
    """The section's bidders (a standing sealed bid) and whoever began to give a security on it."""
    ids = set(
        SealedBid.objects.filter(section=section)
        .exclude(state__in=GONE)
        .values_list("organisation", flat=True)
    )
    ids |= set(
        SubAccount.objects.filter(section=section, purpose=Purpose.BID).values_list("organisation", flat=True)
    )
    ids |= set(
        Guarantee.objects.filter(section=section, purpose=Purpose.BID).values_list("organisation", flat=True)
    )
    return list(Organisation.objects.filter(pk__in=ids).order_by("name", "pk"))


@allow(*AFTER_OPENING)
def section(request: HttpRequest, section_code: str) -> HttpResponse:
    """A section's securities after its opening: each bidder's status; for staff and supervisors also the
    payers (accounts masked) and the §40 flags; the refunds; the actions of the viewer's role."""
    viewer, now = request.user, clock.now()
    found = _access_opened_section(viewer=viewer, code=section_code)
    bidders = _bidders_of(found)
    try:
        by_organisation = selectors.statuses(found, bidders)
    except DomainError:  # no documents issued: nothing required is known
        by_organisation = {}
    official = _official(viewer, found)
    accounts = {
        a.organisation_id: a
        for a in SubAccount.objects.filter(section=found, purpose=Purpose.BID).prefetch_related("credits")
    }
    held = Guarantee.objects.filter(section=found, purpose=Purpose.BID).order_by("-applied_at")
    rows = []
    for organisation in bidders:
        account = accounts.get(organisation.pk)
        status = by_organisation.get(organisation.pk)
        payers = (
            sorted({(str(c.payer_name), str(c.payer_account)) for c in account.credits.all()})
            if official and account is not None
            else []
        )
        rows.append(
            {
                "organisation": organisation,
                "status": _status_row(status) if status is not None else None,
                "payers": payers,
                "guarantees": [_guarantee_row(g) for g in held if g.organisation_id == organisation.pk],
            }
        )
    refund_rows = []
    for refund in Refund.objects.filter(sub_account__section=found).select_related(
        "sub_account__organisation"
    ):
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
    centres, _regions = viewer_scope(viewer)
    context = {
        "section": found,
        "rows": rows,
        "refunds": refund_rows,
        "flags": flags,
        "official": official,
        "staff": found.centre.code in centres and Role.CENTRE_STAFF in user_roles(viewer),
        "party": tendering_selectors.acts_for(viewer, found.tender_project),
        "trigger_form": RefundTriggerForm(bidders=choices),
        "forfeit_form": ForfeitForm(bidders=choices),
        "claim_form": ClaimForm(),
    }
    return render(request, "securities/section.html", context)


def _section_url(section: Section) -> str:
    return reverse("securities:section", args=[section.code])


def _chosen(section: Section, uid: str) -> Organisation | None:
    return next((o for o in _bidders_of(section) if str(o.uid) == uid), None) if uid else None


@require_POST
@allow(Role.CENTRE_STAFF)
def refund_trigger(request: HttpRequest, section_code: str) -> HttpResponse:
    found = _access_opened_section(viewer=request.user, code=section_code)
    form = RefundTriggerForm(request.POST, bidders=[(str(o.uid), o.name) for o in _bidders_of(found)])

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
    found = _access_opened_section(viewer=request.user, code=section_code)
    form = RefundOrderForm(request.POST)
    refund = (
        Refund.objects.filter(uid=form.cleaned_data["refund"], sub_account__section=found).first()
        if form.is_valid()
        else None
    )
    if refund is None:
        raise _not_found()
    return page_action(
        request,
        lambda: refunds.refund_order(refund=refund),
        success=_("The refund was ordered from the bank."),
        to=_section_url(found),
    )


def _party_section(viewer: Viewer, code: str) -> Section:
    """An opened section of a tender project the viewer acts for (initiator or agent)."""
    found = _access_opened_section(viewer=viewer, code=code)
    if not tendering_selectors.acts_for(viewer, found.tender_project):
        raise _not_found()
    return found


@require_POST
@allow(Role.INITIATOR, Role.AGENT)
def forfeit(request: HttpRequest, section_code: str) -> HttpResponse:
    found = _party_section(request.user, section_code)
    form = ForfeitForm(request.POST, bidders=[(str(o.uid), o.name) for o in _bidders_of(found)])

    def run() -> object:
        organisation = _chosen(found, form.cleaned_data["organisation"])
        if (
            organisation is None
            or not SubAccount.objects.filter(section=found, organisation=organisation).exists()
        ):
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
    found = _party_section(request.user, section_code)
    form = ClaimForm(request.POST)
    guarantee = (
        Guarantee.objects.filter(uid=form.cleaned_data["guarantee"], section=found).first()
        if form.is_valid()
        else None
    )
    if guarantee is None:
        if form.is_valid():
            raise _not_found()
        return page_action(request, lambda: None, success=None, to=_section_url(found), form=form)
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
