"""Sealed bids on the platform (docs/sealed-bid-format.md, format 2): the bid window and its signed
notices, the validator, receiving and withdrawing a bid, and the opener.

- `window_set` signs every deadline and postponement with a notice key the centre's custodian set
  honours (one of its `notice_keys`, or one reached by a transition the supervising department co-signed)
  and delivers it to every custodian at once.
- `validate` checks a ggzy-bid-v2 file **without decrypting**: the platform looks up what the file must
  match (the section's window, the user's organisations and bound signing certificate, the centre's
  current custodian set) and `ggzy_sm.sealedbid.check` checks the whole file against it in one call —
  structure and format version (a v1 file is refused), the section and bidder it is bound to, the
  signing certificate, the envelope against the set, that the bound deadline is one the section
  announced and not later than the current one, the signature, the release key's binding and the
  ciphertext against its header; then the certificate's chain, validity and revocation are re-checked
  now.
- `bid_receive` also needs the custodians' acknowledgements (at least k, signed by their own clocks
  before the deadline): the bid's second receipt, which the operator cannot back-date.
- `bid_open` opens a received bid with the bidder's signed release (purpose ggzy-release-v2), only from the
  opening time on and only if at least k custodians' closures list its ciphertext (a bid they did not
  acknowledge before the deadline is late, whatever the platform's clock said when it took it): the
  released key must match the key commitment; every chunk's tag, the inner manifest and the opening
  sheet are checked; the plaintext lands in the media folder under a temporary name and is renamed.
- Two envelopes (双信封): a bid's signed header may name its envelope, technical or price; a section takes
  the envelopes `admission.envelopes` says (the opening hall registers the rule), one standing bid per
  bidder and envelope. A price envelope opens, by either path, only in the second session and only once
  the hall admitted it (`price_envelopes_admit`: its bidder passed the technical review).

Every refusal names its reason (`errors.REASONS`) and changes nothing. Every event is embargoed until the
section's opening: before it nothing reveals who bid.

The modules: `common` (events, refusals, alarms), `custodian_sets` (publishing a set, the notice key it
honours, notice-key transitions), `windows` (windows and notices), `receiving` (the validator, receiving
and withdrawing), `opening` (the release path), `custodian_path` (opening through the custodians),
`watching` (the tick job). Callers use the service functions from here.
"""

from __future__ import annotations

from ggzy.sealing.services.common import WITHDRAWN_MESSAGE
from ggzy.sealing.services.custodian_path import bid_open_by_custodians
from ggzy.sealing.services.custodian_sets import (
    current_cset,
    custodian_set_publish,
    notice_key_transition_begin,
    notice_key_transition_complete,
    notice_signer,
)
from ggzy.sealing.services.opening import bid_open
from ggzy.sealing.services.receiving import Validated, bid_receive, bid_withdraw, validate
from ggzy.sealing.services.watching import WATCH_EVERY, custodians_watch
from ggzy.sealing.services.windows import (
    notice_deliver,
    price_envelopes_admit,
    price_release_limit,
    window_release_limit,
    window_set,
)

__all__ = [
    "WATCH_EVERY",
    "WITHDRAWN_MESSAGE",
    "Validated",
    "bid_open",
    "bid_open_by_custodians",
    "bid_receive",
    "bid_withdraw",
    "current_cset",
    "custodian_set_publish",
    "custodians_watch",
    "notice_deliver",
    "notice_key_transition_begin",
    "notice_key_transition_complete",
    "notice_signer",
    "price_envelopes_admit",
    "price_release_limit",
    "validate",
    "window_release_limit",
    "window_set",
]
