"""The demo's opening halls (issue 32), in every stage a hall goes through:

* **closed** — the school building's section (`demo/sealing.py`, "opened"): its whole opening on the
  history clock, made by the hall's own services while the sealed bids are loaded — the hall made before
  the deadline, the bids counted at it, the steps begun at the opening with their actual instants, two
  bids released on the hall and the third opened by the custodians when the window closed, each bidder's
  answer to its line (one objection), the record made at the close and signed by the initiator;
* **scheduled, its bids in** — the "opening today" section (`demo/sealing.py`): its documents issued and
  obtained before its bids; its hall is made here and the running tick (`make demo`) counts the bids at
  the deadline tonight and moves its steps from the opening on;
* **scheduled, taking bids** — every other section whose documents are issued and whose deadline is still
  ahead (the tendering demo's), made here by the hall's own tick job (`opening.services.halls_due`) at the
  end of `demo_load`, with the demo's beacons and co-signers running; where its documents draw K (the
  Guanyinge reservoir's open tender: `k_choices`), its K draw opened — the commitments sealed in a
  co-signed head before any bid could be released.

Once: when no section open for bids waits for its hall, a second run leaves the halls alone."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings

from ggzy.core import clock
from ggzy.demo import beacons
from ggzy.opening.models import Hall
from ggzy.opening.services import criteria_of, halls_due
from ggzy.opening.states import HallState
from ggzy.randomness.beacons import configured
from ggzy.sealing.models import BidWindow
from ggzy.witness.services import cosign_collect, sth_sign, witness_integrate


def _due() -> bool:
    """Whether the tick job would make a hall now: a section still before its deadline, its documents
    issued, no hall yet."""
    waiting = BidWindow.objects.filter(section__hall__isnull=True, deadline__gt=clock.now())
    return any(criteria_of(window.section) is not None for window in waiting.select_related("section"))


def load(say: Callable[[str], object]) -> None:
    """The halls of the sections open for bids (once: see the module)."""
    if not settings.GGZY_SANDBOX:
        return
    if _due():
        if configured():
            with beacons.running():
                halls_due()
        else:
            halls_due()  # no beacons: the halls are made; a K draw waits for a beacon to answer
        while witness_integrate():
            pass
        sth_sign(force=True)
        cosign_collect()
    say(f"Opening halls ({summary()}): /halls/")


def summary() -> str:
    halls = Hall.objects.all()
    closed = halls.filter(state=HallState.CLOSED)
    signed = closed.filter(record_signature__isnull=False).count()
    drawn = halls.filter(k_draw__isnull=False).count()
    return f"halls {halls.count()} (closed {closed.count()}, record signed {signed}), K committed {drawn}"
