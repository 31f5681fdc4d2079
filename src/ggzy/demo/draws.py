"""The demo's verifiable random draws, made through `randomness.services` with the demo's two beacon
processes and co-signers running — one in each stage (docs/randomness.md):

- a K coefficient drawn normally (every party revealed);
- an expert-draw seed where beacon b withholds its reveal (the fallback takes its place, no redraw, the
  supervisors alerted);
- one refused: opened after its moment had passed (its commitments were not in a co-signed head before it);
- one committed and waiting for its moment.

Run at the end of `demo_load` (on the present clock), once: a database that has draws is left alone."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from django.conf import settings

from ggzy.accounts.models import Centre
from ggzy.core import outside
from ggzy.core.errors import DomainError
from ggzy.demo import beacons
from ggzy.randomness import services
from ggzy.randomness.beacons import configured
from ggzy.randomness.models import Draw
from ggzy.registry.models import Section
from ggzy.witness.services import cosign_collect, sth_sign, witness_integrate

K_OPTIONS = ["0.95", "0.96", "0.97", "0.98", "0.99"]
K_MOMENT = "第一份投标文件解密被接受之前（此后平台即可知道报价）"
EXPERT_MOMENT = "符合条件的专家名单哈希公布之前"


def _seal() -> None:
    """Bring what was recorded into the log and have a head co-signed (the co-signers are running)."""
    while witness_integrate():
        pass
    sth_sign(force=True)
    cosign_collect()


def load(say: Callable[[str], object]) -> None:
    if not settings.GGZY_SANDBOX or not configured() or Draw.objects.exists():
        return
    centre = Centre.objects.get(code="ln")
    section = Section.objects.filter(centre=centre).order_by("code").first()
    section_code = section.code if section else ""
    code = section.code if section else "—"

    def opened(subject: str, *, seed_only: bool = False) -> Draw:
        """A draw of the demo section: its K (the documents' choices) or, with `seed_only`, a seed."""
        return services.draw_open(
            actor=None,
            purpose="experts.seed" if seed_only else "opening.k",
            subject=f"标段 {code} {subject}",
            derive={"kind": "seed"} if seed_only else {"kind": "choose", "options": K_OPTIONS, "label": "K"},
            moment_label=EXPERT_MOMENT if seed_only else K_MOMENT,
            centre=centre.code,
            region=centre.region,
            section=section_code,
        )

    with beacons.running():
        k = opened("评标基准价下浮系数 K（演示）")
        seed = opened("专家抽取种子（演示：一方信标未揭示）", seed_only=True)
        _seal()
        k_moment = services.moment_mark(actor=None, draw=k)
        seed_moment = services.moment_mark(actor=None, draw=seed)
        late = opened("下浮系数 K（演示：承诺晚于时点，被拒绝）")
        _seal()
        b = configured().get("b")
        if b:
            outside.post_json(f"{b}/v1/admin/withhold", {"draw": str(seed.uid)}, timeout=5, most=4096)
        services.draw_reveal(actor=None, draw=k, moment=k_moment)
        services.draw_reveal(actor=None, draw=seed, moment=seed_moment)
        with contextlib.suppress(DomainError):  # refused, as it should be: recorded and alerted
            services.draw_reveal(actor=None, draw=late, moment=k_moment)
        opened("下浮系数 K（演示：已承诺，待开标）")
        _seal()
    say("Verifiable random draws: one drawn, one with a beacon's reveal withheld, one refused, one waiting.")
