"""The registry's writes, one module per seam: `filing` (a registration filed, its codes issued),
`review` (the workflow after filing: items, the one-time notice, acceptance, promised items), `leave`
(staff leave, for the AB角 rule) and `categories` (what a centre serves). Reads are
`registry.selectors`. Callers import the services from here."""

from __future__ import annotations

from ggzy.registry.services.categories import category_serve
from ggzy.registry.services.filing import (
    REVIEW_RULE,
    Promise,
    SectionIn,
    TenderProjectIn,
    Upload,
    registration_file,
)
from ggzy.registry.services.leave import leave_record
from ggzy.registry.services.review import (
    item_supply,
    notice_issue,
    promised_item_confirm,
    registration_accept,
    registration_resubmit,
    step_check,
)

__all__ = [
    "REVIEW_RULE",
    "Promise",
    "SectionIn",
    "TenderProjectIn",
    "Upload",
    "category_serve",
    "item_supply",
    "leave_record",
    "notice_issue",
    "promised_item_confirm",
    "registration_accept",
    "registration_file",
    "registration_resubmit",
    "step_check",
]
