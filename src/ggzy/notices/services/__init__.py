"""The notices' writes, one module per seam: `notices` (drafting, the centre's remark on the form,
scheduling, withdrawing, the legal medium, the tick's catch-up), `objections` (objections, challenges
and inquiries: filing in each stage's window, answering, carrying on as a complaint) and `pauses` (the
one suspend / resume / terminate service). Reads are `notices.selectors`. Callers import the services
from here."""

from __future__ import annotations

from ggzy.notices.services.notices import (
    NOTICE_STEP,
    NOW_TOLERANCE,
    TITLE_MAX,
    medium_add,
    notice_draft,
    notice_edit,
    notice_form_remark,
    notice_schedule,
    notice_withdraw,
    published_catch_up,
    published_text,
    text_sm3,
)
from ggzy.notices.services.objections import (
    STAGES,
    complaint_window,
    objection_answer,
    objection_complain,
    objection_file,
    objection_withdraw,
    stages_for,
)
from ggzy.notices.services.pauses import procedure_pause, procedure_resume, procedure_terminate

__all__ = [
    "NOTICE_STEP",
    "NOW_TOLERANCE",
    "STAGES",
    "TITLE_MAX",
    "complaint_window",
    "medium_add",
    "notice_draft",
    "notice_edit",
    "notice_form_remark",
    "notice_schedule",
    "notice_withdraw",
    "objection_answer",
    "objection_complain",
    "objection_file",
    "objection_withdraw",
    "procedure_pause",
    "procedure_resume",
    "procedure_terminate",
    "published_catch_up",
    "published_text",
    "stages_for",
    "text_sm3",
]

from ggzy.notices.services.attachments import (
    ATTACHMENT_MAX_BYTES,
    ATTACHMENT_TYPES,
    ATTACHMENTS_MAX,
    attachment_add,
    attachment_remove,
)

__all__ += [
    "ATTACHMENTS_MAX",
    "ATTACHMENT_MAX_BYTES",
    "ATTACHMENT_TYPES",
    "attachment_add",
    "attachment_remove",
]
