"""Reads of bid and performance securities, with who may see what (docs/secrecy.md `security_payers`).

**The one status.** `status_of` / `statuses` / `security_given` say whether a bidder gave the security a
section requires: the opening hall shows it for each bidder, evaluation rejects a bid without it and the
results refund it — they all read it here and never count credits or look at guarantees themselves.

Who sees what:

- a bidder: its own organisation's sub-accounts, credits and guarantees, at any time (`mine`, the
  `access_*` lookups);
- centre staff of the section's centre and supervisors whose jurisdiction covers it: a sub-account or a
  guarantee only from the section's opening on (before it nothing may reveal who paid, not even a
  refusal of their own: the same not-found as a missing one);
- the initiator of the tender project and its agent (the guarantee's beneficiary, who may claim on it): a
  guarantee from the section's opening on (`access_guarantee`), never a sub-account or a payer; the opened
  sections of their projects with each bidder's status (`opened_sections`, `access_opened_section`);
- the payer flags (实施条例 §40): the evaluation committee and the supervisors, never a bidder. There is no
  evaluation app yet: `flags_visible` shows them to supervisors of the region and to staff of the
  section's centre (who run the evaluation's support), from the opening on;
- the centre's finance staff: the reconciliation of the banks' statements and the refunds due —
  mismatch counts and kinds and refund counts, no payer's name and nothing per section before its
  opening (`reconciliation_overview`)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db.models import Q, QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from ggzy.accounts.models import Membership, Organisation
from ggzy.accounts.selectors import grants_of, region_prefix, supervises, user_roles, viewer_scope
from ggzy.core import clock
from ggzy.core.access import is_signed_in
from ggzy.core.errors import CoreError, DomainError
from ggzy.core.formatting import yuan
from ggzy.core.roles import Role
from ggzy.core.types import Viewer
from ggzy.notices import selectors as notices_selectors
from ggzy.registry.models import Blob, Section
from ggzy.sealing import selectors as sealing_selectors
from ggzy.securities.models import (
    Credit,
    Flag,
    Guarantee,
    GuaranteeState,
    Purpose,
    Refund,
    RefundState,
    Statement,
    SubAccount,
)
from ggzy.securities.services.requirements import Requirement, requirement
from ggzy.tendering import selectors as tendering_selectors
from ggzy.tendering.models import DocumentsHolder, DocumentsState

#: A guarantee application the issuer has not decided yet.
PENDING_STATES = frozenset(
    {GuaranteeState.APPLIED, GuaranteeState.UNDER_REVIEW, GuaranteeState.AWAITING_PAYMENT}
)


class StatusKind:
    """The kinds of `SecurityStatus` (strings, as the pages and the API show them)."""

    NOT_REQUIRED = "not_required"  # the documents (or the demand) require none
    NONE = "none"  # nothing paid, no guarantee
    PAID = "paid"  # deposited in full before the deadline
    INSUFFICIENT = "insufficient"  # some deposited before the deadline, less than required
    LATE = "late"  # money arrived only at or after the deadline: it does not count
    GUARANTEED = "guaranteed"  # an accepted (issued and checked) guarantee covers it
    PENDING = "pending"  # a guarantee application the issuer has not decided


#: The kinds that mean the security was given.
GIVEN = frozenset({StatusKind.NOT_REQUIRED, StatusKind.PAID, StatusKind.GUARANTEED})

_LABELS = {
    StatusKind.NOT_REQUIRED: _("No security required"),
    StatusKind.NONE: _("No security given"),
    StatusKind.PAID: _("Paid in full (%(paid)s yuan)"),
    StatusKind.INSUFFICIENT: _("Insufficient: %(paid)s yuan paid, %(short)s yuan short"),
    StatusKind.LATE: _("Paid late: %(late)s yuan after the deadline, not counted"),
    StatusKind.GUARANTEED: _("Guarantee %(number)s from %(issuer)s"),
    StatusKind.PENDING: _("Guarantee applied for, not yet issued"),
}
#: Said beside the status once the deposit was paid back (the kind stays: it is the status as of the
#: deadline, which evaluation reads).
_REFUNDED = _("Refunded (%(refunded)s yuan)")


@dataclass(frozen=True)
class SecurityStatus:
    """One organisation's security on one section, for one purpose. Amounts in fen: `paid_fen` what
    counts (arrived before the deadline), `late_fen` what arrived at or after it (never counted)."""

    kind: str
    required_fen: int
    paid_fen: int = 0
    late_fen: int = 0
    guarantee_number: str = ""
    issuer_name: str = ""
    sub_account: uuid.UUID | None = None
    guarantee: uuid.UUID | None = None
    refunded_fen: int = 0  # principal paid back from the sub-account (refunds paid); the kind is unchanged

    @property
    def refunded(self) -> bool:
        """Whether the deposit was paid back (in part or whole): pages say 已退还 beside the status."""
        return self.refunded_fen > 0

    @property
    def refund_label(self) -> str:
        """ "Refunded (… yuan)" in the reader's language, or "" when nothing was paid back."""
        return str(_REFUNDED) % {"refunded": yuan(self.refunded_fen)} if self.refunded else ""

    @property
    def short_fen(self) -> int:
        return max(0, self.required_fen - self.paid_fen) if self.kind != StatusKind.GUARANTEED else 0

    @property
    def given(self) -> bool:
        return self.kind in GIVEN

    @property
    def label(self) -> str:
        """The status in the reader's language (Chinese by default), amounts in yuan."""
        values = {
            "paid": yuan(self.paid_fen),
            "short": yuan(self.short_fen),
            "late": yuan(self.late_fen),
            "required": yuan(self.required_fen),
            "number": self.guarantee_number,
            "issuer": self.issuer_name,
        }
        return str(_LABELS[self.kind]) % values


@dataclass
class _Found:
    """What one organisation has on the section (gathered in bulk)."""

    sub_account: uuid.UUID | None = None
    refunded_fen: int = 0
    credits: list[tuple[int, dt.datetime, bool]] = field(default_factory=list)  # (fen, instant, late)
    guarantees: list[Guarantee] = field(default_factory=list)


def _late(instant: dt.datetime, flagged: bool, deadline: dt.datetime | None) -> bool:
    """A credit is late when it arrived at or after the deadline in force (a postponed deadline moves it);
    without a known deadline, as the credit was recorded."""
    return instant >= deadline if deadline is not None else flagged


def _covers(guarantee: Guarantee, need: Requirement) -> bool:
    """An accepted guarantee (ISSUED: issued and passed the platform's check, which refuses one that
    arrived after the deadline) of at least the amount, covering the validity period in force."""
    return (
        guarantee.state == GuaranteeState.ISSUED
        and guarantee.amount_fen >= need.amount_fen
        and (need.validity_until is None or guarantee.cover_until >= need.validity_until)
    )


def _decide(need: Requirement, found: _Found) -> SecurityStatus:
    if not need.required:
        return SecurityStatus(StatusKind.NOT_REQUIRED, 0)
    paid = late = 0
    for fen, instant, flagged in found.credits:
        if _late(instant, flagged, need.deadline):
            late += fen
        else:
            paid += fen
    covering = [g for g in found.guarantees if _covers(g, need)]
    pending = [g for g in found.guarantees if g.state in PENDING_STATES]
    chosen: Guarantee | None = None
    if covering:
        kind = StatusKind.GUARANTEED
        chosen = max(covering, key=lambda g: (g.issued_at or g.applied_at, g.pk))
    elif paid >= need.amount_fen:
        kind = StatusKind.PAID
    elif pending:
        kind, chosen = StatusKind.PENDING, pending[0]
    elif paid > 0:
        kind = StatusKind.INSUFFICIENT
    elif late > 0:
        kind = StatusKind.LATE
    else:
        kind = StatusKind.NONE
    accepted = chosen is not None and kind == StatusKind.GUARANTEED
    return SecurityStatus(
        kind,
        need.amount_fen,
        paid_fen=paid,
        late_fen=late,
        guarantee_number=chosen.number if accepted and chosen else "",
        issuer_name=chosen.issuer_name if accepted and chosen else "",
        sub_account=found.sub_account,
        guarantee=chosen.uid if chosen else None,
        refunded_fen=found.refunded_fen,
    )


def _gather(section: Section, purpose: str, organisation_ids: list[int]) -> dict[int, _Found]:
    """Sub-accounts (with the principal refunded from each), credits and guarantees of the organisations
    on the section: three queries."""
    found: dict[int, _Found] = {pk: _Found() for pk in organisation_ids}
    accounts = SubAccount.objects.filter(
        section=section, purpose=purpose, organisation_id__in=organisation_ids
    ).annotate(refunded=Sum("refunds__principal_fen", filter=Q(refunds__state=RefundState.PAID)))
    for organisation_id, account_uid, refunded in accounts.values_list("organisation_id", "uid", "refunded"):
        found[organisation_id].sub_account = account_uid
        found[organisation_id].refunded_fen = int(refunded or 0)
    rows = Credit.objects.filter(
        sub_account__section=section,
        sub_account__purpose=purpose,
        sub_account__organisation_id__in=organisation_ids,
    ).values_list("sub_account__organisation_id", "amount_fen", "instant", "late")
    for organisation_id, fen, instant, late in rows:
        found[organisation_id].credits.append((fen, instant, late))
    guarantees = (
        Guarantee.objects.filter(section=section, purpose=purpose, organisation_id__in=organisation_ids)
        .only(
            "uid",
            "organisation_id",
            "state",
            "amount_fen",
            "cover_until",
            "issued_at",
            "applied_at",
            "number",
            "issuer_name",
        )
        .order_by("-applied_at", "-pk")
    )
    for guarantee in guarantees:
        found[guarantee.organisation_id].guarantees.append(guarantee)
    return found


def _ids(organisations: Iterable[Organisation | int]) -> list[int]:
    return [o if isinstance(o, int) else o.pk for o in organisations]


def statuses(section: Section, organisations: Iterable[Organisation | int]) -> dict[int, SecurityStatus]:
    """Each organisation's bid security on `section`, by organisation id, in a bounded number of queries
    (the requirement's, then three): what the opening hall shows for each bidder, what evaluation reads
    to reject a bid without its security and what the results read to refund it. DomainError
    `security_no_documents` while the section's documents are not issued."""
    need = requirement(section, Purpose.BID)
    ids = _ids(organisations)
    if not need.required:
        return {pk: SecurityStatus(StatusKind.NOT_REQUIRED, 0) for pk in ids}
    found = _gather(section, Purpose.BID, ids)
    return {pk: _decide(need, found[pk]) for pk in ids}


def status_of(
    section: Section, organisation: Organisation | int, purpose: str = Purpose.BID
) -> SecurityStatus:
    """One organisation's security on `section` for `purpose` (see `statuses`: the one place the opening
    hall, evaluation and results read it). A performance security not demanded is `not_required`."""
    pk = organisation if isinstance(organisation, int) else organisation.pk
    if purpose == Purpose.PERFORMANCE:
        try:
            need = requirement(section, Purpose.PERFORMANCE, Organisation.objects.get(pk=pk))
        except DomainError:
            return SecurityStatus(StatusKind.NOT_REQUIRED, 0)
    else:
        need = requirement(section, Purpose.BID)
    if not need.required:
        return SecurityStatus(StatusKind.NOT_REQUIRED, 0)
    return _decide(need, _gather(section, str(purpose), [pk])[pk])


def security_given(section: Section, organisation: Organisation | int) -> bool:
    """Whether the organisation gave the bid security the section requires (or none is required): what
    evaluation reads to reject a bid without it."""
    return status_of(section, organisation).given


# --- who may see one security -------------------------------------------------------------------------


def opened(section: Section, now: dt.datetime | None = None) -> bool:
    """Whether the section's opening time has come (its bid window's `opening_at`, the same instant that
    lifts the `section.opening` embargo of the events)."""
    window = sealing_selectors.window_of(section)
    return window is not None and window.opening_at <= (now or clock.now())


def _member(viewer: Viewer | None, organisation_id: int) -> bool:
    if not is_signed_in(viewer):
        return False
    return Membership.objects.filter(user=viewer, organisation_id=organisation_id).exists()


def _official(viewer: Viewer | None, section: Section) -> bool:
    """Staff of the section's centre (or of its provincial centre) or a supervisor covering it."""
    if not is_signed_in(viewer):
        return False
    centre = section.centre
    centres, _regions = viewer_scope(viewer)
    if centre.code in centres:
        return True
    category = str(section.tender_project.project.category_id)
    return supervises(viewer, region=centre.region, category=category)


def _may_see(viewer: Viewer | None, section: Section, organisation_id: int) -> bool:
    if _member(viewer, organisation_id):
        return True
    return _official(viewer, section) and opened(section)


def access_sub_account(*, viewer: Viewer | None, uid: uuid.UUID | str) -> SubAccount:
    """A sub-account the viewer may see: its own organisation's; staff of the section's centre and the
    supervisors covering it from the section's opening on. "Missing", "not yours" and "not opened yet"
    raise the same not-found error."""
    found = (
        SubAccount.objects.select_related(
            "section__centre", "section__tender_project__project", "organisation"
        )
        .filter(uid=uid)
        .first()
    )
    if found is None or not _may_see(viewer, found.section, found.organisation_id):
        raise DomainError(CoreError.NOT_FOUND)
    return found


def _beneficiary(viewer: Viewer | None, section: Section) -> bool:
    """The initiator of the section's tender project or its agent (the guarantee's beneficiary, who may
    claim on it), from the section's opening on."""
    return (
        is_signed_in(viewer)
        and opened(section)
        and tendering_selectors.acts_for(viewer, section.tender_project)
    )


def access_guarantee(*, viewer: Viewer | None, uid: uuid.UUID | str) -> Guarantee:
    """A guarantee the viewer may see: its bidder's at any time; staff of the section's centre, the
    supervisors covering it, and the initiator of its tender project or its agent (the beneficiary, who
    may claim on it) from the section's opening on. "Missing", "not yours" and "not opened yet" raise the
    same not-found error."""
    found = (
        Guarantee.objects.select_related(
            "section__centre", "section__tender_project__project", "organisation"
        )
        .filter(uid=uid)
        .first()
    )
    if found is None or not (
        _may_see(viewer, found.section, found.organisation_id) or _beneficiary(viewer, found.section)
    ):
        raise DomainError(CoreError.NOT_FOUND)
    return found


def guarantee_document(guarantee: Guarantee) -> Blob | None:
    """The stored document of a guarantee (by the SM3 its signed body names), once the caller has it
    from `access_guarantee`; None when there is none."""
    if not guarantee.document_sm3:
        return None
    return Blob.objects.filter(sm3=guarantee.document_sm3).first()


# --- a section's securities after its opening ----------------------------------------------------------


def _readable_sections_q(viewer: Viewer | None) -> Q:
    """The sections whose securities `viewer` may read after the opening: its centres' (staff, and the
    centres under them), its jurisdiction's (supervisors: the centre's region, and the category if the
    grant names one; as `supervises`), its projects' (the initiator and its agent)."""
    if not is_signed_in(viewer):
        return Q(pk__in=[])
    centres, _regions = viewer_scope(viewer)
    found = Q(centre__code__in=list(centres))
    grants = grants_of(user=viewer).filter(role=Role.SUPERVISOR, revoked_at__isnull=True)
    for region, category in grants.values_list("region", "category"):
        covered = Q(tender_project__project__category_id=category) if category else Q()
        if region:
            covered &= Q(centre__region__startswith=region_prefix(region))
        found |= covered
    return found | notices_selectors.party_q(viewer, prefix="tender_project__project__")


def opened_sections(*, viewer: Viewer | None) -> QuerySet[Section]:
    """The sections, opened by the time authority, whose securities `viewer` may read (its centres', its
    jurisdiction's, its projects'); latest opening first."""
    return (
        Section.objects.filter(_readable_sections_q(viewer), bid_window__opening_at__lte=clock.now())
        .select_related("tender_project__project", "bid_window", "centre")
        .order_by("-bid_window__opening_at", "code")
    )


def access_opened_section(*, viewer: Viewer | None, code: str) -> Section:
    """A section whose securities `viewer` may read, once its opening time has come; "missing", "not
    yours" and "not opened yet" are the same not-found (before the opening no one but a bidder may learn
    who gave a security)."""
    found = opened_sections(viewer=viewer).filter(code=code).first()
    if found is None:
        raise DomainError(CoreError.NOT_FOUND)
    return found


def access_party_section(*, viewer: Viewer | None, code: str) -> Section:
    """An opened section of a tender project `viewer` acts for (initiator or agent: to keep a deposit or
    claim on a guarantee); any other is the same not-found."""
    found = access_opened_section(viewer=viewer, code=code)
    if not is_signed_in(viewer) or not tendering_selectors.acts_for(viewer, found.tender_project):
        raise DomainError(CoreError.NOT_FOUND)
    return found


@dataclass(frozen=True)
class Reader:
    """What `viewer` is for an opened section's securities: `official` (staff of its centre or above, or
    a supervisor covering it: sees payers and flags), `staff` (staff of its own centre holding the role:
    triggers and orders refunds), `party` (the initiator or its agent: forfeits, claims)."""

    official: bool
    staff: bool
    party: bool


def reader_of(*, viewer: Viewer | None, section: Section) -> Reader:
    if not is_signed_in(viewer):
        return Reader(False, False, False)
    centres, _regions = viewer_scope(viewer)
    return Reader(
        official=_official(viewer, section),
        staff=section.centre.code in centres and Role.CENTRE_STAFF in user_roles(viewer),
        party=tendering_selectors.acts_for(viewer, section.tender_project),
    )


def section_bidders(section: Section) -> list[Organisation]:
    """The section's bidders (a standing sealed bid: `sealing.selectors.bidder_organisations`) and whoever
    began to give a bid security on it, by name. No visibility applied: for a section the caller got from
    `access_opened_section`."""
    ids = {o.pk for o in sealing_selectors.bidder_organisations(section)}
    ids |= set(
        SubAccount.objects.filter(section=section, purpose=Purpose.BID).values_list("organisation", flat=True)
    )
    ids |= set(
        Guarantee.objects.filter(section=section, purpose=Purpose.BID).values_list("organisation", flat=True)
    )
    return list(Organisation.objects.filter(pk__in=ids).order_by("name", "pk"))


def section_payers(section: Section) -> dict[int, list[tuple[str, str]]]:
    """Who paid into each bidder's bid sub-account, by organisation id: (name, account) as the encrypted
    fields show them to people, masked. For officials only (`Reader.official`), after the opening."""
    payers: dict[int, set[tuple[str, str]]] = {}
    paid_in = Credit.objects.filter(sub_account__section=section, sub_account__purpose=Purpose.BID)
    for credit in paid_in.select_related("sub_account"):
        payers.setdefault(credit.sub_account.organisation_id, set()).add(
            (str(credit.payer_name), str(credit.payer_account))
        )
    return {pk: sorted(found) for pk, found in payers.items()}


def section_guarantees(section: Section) -> list[Guarantee]:
    """The bid guarantees given or applied for on the section, newest application first."""
    return list(Guarantee.objects.filter(section=section, purpose=Purpose.BID).order_by("-applied_at"))


def section_refunds(section: Section) -> list[Refund]:
    """The refunds of the section's sub-accounts, each with its organisation."""
    return list(
        Refund.objects.filter(sub_account__section=section).select_related("sub_account__organisation")
    )


def section_refund(section: Section, uid: uuid.UUID | str) -> Refund:
    """One refund of the section's sub-accounts; one of another section, or none, is not found."""
    found = Refund.objects.filter(uid=uid, sub_account__section=section).first()
    if found is None:
        raise DomainError(CoreError.NOT_FOUND)
    return found


def has_sub_account(section: Section, organisation: Organisation) -> bool:
    """Whether the organisation has a sub-account on the section (a deposit that could be kept)."""
    return SubAccount.objects.filter(section=section, organisation=organisation).exists()


# --- the bidder's workspace ---------------------------------------------------------------------------


class Mine(NamedTuple):
    """A section the bidder's organisation obtained the documents of and that requires a security."""

    section: Section
    requirement: Requirement
    status: SecurityStatus
    organisation: Organisation | None = None  # the viewer's organisation that obtained the documents


def mine(*, viewer: Viewer | None) -> list[Mine]:
    """The sections whose issued documents one of the viewer's bidder organisations obtained and that
    require a bid security, each with its requirement and that organisation's status, soonest deadline
    first (none for anyone else)."""
    organisations = tendering_selectors.bidder_organisations(viewer) if viewer is not None else []
    if not organisations:
        return []
    holdings = (
        DocumentsHolder.objects.filter(
            organisation_id__in=organisations, documents__state=DocumentsState.ISSUED
        )
        .select_related("documents", "organisation")
        .order_by("pk")
    )
    out: list[Mine] = []
    seen: set[tuple[int, int]] = set()
    for holding in holdings:
        for section in tendering_selectors.sections_of(holding.documents):
            if (section.pk, holding.organisation_id) in seen:
                continue
            seen.add((section.pk, holding.organisation_id))
            try:
                need = requirement(section, Purpose.BID)
            except DomainError:
                continue
            if not need.required:
                continue
            found = _gather(section, Purpose.BID, [holding.organisation_id])[holding.organisation_id]
            out.append(Mine(section, need, _decide(need, found), holding.organisation))
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    return sorted(out, key=lambda m: (m.requirement.deadline or far, m.section.code))


def access_my_section(*, viewer: Viewer | None, code: str) -> tuple[Mine, Organisation]:
    """A section that asks one of the viewer's bidder organisations for a bid security (`mine`), with
    that organisation (the one that obtained the documents); any other is not found."""
    for entry in mine(viewer=viewer):
        if entry.section.code == code and entry.organisation is not None:
            return entry, entry.organisation
    raise DomainError(CoreError.NOT_FOUND)


@dataclass(frozen=True)
class OwnSecurities:
    """What the bidder's page of one section shows: its organisation's bid sub-account (if opened) with its
    credits and refunds, its guarantees, the requirement and the status. Its own only."""

    section: Section
    organisation: Organisation
    requirement: Requirement
    status: SecurityStatus
    sub_account: SubAccount | None
    credits: list[Credit]
    refunds: list[Refund]
    guarantees: list[Guarantee]


def own_securities(*, viewer: Viewer | None, code: str) -> OwnSecurities:
    """The bid security of the section `code` as the viewer's bidder organisation gave it
    (`access_my_section`: the same not-found for a section that is not its own)."""
    entry, organisation = access_my_section(viewer=viewer, code=code)
    section = entry.section
    account = SubAccount.objects.filter(
        purpose=Purpose.BID, section=section, organisation=organisation
    ).first()
    return OwnSecurities(
        section=section,
        organisation=organisation,
        requirement=entry.requirement,
        status=entry.status,
        sub_account=account,
        credits=list(account.credits.all()) if account is not None else [],
        refunds=list(account.refunds.all()) if account is not None else [],
        guarantees=list(
            Guarantee.objects.filter(purpose=Purpose.BID, section=section, organisation=organisation)
        ),
    )


# --- the payer flags (实施条例 §40) -----------------------------------------------------------------------


def flags_of(section: Section) -> list[Flag]:
    """The payer flags stored for `section` when they were computed (once, at its deadline:
    `services.flags.flags_compute`); this never computes them. For evaluation and analytics."""
    return list(Flag.objects.filter(section=section).prefetch_related("organisations").order_by("kind", "pk"))


def flags_visible(*, viewer: Viewer | None, section: Section) -> list[Flag]:
    """The payer flags a viewer may read: they are for the evaluation committee and the supervisors,
    never for a bidder. Until the evaluation app exists: supervisors covering the section's region and
    staff of its centre, from the section's opening on. Anyone else (a bidder, the initiator, before the
    opening) gets an empty list, the same as a section without flags."""
    if not _official(viewer, section) or not opened(section):
        return []
    return flags_of(section)


# --- the finance staff's reconciliation ---------------------------------------------------------------


@dataclass(frozen=True)
class StatementLine:
    """A bank's day statement as reconciled: how many mismatches concern the viewer's centres (or no
    sub-account the platform knows), by kind — never a payer, a sub-account or a section."""

    bank: str
    date: dt.date
    reconciled_at: dt.datetime
    mismatches: int
    kinds: dict[str, int]


@dataclass(frozen=True)
class SectionRefunds:
    """Refund counts of one opened section of the viewer's centres."""

    section: Section
    due: int
    overdue: int
    paid: int
    refused: int


@dataclass(frozen=True)
class ReconciliationOverview:
    statements: list[StatementLine]
    refunds_due: int
    refunds_overdue: int
    refunds_refused: int
    sections: list[SectionRefunds]


STATEMENTS_SHOWN = 30
_WAITING = (RefundState.DUE, RefundState.ORDERED)


def _mismatch_centres(statements: list[Statement]) -> tuple[dict[tuple[str, str], str], dict[str, str]]:
    """The centre each mismatch's credit (by bank transaction) or refund (by refund id) belongs to."""
    transactions: set[tuple[str, str]] = set()
    refund_ids: set[str] = set()
    for statement in statements:
        for mismatch in statement.mismatches or []:
            if not isinstance(mismatch, dict):
                continue
            if mismatch.get("transaction"):
                transactions.add((statement.bank, str(mismatch["transaction"])))
            if mismatch.get("refund"):
                refund_ids.add(str(mismatch["refund"]))
    by_transaction: dict[tuple[str, str], str] = {}
    if transactions:
        query = Q()
        for bank, transaction in transactions:
            query |= Q(bank=bank, transaction=transaction)
        for bank, transaction, centre in Credit.objects.filter(query).values_list(
            "bank", "transaction", "sub_account__section__centre__code"
        ):
            by_transaction[(bank, transaction)] = centre
    by_refund = dict(
        Refund.objects.filter(refund_id__in=refund_ids).values_list(
            "refund_id", "sub_account__section__centre__code"
        )
    )
    return by_transaction, by_refund


def reconciliation_overview(*, viewer: Viewer | None) -> ReconciliationOverview:
    """For the finance staff of a centre: the banks' latest reconciled statements with their mismatch
    counts and kinds (those about the viewer's centres, or about no sub-account the platform knows), and
    the refunds of the centres' sections counted — due, overdue, refused — only for sections whose
    opening has come (a refund before it would tell of a withdrawal: secrecy), per section likewise. No
    payer's name, account or transaction is in it; every business day is reconciled whether anyone paid or
    not (`deposits.reconcile_due`), so the days listed tell nothing either. Anyone but centre staff gets an
    empty overview."""
    centres, _regions = viewer_scope(viewer)
    if not centres:
        return ReconciliationOverview([], 0, 0, 0, [])
    statements = list(Statement.objects.order_by("-date", "bank")[:STATEMENTS_SHOWN])
    by_transaction, by_refund = _mismatch_centres(statements)
    lines: list[StatementLine] = []
    for statement in statements:
        kinds: Counter[str] = Counter()
        for mismatch in statement.mismatches or []:
            if not isinstance(mismatch, dict):
                continue
            if mismatch.get("transaction"):
                centre = by_transaction.get((statement.bank, str(mismatch["transaction"])))
            elif mismatch.get("refund"):
                centre = by_refund.get(str(mismatch["refund"]))
            else:
                centre = None
            if centre is None or centre in centres:
                kinds[str(mismatch.get("kind", ""))] += 1
        lines.append(
            StatementLine(
                statement.bank, statement.date, statement.reconciled_at, sum(kinds.values()), dict(kinds)
            )
        )
    now = clock.now()
    refunds = Refund.objects.filter(
        sub_account__section__centre__code__in=centres, sub_account__section__bid_window__opening_at__lte=now
    ).values_list("sub_account__section_id", "state", "due_by")
    counts: dict[int, Counter[str]] = {}
    for section_id, state, due_by in refunds:
        tally = counts.setdefault(section_id, Counter())
        if state in _WAITING:
            tally["waiting"] += 1
            if due_by < now:
                tally["late"] += 1
        tally[state] += 1
    sections = Section.objects.in_bulk(list(counts))
    rows = [
        SectionRefunds(sections[pk], c["waiting"], c["late"], c[RefundState.PAID], c[RefundState.REFUSED])
        for pk, c in counts.items()
    ]
    rows.sort(key=lambda r: r.section.code)
    return ReconciliationOverview(
        lines,
        sum(r.due for r in rows),
        sum(r.overdue for r in rows),
        sum(r.refused for r in rows),
        rows,
    )
