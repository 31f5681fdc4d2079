"""The demo's opening halls (issue 32), made by the hall's own tick job (`opening.services.halls_due`) at
the end of `demo_load`, with the demo's beacons and co-signers running: every section whose documents are
issued and whose deadline is still ahead gets its hall (scheduled) and, where its documents draw K (the
Guanyinge reservoir's open tender: `k_choices`), its K draw opened — the commitments sealed in a co-signed
head before any bid could be released. `make demo` keeps the tick running: a hall counts its bids at the
deadline and its steps follow the clock from there.

Halls during and after an opening need sealed bids on sections with issued documents; the demo's sealed
bids are on sections without documents (demo/sealing.py), so those come with the next part of issue 32."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings

from ggzy.demo import beacons
from ggzy.opening.models import Hall
from ggzy.opening.services import halls_due
from ggzy.randomness.beacons import configured
from ggzy.witness.services import cosign_collect, sth_sign, witness_integrate


def load(say: Callable[[str], object]) -> None:
    """The halls of the sections open for bids (once: a database with halls is left alone)."""
    if not settings.GGZY_SANDBOX or Hall.objects.exists():
        return
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
    drawn = halls.filter(k_draw__isnull=False).count()
    return f"halls {halls.count()}, K committed {drawn}"
