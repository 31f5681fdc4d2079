"""The payer flags of deemed collusion (实施条例 §40), computed once per section at its bid deadline.

Over every credit (counted or late) into the section's bid sub-accounts:

- `same_payer_account`: two or more bidders' deposits came from the same account (compared by the
  account's search hash, never decrypted) — 招标投标法实施条例 §40(五) "不同投标人的投标保证金从同一
  单位或者个人的账户转出"; procurement's analogue 87号令 §37 [verify];
- `payer_not_bidder`: the payer's name is not the bidder organisation's (compared after removing
  whitespace and folding full-width forms, so "（" and "(" are the same) — engineering: 实施条例 §26 ¶2
  and §40(五); procurement: 87号令 §37 [verify];
- `not_basic_account` (engineering only): 实施条例 §26 ¶2 — a deposit in cash or by cheque is paid from
  the bidder's basic account; its basic account is the one the market-entity library records (an item
  of kind `bank_account` with `account_kind` "basic", compared by its search hash). A bidder that
  recorded none is flagged too ("no basic account in the library").

The evidence names the bank transactions and shows accounts and names masked, never in full. Evaluation
and analytics read the stored flags (`selectors.flags_of`); nothing computes them again: a second call, or
a credit recorded later, changes nothing."""

from __future__ import annotations

import datetime as dt
import logging
import unicodedata
from collections import defaultdict

from django.db import transaction

from ggzy.accounts.models import Organisation
from ggzy.core import clock
from ggzy.core.fields import Sealed
from ggzy.entities import selectors as entities_selectors
from ggzy.entities.models import ItemKind
from ggzy.registry.models import Section
from ggzy.sealing import selectors as sealing_selectors
from ggzy.securities.event_types import SecuritiesEvents
from ggzy.securities.models import Credit, Flag, FlagKind, FlagRun, Purpose, SubAccount
from ggzy.securities.services.common import section_event
from ggzy.securities.services.requirements import regime_of

logger = logging.getLogger(__name__)

#: A flag found: the organisations concerned and the evidence.
Found = tuple[list[Organisation], dict[str, object]]

#: The legal basis of each flag, by regime (engineering, procurement).
BASIS = {
    (FlagKind.SAME_PAYER_ACCOUNT, "engineering"): "招标投标法实施条例 §40(五)",
    (
        FlagKind.SAME_PAYER_ACCOUNT,
        "procurement",
    ): "政府采购货物和服务招标投标管理办法（财政部令第87号）§37 [verify]",
    (FlagKind.PAYER_NOT_BIDDER, "engineering"): "招标投标法实施条例 §26 第二款、§40(五)",
    (
        FlagKind.PAYER_NOT_BIDDER,
        "procurement",
    ): "政府采购货物和服务招标投标管理办法（财政部令第87号）§37 [verify]",
    (FlagKind.NOT_BASIC_ACCOUNT, "engineering"): "招标投标法实施条例 §26 第二款",
}
#: The evidence of a bidder with no basic account recorded in its library.
NO_BASIC_ACCOUNT = "no basic account in the library"


def name_key(name: str) -> str:
    """A name compared for sameness: full-width forms folded (NFKC: "（" is "("), whitespace removed."""
    folded = unicodedata.normalize("NFKC", name)
    return "".join(folded.split()).casefold()


def _plain(value: object) -> str:
    return value.decrypt_for_system() if isinstance(value, Sealed) else str(value or "")


def _masked(value: object) -> str:
    return value.masked if isinstance(value, Sealed) else ""


def _line(credit: Credit) -> dict[str, object]:
    """A credit as evidence: its transaction, amount, time and the payer's account masked."""
    return {
        "bank": credit.bank,
        "transaction": credit.transaction,
        "amount_fen": credit.amount_fen,
        "instant": credit.instant.isoformat(),
        "late": credit.late,
        "account": _masked(credit.payer_account),
    }


def _basic_lookups(organisation: Organisation, deadline: dt.datetime) -> set[str]:
    """The search hashes of the organisation's basic accounts recorded in its library at the deadline."""
    items = entities_selectors.library(organisation=organisation, kind=ItemKind.BANK_ACCOUNT, retired=True)
    return {
        item.account_lookup
        for item in items
        if (item.data or {}).get("account_kind") == "basic"
        and item.account_lookup
        and item.created_at <= deadline
        and (item.retired_at is None or item.retired_at > deadline)
    }


def _same_payer(paid_in: list[Credit]) -> list[Found]:
    by_account: dict[str, list[Credit]] = defaultdict(list)
    for credit in paid_in:
        if credit.payer_account_lookup:
            by_account[credit.payer_account_lookup].append(credit)
    found: list[Found] = []
    for group in by_account.values():
        organisations = {c.sub_account.organisation_id: c.sub_account.organisation for c in group}
        if len(organisations) >= 2:  # noqa: PLR2004  (two bidders or more)
            evidence: dict[str, object] = {
                "account": _masked(group[0].payer_account),
                "credits": [_line(c) | {"organisation": c.sub_account.organisation.name} for c in group],
            }
            found.append((sorted(organisations.values(), key=lambda o: o.pk), evidence))
    return found


def _by_organisation(paid_in: list[Credit]) -> dict[int, list[Credit]]:
    grouped: dict[int, list[Credit]] = defaultdict(list)
    for credit in paid_in:
        grouped[credit.sub_account.organisation_id].append(credit)
    return grouped


def _payer_not_bidder(paid_in: list[Credit]) -> list[Found]:
    found: list[Found] = []
    for group in _by_organisation(paid_in).values():
        organisation = group[0].sub_account.organisation
        others = [c for c in group if name_key(_plain(c.payer_name)) != name_key(organisation.name)]
        if others:
            lines = [_line(c) | {"payer": _masked(c.payer_name)} for c in others]
            found.append(([organisation], {"bidder": organisation.name, "credits": lines}))
    return found


def _not_basic(paid_in: list[Credit], deadline: dt.datetime) -> list[Found]:
    found: list[Found] = []
    for group in _by_organisation(paid_in).values():
        organisation = group[0].sub_account.organisation
        basic = _basic_lookups(organisation, deadline)
        if not basic:
            lines = [_line(c) for c in group]
            found.append(([organisation], {"reason": NO_BASIC_ACCOUNT, "credits": lines}))
            continue
        others = [c for c in group if c.payer_account_lookup not in basic]
        if others:
            found.append(([organisation], {"credits": [_line(c) for c in others]}))
    return found


def flags_compute(*, section: Section) -> FlagRun | None:
    """Compute and store the section's payer flags, once, at or after its bid deadline. A section
    computed already returns its run unchanged (a credit recorded later changes nothing); before the
    deadline (or with no bid window) nothing is computed and None is returned. One transaction (the
    section's row locked, the run looked for again under the lock) and one event
    (`securities.flags.computed`, counts only, for the supervisors, embargoed until the opening)."""
    return _compute(section)[0]


@transaction.atomic
def _compute(section: Section) -> tuple[FlagRun | None, bool]:
    """(the run, whether this call computed it)."""
    locked = (
        Section.objects.select_for_update()
        .select_related("centre", "tender_project__project")
        .get(pk=section.pk)
    )
    existing = FlagRun.objects.filter(section=locked).first()
    if existing is not None:
        return existing, False
    window = sealing_selectors.window_of(locked)
    now = clock.now()
    if window is None or now < window.deadline:
        return None, False
    regime = regime_of(locked)
    paid_in = list(
        Credit.objects.filter(sub_account__section=locked, sub_account__purpose=Purpose.BID)
        .select_related("sub_account__organisation")
        .order_by("instant", "pk")
    )
    run = FlagRun.objects.create(section=locked, computed_at=now, deposits=len(paid_in))
    computed = {
        FlagKind.SAME_PAYER_ACCOUNT: _same_payer(paid_in),
        FlagKind.PAYER_NOT_BIDDER: _payer_not_bidder(paid_in),
    }
    if regime == "engineering":
        computed[FlagKind.NOT_BASIC_ACCOUNT] = _not_basic(paid_in, window.deadline)
    counts: dict[str, int] = {}
    for kind, found in computed.items():
        counts[str(kind)] = len(found)
        for organisations, evidence in found:
            flag = Flag.objects.create(
                run=run, section=locked, kind=kind, basis=BASIS[(kind, regime)], evidence=evidence
            )
            flag.organisations.set(organisations)
    section_event(SecuritiesEvents.FLAGS_COMPUTED, locked, None, {"deposits": len(paid_in), "flags": counts})
    return run, True


def flags_due() -> int:
    """Tick job: compute the flags of every section whose bid deadline has passed, that has bid
    sub-accounts and no computation yet. Returns how many were computed."""
    now = clock.now()
    due = (
        SubAccount.objects.filter(purpose=Purpose.BID, section__bid_window__deadline__lte=now)
        .exclude(section_id__in=FlagRun.objects.values("section_id"))
        .values_list("section_id", flat=True)
        .distinct()
    )
    computed = 0
    for section in Section.objects.filter(pk__in=list(due)).order_by("pk"):
        try:
            computed += _compute(section)[1]
        except Exception:
            logger.exception("securities: the payer flags of %s were not computed", section.code)
    return computed
