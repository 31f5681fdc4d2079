"""How a service guide or a service commitment moves (`core.states`): written and edited as a draft,
published (the public service hall shows it), withdrawn (no longer shown; edited again as a draft, or
published again as it is). A published one is withdrawn before it is edited, so the hall never shows a
text that is being changed. A refusal is `ServiceError.PUBLISH_STATE`."""

from __future__ import annotations

from ggzy.service.models import PublishState

#: (state, action) -> next state of a guide or a commitment.
PUBLISH_TRANSITIONS: dict[tuple[PublishState, str], PublishState] = {
    (PublishState.DRAFT, "edit"): PublishState.DRAFT,  # guide_edit / commitment_edit
    (PublishState.WITHDRAWN, "edit"): PublishState.DRAFT,
    (PublishState.DRAFT, "publish"): PublishState.PUBLISHED,  # guide_publish / commitment_publish
    (PublishState.WITHDRAWN, "publish"): PublishState.PUBLISHED,
    (PublishState.PUBLISHED, "withdraw"): PublishState.WITHDRAWN,  # guide_withdraw / commitment_withdraw
}
