"""Keeping a deposit (不予退还): only where the law gives the reason and the documents say so.

- `withdrawn_after_deadline` — the bidder withdrew its bid after the deadline: 招标投标法实施条例 §35 ¶2
  (procurement: 政府采购货物和服务招标投标管理办法 §38 and the documents [verify]);
- `refused_contract` — the awarded bidder refused, without good reason, to sign the contract or to give
  the performance security: 招标投标法实施条例 §74 (procurement: 政府采购法实施条例 §33 and the documents
  [verify]);
- `breach` — the contractor did not perform (a performance security): 招标投标法 §60 (procurement: the
  contract, 政府采购法实施条例 §48 [verify]).

The first two keep a bid security, the last a performance security. The documents' clause is required
(a security is kept only where the documents say so as well); once per security; never while a refund is
standing. Only the initiator or its agent of the tender project records it, from the section's opening on
(before it, nothing may reveal who paid: the same not-found as for anyone else). A guarantee is claimed
through the issuer instead (`guarantees.guarantee_claim`)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from ggzy.accounts.models import Organisation
from ggzy.core import clock
from ggzy.core.errors import CoreError, DomainError
from ggzy.core.types import Actor
from ggzy.registry.models import Section
from ggzy.sealing import selectors as sealing_selectors
from ggzy.securities.errors import SecuritiesError
from ggzy.securities.event_types import SecuritiesEvents
from ggzy.securities.models import (
    Credit,
    Forfeiture,
    ForfeitureReason,
    Purpose,
    Refund,
    RefundState,
    SubAccount,
)
from ggzy.securities.services.common import section_event
from ggzy.securities.services.requirements import regime_of
from ggzy.tendering import selectors as tendering_selectors

#: The legal basis of each reason, by regime (engineering, procurement).
BASIS = {
    (ForfeitureReason.WITHDRAWN_AFTER_DEADLINE, "engineering"): "招标投标法实施条例 §35 第二款",
    (ForfeitureReason.WITHDRAWN_AFTER_DEADLINE, "procurement"): (
        "政府采购货物和服务招标投标管理办法（财政部令第87号）§38 及招标文件 [verify]"
    ),
    (ForfeitureReason.REFUSED_CONTRACT, "engineering"): "招标投标法实施条例 §74",
    (ForfeitureReason.REFUSED_CONTRACT, "procurement"): "政府采购法实施条例 §33 及招标文件 [verify]",
    (ForfeitureReason.BREACH, "engineering"): "招标投标法 §60",
    (ForfeitureReason.BREACH, "procurement"): "政府采购法实施条例 §48 及政府采购合同 [verify]",
}
#: The security each reason keeps.
PURPOSE_OF = {
    ForfeitureReason.WITHDRAWN_AFTER_DEADLINE: Purpose.BID,
    ForfeitureReason.REFUSED_CONTRACT: Purpose.BID,
    ForfeitureReason.BREACH: Purpose.PERFORMANCE,
}
CLAUSE_MAX = Forfeiture._meta.get_field("documents_clause").max_length or 300


def _basis_refused(reason: object) -> DomainError:
    return DomainError(SecuritiesError.FORFEITURE_BASIS, detail={"reason": str(reason)})


def _counted_fen(sub_account: SubAccount, deadline: dt.datetime) -> int:
    """What counted in the sub-account: the credits that arrived before the deadline in force (as
    `selectors.status_of` counts them; a late one is refunded, never kept)."""
    rows = Credit.objects.filter(sub_account=sub_account).values_list("amount_fen", "instant")
    return sum(fen for fen, instant in rows if instant < deadline)


@transaction.atomic
def deposit_forfeit(
    *, actor: Actor, section: Section, organisation: Organisation, reason: str, documents_clause: str
) -> Forfeiture:
    """Keep `organisation`'s deposit on `section` for `reason` (a `ForfeitureReason`), recording the legal
    basis and the documents' clause. Refused: another reason (`security_forfeiture_basis`), no clause
    (`security_forfeiture_basis`), a bid security before the deadline, nothing paid, kept already
    (`security_forfeited`), a refund standing (`security_refund_done`); someone who is not the initiator
    or its agent, before the opening, or no such deposit: not found."""
    if not tendering_selectors.acts_for(actor, section.tender_project):
        raise DomainError(CoreError.NOT_FOUND)
    window = sealing_selectors.window_of(section)
    now = clock.now()
    if window is None or now < window.opening_at:
        raise DomainError(CoreError.NOT_FOUND)
    if reason not in ForfeitureReason.values:
        raise _basis_refused(
            _("only withdrawal after the deadline, refusing the contract, or a breach of it")
        )
    clause = (documents_clause or "").strip()
    if not clause:
        raise _basis_refused(_("name the clause of the documents that provides for it"))
    if len(clause) > CLAUSE_MAX:
        raise DomainError(CoreError.VALIDATION_FAILED, detail={"documents_clause": CLAUSE_MAX})
    reason = ForfeitureReason(reason)
    purpose = PURPOSE_OF[reason]
    sub_account = (
        SubAccount.objects.select_for_update()
        .filter(section=section, organisation=organisation, purpose=purpose)
        .first()
    )
    if sub_account is None:
        raise DomainError(CoreError.NOT_FOUND)
    if purpose == Purpose.BID and now < window.deadline:
        raise _basis_refused(_("before the deadline a bid may be withdrawn and its security is refunded"))
    if Forfeiture.objects.filter(sub_account=sub_account).exists():
        raise DomainError(SecuritiesError.FORFEITED)
    if Refund.objects.filter(sub_account=sub_account).exclude(state=RefundState.REFUSED).exists():
        raise DomainError(SecuritiesError.REFUND_DONE)
    amount = _counted_fen(sub_account, window.deadline if purpose == Purpose.BID else sub_account.deadline)
    if amount == 0:
        raise _basis_refused(_("nothing was paid into the sub-account before the deadline"))
    basis = BASIS[(reason, regime_of(section))]
    forfeiture = Forfeiture.objects.create(
        sub_account=sub_account,
        reason=reason,
        basis=basis,
        documents_clause=clause,
        amount_fen=amount,
        recorded_by=actor,
        recorded_at=now,
    )
    section_event(
        SecuritiesEvents.FORFEITED,
        section,
        actor,
        {
            "forfeiture": str(forfeiture.uid),
            "security": "deposit",
            "purpose": str(purpose),
            "reason": str(reason),
            "basis": basis,
            "documents_clause": clause,
            "amount_fen": amount,
        },
        organisation=organisation.uscc,
    )
    return forfeiture
