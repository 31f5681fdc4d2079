"""The registry's writes, one module per seam: `filing` (a registration filed, its codes issued),
`review` (the workflow after filing: items, the one-time notice, acceptance, promised items), `leave`
(staff leave, for the AB角 rule), `pauses` (a procedure paused, resumed, terminated), `categories`
(what a centre serves), `desk` (the head of a centre's desk and the deputy), `checklists` (a centre's
new checklist versions) and `templates` (the document templates a centre offers, 6.2.6). Reads are
`registry.selectors`. Callers import the services from here."""

from __future__ import annotations

from ggzy.registry.services.categories import category_serve
from ggzy.registry.services.checklists import ItemIn, checklist_revise
from ggzy.registry.services.desk import desk_head_set
from ggzy.registry.services.filing import (
    REVIEW_RULE,
    Promise,
    SectionIn,
    TenderProjectIn,
    Upload,
    registration_file,
)
from ggzy.registry.services.leave import leave_record
from ggzy.registry.services.pauses import ORDER_LONGEST, pause_end, pause_start, procedure_terminate
from ggzy.registry.services.review import (
    item_supply,
    notice_issue,
    promised_item_confirm,
    registration_accept,
    registration_resubmit,
    step_check,
)
from ggzy.registry.services.templates import (
    TEMPLATE_MAX_BYTES,
    TEMPLATE_TYPES,
    template_publish,
    template_replace,
    template_withdraw,
)

__all__ = [
    "ORDER_LONGEST",
    "REVIEW_RULE",
    "TEMPLATE_MAX_BYTES",
    "TEMPLATE_TYPES",
    "ItemIn",
    "Promise",
    "SectionIn",
    "TenderProjectIn",
    "Upload",
    "category_serve",
    "checklist_revise",
    "desk_head_set",
    "item_supply",
    "leave_record",
    "notice_issue",
    "pause_end",
    "pause_start",
    "procedure_terminate",
    "promised_item_confirm",
    "registration_accept",
    "registration_file",
    "registration_resubmit",
    "step_check",
    "template_publish",
    "template_replace",
    "template_withdraw",
]
