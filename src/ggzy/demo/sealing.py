"""The demo's sealed bids: three sections of accepted engineering and procurement registrations in the
three stages sealed bids have today — bidding (deadline in 10 days, one bid in: its bidder's second bid
replaced its first, only the last counts), opening today (three bids in, sealed), and opened (deadline
passed on the demo's history clock, each bidder released its key, the opening sheets read). Bids are
sealed exactly as `ggzy-bid seal` does and submitted through the resumable upload as `ggzy-bid submit`
does (`sealing.uploads`, in chunks), with the demo users' key files from GGZY_DEMO_CA_DIR; without that
folder (no certificates) there are no sealed bids."""

from __future__ import annotations

import datetime as dt
import io
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model

from ggzy.accounts.selectors import organisations_of
from ggzy.core import clock
from ggzy.demo import custodians as demo_custodians
from ggzy.demo.ca import PASSPHRASE
from ggzy.demo.history import real_day
from ggzy.registry.models import Section, State
from ggzy.sealing import services, uploads
from ggzy.sealing.models import SealedBid
from ggzy_sm import custodians, sealedbid
from ggzy_sm.keys import load_key_file
from ggzy_sm.sm3 import sm3
from ggzy_sm.x509 import der_blocks

SHANGHAI = ZoneInfo("Asia/Shanghai")
#: Who bids, and at what share of the section's budget (fen stays an integer: money is never a float).
BIDDERS = (("bidder", 9620), ("bidder-hylq", 9385), ("bidder-hxjs", 9710))
MANAGERS = ("王建军", "李海涛", "周明")
#: The bidder that does not release its own bid at the demo's past opening: the custodians open it.
SILENT = "bidder-hxjs"
#: "Opening today" closes at 23:30 today; after 23:00 it is tomorrow's 09:30 opening.
LAST_HOUR = 23
#: The demo bidders' upload chunk (their bids are small: a few chunks each, as a real client's would be).
CHUNK = 16 * 1024


def _sections() -> list[Section]:
    return list(
        Section.objects.filter(
            tender_project__project__registration__state=State.ACCEPTED,
            method__code__in=("open_tender", "gp_open_tender"),
        ).order_by("code")[:3]
    )


@dataclass
class _Bidders:
    """The demo bidders sealing, registering and releasing as `ggzy-bid` does (their key files from the
    demo CA folder, a release key of their own beside them), the key split among the section's centre's
    demo custodians."""

    folder: Path
    sets: dict[int, custodians.SignedCustodianSet]

    def receive(self, username: str, section: Section, share: int, n: int) -> SealedBid:
        user = get_user_model().objects.get(username=username)
        path = self._seal(user, section, share, n)
        return _submit(user, section, path, self._register(path, section))

    def _register(self, path: Path, section: Section) -> list[dict[str, Any]]:
        """`ggzy-bid register`: each custodian acknowledges the ciphertext by its own clock."""
        header = sealedbid.read(path).header
        request = custodians.ack_request_make(header, notices=section.bid_window.notices)
        return [
            demo_custodians.IN_PROCESS.ack(custodian, request)
            for custodian in self.sets[section.centre_id].custodians
        ]

    def _seal(self, user: Any, section: Section, share: int, n: int) -> Path:
        keys = _keys(user.get_username())
        organisation = organisations_of(user=user).get()
        documents = []
        for title in ("技术标", "商务标", "资格审查资料"):
            path = self.folder / f"{user.get_username()}-{section.code}" / f"{title}.pdf"
            path.parent.mkdir(parents=True, exist_ok=True)
            text = f"{organisation.name} {section.name} {title}\n"
            path.write_bytes(b"%PDF-1.7\n% " + text.encode() + b"%%EOF\n")
            documents.append(path)
        target = self.folder / f"{user.get_username()}-{section.code}.ggzybid"
        signing_key = load_key_file(keys / "sign.key", PASSPHRASE)
        signing_certificate = der_blocks((keys / "sign.cer").read_bytes())[0]
        sealedbid.seal(
            target=target,
            binding=sealedbid.Binding(
                tender_project=section.tender_project.code,
                section=section.code,
                bidder=organisation.uscc,
                deadline=section.bid_window.deadline,
            ),
            opening_sheet={
                "schema": "ggzy-opening-sheet-v1",
                "price": {"kind": "amount", "fen": section.budget_fen * share // 10000},
                "duration_days": 240 + 30 * n,
                "quality": "合格",
                "project_manager": {"name": MANAGERS[n % len(MANAGERS)], "certificate": f"辽2210608{n:05d}"},
            },
            documents=documents,
            signing_key=signing_key,
            signing_certificate=signing_certificate,
            release_key=sealedbid.release_key_bind(
                _release_key(user.get_username()).public_key, signing_key, signing_certificate
            ),
            custodians=self.sets[section.centre_id],
            machine={
                "mac": [f"00:16:3e:00:{n:02x}:01"],
                "cpu": f"BFEBFBFF0009{n:04d}",
                "disk": [f"WD-WX{n:08d}"],
            },
        )
        return target


def _submit(user: Any, section: Section, path: Path, acks: list[dict[str, Any]]) -> SealedBid:
    """`ggzy-bid submit`: the sealed file through the resumable upload (`sealing.uploads`, the services
    behind the tus endpoint), in chunks each with its SM3, the acknowledgements with the creation."""
    size = path.stat().st_size
    session = uploads.upload_create(
        actor=user, section_code=section.code, length=size, filename=path.name, acknowledgements=acks
    )
    with path.open("rb") as file:
        offset = 0
        while piece := file.read(CHUNK):
            chunk = uploads.Chunk(
                offset=offset, declared=len(piece), checksum=sm3(piece), body=io.BytesIO(piece)
            )
            session = uploads.upload_append(actor=user, session=session, chunk=chunk)
            offset += len(piece)
    assert session.bid is not None  # noqa: S101  (the last chunk completes it, or refuses with an error)
    return session.bid


def _keys(username: str) -> Path:
    return Path(settings.GGZY_DEMO_CA_DIR) / "users" / username


def _release_key(username: str) -> Any:
    """The demo bidder's release key (`ggzy-bid release-key`): made once, kept beside its signing key."""
    path = _keys(username) / "release.key"
    if not path.exists():
        sealedbid.release_key_save(sealedbid.release_key_generate(), path, PASSPHRASE)
    return sealedbid.release_key_load(path, PASSPHRASE)


def _release(bid: SealedBid, username: str) -> dict[str, Any]:
    keys = _keys(username)
    sealed = sealedbid.read(Path(settings.MEDIA_ROOT) / bid.file)
    return sealedbid.release(sealed, _release_key(username), load_key_file(keys / "sign.key", PASSPHRASE))


def load(*, later: Callable[[float], None], travels: bool) -> None:
    """`later(hours)` moves the demo's history clock (when `travels`; it stays behind the real now)."""
    if not settings.GGZY_DEMO_CA_DIR:
        return
    sections = _sections()
    if len(sections) < 3:  # noqa: PLR2004
        return
    opened, today, bidding = sections
    sets = {}
    for centre in {s.centre for s in sections}:
        published = demo_custodians.load(centre)
        if published is None:
            return  # no demo custodians: a centre takes sealed bids only with a custodian set
        sets[centre.pk] = published
    with tempfile.TemporaryDirectory() as work:
        bidders = _Bidders(Path(work), sets)
        if travels:
            # the opened section: its deadline two hours ahead of the history clock, then it passes
            services.window_set(actor=None, section=opened, deadline=clock.now() + dt.timedelta(hours=2))
            for n, (username, share) in enumerate(BIDDERS):
                bidders.receive(username, opened, share, n)
            later(3)
            for bid in SealedBid.objects.filter(section=opened).select_related("submitted_by").order_by("pk"):
                username = bid.submitted_by.username
                if username == SILENT and opened.centre_id in sets:
                    # did not release in the decryption window: its custodians open it
                    services.bid_open_by_custodians(actor=None, bid=bid, via=demo_custodians.IN_PROCESS)
                else:
                    services.bid_open(
                        actor=bid.submitted_by,
                        bid=bid,
                        release=_release(bid, username),
                        via=demo_custodians.IN_PROCESS,
                    )
        late = clock.authority_now().astimezone(SHANGHAI).hour >= LAST_HOUR
        services.window_set(
            actor=None, section=today, deadline=real_day(1, 9, 30) if late else real_day(0, LAST_HOUR, 30)
        )
        for n, (username, share) in enumerate(BIDDERS):
            bidders.receive(username, today, share, n + 3)
        services.window_set(actor=None, section=bidding, deadline=real_day(10, 9, 30))
        bidders.receive("bidder", bidding, 9550, 6)
        bidders.receive("bidder", bidding, 9480, 6)  # a revised price replaces it: only the last counts


def summary() -> str:
    counts: dict[str, int] = {}
    for state in SealedBid.objects.values_list("state", flat=True):
        counts[state] = counts.get(state, 0) + 1
    return ", ".join(f"{state} {n}" for state, n in sorted(counts.items())) or "none"
