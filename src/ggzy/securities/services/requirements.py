"""What security a section requires, read once from the issued documents' criteria record (`bid_security`,
`bid_validity_days`), the section's bid window (the deadline) and the method table (the regime: which
refund rules apply) — or, for the performance security, from the initiator's demand. Every service and
page of the app asks here; none reads the criteria record itself."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ggzy.accounts.models import Organisation
from ggzy.calendar import calc
from ggzy.core.errors import DomainError
from ggzy.registry.models import Section
from ggzy.sealing import selectors as sealing_selectors
from ggzy.securities.errors import SecuritiesError
from ggzy.securities.models import PerformanceSecurity, Purpose
from ggzy.tendering import selectors as tendering_selectors

#: Forms of the criteria record (docs/criteria-format.md) that are a deposit into the bank sub-account.
DEPOSIT_FORMS = frozenset({"cash", "transfer"})
#: The issuer kinds (docs/guarantee-interface.md §1) each guarantee form of the record accepts.
GUARANTEE_FORMS = {"guarantee": ("bank", "guarantor"), "insurance": ("insurer",)}
#: The refund regimes, by trading category (registry.TradingCategory code); others follow engineering's.
REGIMES = {"engineering": "engineering", "procurement": "procurement"}


@dataclass(frozen=True)
class Requirement:
    """The security one bidder must give on a section for a purpose. `amount_fen` 0: none required."""

    section: Section
    purpose: str
    amount_fen: int
    forms: tuple[str, ...]
    deadline: dt.datetime | None  # the bid deadline (a bid security must arrive before it)
    validity_until: dt.date | None  # the last day the security must cover (实施条例 §26: = bid validity)
    regime: str  # engineering | procurement
    initiator: Organisation
    tender_project_code: str

    @property
    def required(self) -> bool:
        return self.amount_fen > 0

    @property
    def deposit(self) -> bool:
        """The documents accept a deposit (into the bank sub-account)."""
        return bool(DEPOSIT_FORMS.intersection(self.forms))

    @property
    def guarantee_kinds(self) -> tuple[str, ...]:
        """The issuer kinds whose guarantee the documents accept."""
        kinds: list[str] = []
        for form in self.forms:
            kinds.extend(k for k in GUARANTEE_FORMS.get(form, ()) if k not in kinds)
        return tuple(kinds)


def regime_of(section: Section) -> str:
    return REGIMES.get(str(section.tender_project.project.category_id), "engineering")


def requirement(
    section: Section, purpose: str = Purpose.BID, organisation: Organisation | None = None
) -> Requirement:
    """The security `section` requires (of `organisation`, for a performance security). DomainError
    `security_no_documents` while no documents are issued (or, for a performance security, demanded)."""
    project = section.tender_project.project

    def made(
        amount: int, forms: tuple[str, ...], deadline: dt.datetime | None, until: dt.date | None
    ) -> Requirement:
        return Requirement(
            section=section,
            purpose=str(purpose),
            amount_fen=amount,
            forms=forms,
            deadline=deadline,
            validity_until=until,
            regime=regime_of(section),
            initiator=project.initiator,
            tender_project_code=section.tender_project.code,
        )

    if purpose == Purpose.PERFORMANCE:
        demand = (
            PerformanceSecurity.objects.filter(section=section, organisation=organisation).first()
            if organisation is not None
            else None
        )
        if demand is None:
            raise DomainError(SecuritiesError.NO_DOCUMENTS)
        return made(demand.amount_fen, tuple(demand.forms), demand.due_at, demand.cover_until)
    documents = tendering_selectors.documents_of_section(section)
    record = (documents.criteria or {}).get(section.code) if documents is not None else None
    if not isinstance(record, dict):
        raise DomainError(SecuritiesError.NO_DOCUMENTS)
    security = record.get("bid_security") or {}
    amount = security.get("amount_fen") if security.get("kind") == "amount" else 0
    # 实施条例 §25: the bid validity counts from the deadline's day; 民法典 §201: from the day after it
    window = sealing_selectors.window_of(section)
    deadline = window.deadline if window is not None else None
    days = record.get("bid_validity_days")
    validity = (
        calc.day_of(deadline) + dt.timedelta(days=days)
        if deadline is not None and isinstance(days, int) and days > 0
        else None
    )
    return made(
        amount if isinstance(amount, int) and amount > 0 else 0,
        tuple(str(f) for f in security.get("forms") or ()),
        deadline,
        validity,
    )
