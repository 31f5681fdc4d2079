"""`ggzy experts pool-keys` — the platform's two public keys the provincial expert pool pins (its requests'
signing key and the encryption key its lists are sealed to), as the `ggzy-expertpool configure` line.

`ggzy experts verify-draw <request uid>` — an auditor's recomputation of a draw (docs/experts.md): the
eligible list against the SM3 published when it was fixed, the seed against the randomness draw it came from
(revealed after the list was fixed), then every call — members, reserves and each replacement, in order —
recomputed from the list, the seed and the declines, and compared with the calls recorded. It prints what it
checked, or the first difference, and exits non-zero on any."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ggzy.experts import services
from ggzy.experts.draw import replay
from ggzy.experts.models import Call, DrawRequest, Source
from ggzy.experts.states import RequestState
from ggzy_sm.sm3 import sm3


def verify_draw(uid: str) -> list[str]:
    """What was checked, line by line; CommandError naming the first difference."""
    request = DrawRequest.objects.filter(uid=uid).select_related("seed_draw").first()
    if request is None:
        raise CommandError(f"no draw request {uid}")
    if request.source == Source.PROVINCIAL:
        raise CommandError(
            "the provincial expert pool drew this request with its own randomness: its signed answer is"
            " kept on the request (pool_answer), checked against the pool's pinned key when it came"
        )
    if request.state != RequestState.DRAWN:
        raise CommandError(f"the request is {request.state}: only a drawn request is verified")
    text = services.eligible_text(request)
    digest = sm3(text.encode()).hex()
    fixed = services.fixed_event(request)
    published = json.loads(fixed.document)["data"]["eligible_sm3"] if fixed is not None else ""
    if digest != published or digest != request.eligible_sm3:
        raise CommandError(f"the eligible list's SM3 {digest} is not the one published when it was fixed")
    lines = [f"eligible list: SM3 {digest} as published in event {fixed.uid if fixed else '?'}"]
    draw = request.seed_draw
    if draw is not None:
        if draw.seed != request.seed or draw.moment_event != (fixed.uid if fixed else None):
            raise CommandError(
                "the seed is not the one its randomness draw revealed after the list was fixed"
            )
        lines.append(
            f"seed: {request.seed}, from randomness draw {draw.uid} (check it with ggzy-verify random)"
        )
    else:
        lines.append(f"seed: {request.seed} (given to the draw directly: no randomness draw to check)")
    eligible = services.eligible_of(request)
    walk = replay(request.seed, eligible, request.needs, services.declined_order(request))
    recorded = list(Call.objects.filter(request=request).select_related("expert").order_by("sequence"))
    if len(recorded) != len(walk.seats):
        raise CommandError(f"{len(recorded)} calls recorded, {len(walk.seats)} recomputed")
    for call, seat in zip(recorded, walk.seats, strict=True):
        found = (call.specialty, call.position, str(call.expert.uid), call.role)
        if found != (seat.specialty, seat.position, seat.expert, seat.role):
            raise CommandError(f"call {call.sequence} differs: recorded {found}, recomputed {seat}")
    lines.append(f"calls: all {len(recorded)} recomputed exactly (members, reserves, replacements in order)")
    return lines


class Command(BaseCommand):
    help = (
        "Evaluation experts: verify-draw <request uid> recomputes a draw and compares it with the record;"
        " pool-keys prints the platform's keys the provincial expert pool pins."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify-draw", "pool-keys"])
        parser.add_argument("uid", nargs="?", default="")

    def handle(self, *args: str, **options: str) -> None:
        if options["action"] == "pool-keys":
            keys = services.platform_keys()
            self.stdout.write(f"platform key (signs the requests):     {keys['platform_key']}")
            self.stdout.write(f"platform encryption key (lists to it): {keys['platform_encryption_key']}")
            self.stdout.write(
                "pin them on the pool: ggzy-expertpool configure --dir DIR"
                f" --platform-key {keys['platform_key']}"
                f" --platform-encryption-key {keys['platform_encryption_key']}"
            )
            return
        if not options["uid"]:
            raise CommandError("verify-draw needs the request's uid")
        for line in verify_draw(options["uid"]):
            self.stdout.write(line)
        self.stdout.write("OK: the draw recomputes from its fixed list, its seed and its declines")
