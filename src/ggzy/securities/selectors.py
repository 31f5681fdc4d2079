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

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ggzy.accounts.models import Membership, Organisation
from ggzy.accounts.selectors import supervises, viewer_scope
from ggzy.core import clock
from ggzy.core.access import is_signed_in
from ggzy.core.errors import CoreError, DomainError
from ggzy.core.formatting import yuan
from ggzy.core.types import Viewer
from ggzy.registry.models import Section
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
    )


def _gather(section: Section, purpose: str, organisation_ids: list[int]) -> dict[int, _Found]:
    """Sub-accounts, credits and guarantees of the organisations on the section: three queries."""
    found: dict[int, _Found] = {pk: _Found() for pk in organisation_ids}
    accounts = SubAccount.objects.filter(
        section=section, purpose=purpose, organisation_id__in=organisation_ids
    )
    for organisation_id, account_uid in accounts.values_list("organisation_id", "uid"):
        found[organisation_id].sub_account = account_uid
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


def access_guarantee(*, viewer: Viewer | None, uid: uuid.UUID | str) -> Guarantee:
    """A guarantee the viewer may see (as `access_sub_account`): the same not-found otherwise."""
    found = (
        Guarantee.objects.select_related(
            "section__centre", "section__tender_project__project", "organisation"
        )
        .filter(uid=uid)
        .first()
    )
    if found is None or not _may_see(viewer, found.section, found.organisation_id):
        raise DomainError(CoreError.NOT_FOUND)
    return found


# --- the bidder's workspace ---------------------------------------------------------------------------


class Mine(NamedTuple):
    """A section the bidder's organisation obtained the documents of and that requires a security."""

    section: Section
    requirement: Requirement
    status: SecurityStatus


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
        .select_related("documents")
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
            out.append(Mine(section, need, _decide(need, found)))
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    return sorted(out, key=lambda m: (m.requirement.deadline or far, m.section.code))


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
    payer's name, account or transaction is in it. Anyone but centre staff gets an empty overview."""
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
