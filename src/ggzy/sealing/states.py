"""The sealed bid's lifecycle as a table (docs/sealed-bid-format.md; `core.states`).

A bid is received `received` (validated, sealed). Before the deadline the bidder may withdraw it
(撤回; it may then send a new one) or replace it by sending a new one (`superseded`: only the last
counts); from the opening time on it is opened, once. Withdrawn, superseded and opened are final.
Every change goes through `core.states.advance` with this table.
"""

from __future__ import annotations

from ggzy.sealing.models import BidState

#: (state, action) -> next state of a sealed bid.
BID_TRANSITIONS: dict[tuple[BidState, str], BidState] = {
    (BidState.RECEIVED, "withdraw"): BidState.WITHDRAWN,  # bid_withdraw: refusal NOT_STANDING
    (BidState.RECEIVED, "supersede"): BidState.SUPERSEDED,  # bid_receive of the bidder's next bid
    (BidState.RECEIVED, "open"): BidState.OPENED,  # bid_open, bid_open_by_custodians: RELEASE_REFUSED
}
