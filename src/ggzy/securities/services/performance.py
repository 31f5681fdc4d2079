"""The performance security (履约保证金) the initiator demands of the awarded bidder before the contract:
at most the trading method's cap of the contract amount (招标投标法实施条例 §58, 政府采购法实施条例 §48:
10 %), in the forms the method allows (non-cash where it says so). Once demanded, `requirement(section,
Purpose.PERFORMANCE, organisation)` reads it, and the security is given and refunded as a bid security is.
The demand is recorded as the event `securities.performance.demanded`."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from ggzy.accounts.models import Organisation
from ggzy.core import clock
from ggzy.core.errors import CoreError, DomainError
from ggzy.core.formatting import yuan
from ggzy.core.types import Actor
from ggzy.registry import methods
from ggzy.registry.errors import RegistryError
from ggzy.registry.models import Section
from ggzy.sealing import selectors as sealing_selectors
from ggzy.securities.errors import SecuritiesError
from ggzy.securities.event_types import SecuritiesEvents
from ggzy.securities.models import PerformanceSecurity
from ggzy.securities.services.common import section_event
from ggzy.tendering import selectors as tendering_selectors

#: The forms of the criteria record (docs/criteria-format.md); "cash" is cash or a cheque.
FORMS = ("cash", "transfer", "guarantee", "insurance")
CAP_RULE = "performance_security_cap_pct"
CASH_RULE = "performance_security_cash_allowed"


def _fen(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise DomainError(SecuritiesError.AMOUNT_INVALID)
    return value


def _forms(forms: object) -> list[str]:
    chosen = list(forms) if isinstance(forms, list | tuple) else []
    if not chosen or any(f not in FORMS for f in chosen):
        raise DomainError(SecuritiesError.FORM_NOT_ALLOWED, detail={"forms": ", ".join(FORMS)})
    return list(dict.fromkeys(str(f) for f in chosen))


@transaction.atomic
def performance_demand(
    *,
    actor: Actor,
    section: Section,
    organisation: Organisation,
    contract_fen: int,
    amount_fen: int,
    forms: list[str],
    due_at: dt.datetime,
    cover_until: dt.date,
) -> PerformanceSecurity:
    """Demand a performance security of `amount_fen` for a contract of `contract_fen`, in `forms`, to be
    given before `due_at` and cover until `cover_until`. Refused: above the method's cap
    (`security_performance_cap`, the cap in yuan and its source), cash where the method forbids it or an
    unknown form (`security_form_not_allowed`), an amount that is not a positive whole number of fen
    (`security_amount_invalid`), a demand made already (`security_performance_demanded`); someone who is
    not the initiator or its agent, or before the section's opening: not found."""
    if not tendering_selectors.acts_for(actor, section.tender_project):
        raise DomainError(CoreError.NOT_FOUND)
    window = sealing_selectors.window_of(section)
    now = clock.now()
    if window is None or now < window.opening_at:
        raise DomainError(CoreError.NOT_FOUND)
    contract, amount = _fen(contract_fen), _fen(amount_fen)
    if due_at.tzinfo is None or due_at.utcoffset() is None:
        raise DomainError(CoreError.VALIDATION_FAILED, detail={"due_at": "aware"})
    if not isinstance(cover_until, dt.date) or cover_until < clock.local_now().date():
        raise DomainError(CoreError.VALIDATION_FAILED, detail={"cover_until": str(cover_until)})
    rules = methods.rules_of(section.method_id)
    chosen = _forms(forms)
    try:
        methods.performance_security_check(
            rules, contract_fen=contract, amount_fen=amount, cash="cash" in chosen
        )
    except DomainError as exc:
        if exc.code is RegistryError.METHOD_SECURITY_CASH:
            raise _forms_refused(rules) from exc
        pct = rules.performance_security_cap_pct or 0
        raise DomainError(
            SecuritiesError.PERFORMANCE_CAP,
            detail={
                "cap": yuan(contract * pct // 100),
                "cap_fen": contract * pct // 100,
                "source": rules.source(CAP_RULE),
            },
        ) from exc
    if PerformanceSecurity.objects.filter(section=section, organisation=organisation).exists():
        raise DomainError(SecuritiesError.PERFORMANCE_DEMANDED)
    demand = PerformanceSecurity.objects.create(
        section=section,
        organisation=organisation,
        contract_fen=contract,
        amount_fen=amount,
        forms=chosen,
        due_at=due_at,
        cover_until=cover_until,
        demanded_by=actor,
        demanded_at=now,
    )
    section_event(
        SecuritiesEvents.PERFORMANCE_DEMANDED,
        section,
        actor,
        {
            "organisation": organisation.uid.hex,
            "contract_fen": contract,
            "amount_fen": amount,
            "forms": chosen,
            "source": rules.source(CAP_RULE),
        },
    )
    return demand


def _forms_refused(rules: methods.MethodRules) -> DomainError:
    allowed = [f for f in FORMS if f != "cash"]
    return DomainError(
        SecuritiesError.FORM_NOT_ALLOWED,
        detail={"forms": ", ".join(allowed), "source": rules.source(CASH_RULE)},
    )
