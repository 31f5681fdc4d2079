"""The notice workflow as a table (standard 6.4.1, 6.4.2; `core.states`).

A notice is drafted `draft` and edited while a draft; scheduling fixes its text (and the SM3 of it) and
its publication instant, `scheduled`. "Published" is **not** a state: a scheduled notice is published
from its `publish_at` on, derived at every read (`selectors.published_q`). Before that instant the
drafter may withdraw it (`withdrawn`, final). Nothing moves a published notice: its text is immutable,
and a correction or termination is a notice of its own naming the one it changes (`Notice.corrects`).
Every change goes through `core.states.advance` with this table; a refusal is `NoticesError.STATE`.
"""

from __future__ import annotations

from ggzy.notices.models import NoticeState, ObjectionState

#: (state, action) -> next state of a notice.
NOTICE_TRANSITIONS: dict[tuple[NoticeState, str], NoticeState] = {
    (NoticeState.DRAFT, "edit"): NoticeState.DRAFT,  # notice_edit: the draft's text changes
    (NoticeState.DRAFT, "schedule"): NoticeState.SCHEDULED,  # notice_schedule: text and instant fixed
    (NoticeState.SCHEDULED, "withdraw"): NoticeState.WITHDRAWN,  # notice_withdraw: before publish_at only
}

#: (state, action) -> next state of an objection, challenge or inquiry (`services.objections`): answered
#: by the initiator or its agent, or withdrawn by its filer before the answer; both final (carrying it on
#: as a complaint is recorded beside the state).
OBJECTION_TRANSITIONS: dict[tuple[ObjectionState, str], ObjectionState] = {
    (ObjectionState.FILED, "answer"): ObjectionState.ANSWERED,  # objection_answer
    (ObjectionState.FILED, "withdraw"): ObjectionState.WITHDRAWN,  # objection_withdraw
}
