"""The registration workflow as a table (standard 6.2.4; `core.states`).

A registration is filed `submitted` — or `routed` when its category is traded on another platform,
where it stays: nothing here moves a routed registration. Staff return it with the one-time notice;
the party resubmits the completed file; staff accept a complete one. Every change goes through
`core.states.advance` with this table; a refusal is `RegistryError.STATE`.
"""

from __future__ import annotations

from ggzy.registry.models import PauseState, State

#: (state, action) -> next state of a registration.
REGISTRATION_TRANSITIONS: dict[tuple[State, str], State] = {
    (State.SUBMITTED, "return"): State.RETURNED,  # notice_issue: 一次性告知
    (State.RETURNED, "resubmit"): State.SUBMITTED,  # registration_resubmit: the limit starts anew
    (State.SUBMITTED, "accept"): State.ACCEPTED,  # registration_accept: 办结
}

#: (state, action) -> next state of a pause of a procedure (`services.pauses`): a pause in force is
#: lifted (`resume`) or becomes the procedure's end (`terminate`); both are final.
PAUSE_TRANSITIONS: dict[tuple[PauseState, str], PauseState] = {
    (PauseState.ACTIVE, "resume"): PauseState.RESUMED,  # pause_end: the procedure goes on
    (PauseState.ACTIVE, "terminate"): PauseState.TERMINATED,  # procedure_terminate: it never goes on
}
