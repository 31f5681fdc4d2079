"""The platform's validator and opener for ggzy-bid-v2 (docs/sealed-bid-format.md): every check the
validator makes without decrypting (the custodians' acknowledgements among them), the opener with the
bidder's release from the opening time on and once the custodians' closures hold the bid, and every bad
input refused with its reason, nothing written."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from ggzy.accounts import parties
from ggzy.certs import services as certs_services
from ggzy.certs.models import CertificateAuthority
from ggzy.core import clock
from ggzy.core.errors import DomainError
from ggzy.events.embargo import lifted_q
from ggzy.events.models import Event
from ggzy.sealing import services
from ggzy.sealing.errors import SealingError
from ggzy.sealing.models import BidState, BidWindow, SealedBid
from ggzy_sm import canonical, custodians, sealedbid
from ggzy_sm.sealedbid import sealing as sealing_module
from ggzy_sm.sm2 import Sm2PrivateKey
from ggzy_sm.sm3 import sm3
from tests.sealing.conftest import DAY, SHEET, Stage, certificate

pytestmark = pytest.mark.django_db


def refused(exc: pytest.ExceptionInfo[DomainError]) -> str:
    return str(exc.value.detail["reason"])


def stored_files() -> list[Path]:
    return [p for p in (Path(settings.MEDIA_ROOT) / "sealing").rglob("*") if p.is_file()]


def acks_of(stage: Stage, path: Path) -> list[dict[str, Any]]:
    """The custodians' acknowledgements of a file, as ggzy-bid register gets them (none for a file the
    custodians cannot read)."""
    try:
        return stage.register(path)
    except (sealedbid.BidError, custodians.CustodianError, KeyError):
        return []


def receive_refused(
    stage: Stage, path: Path, user: Any = None, section: Any = None, acks: list[Any] | None = None
) -> str:
    before = Event.objects.filter(type="sealing.bid.refused").count()
    bids, files = SealedBid.objects.count(), stored_files()
    with pytest.raises(DomainError) as exc:
        services.bid_receive(
            actor=user or stage.bidders[0].user,
            section=section or stage.section,
            path=path,
            acknowledgements=acks_of(stage, path) if acks is None else acks,
        )
    assert exc.value.code is SealingError.BID_REFUSED
    assert SealedBid.objects.count() == bids
    assert stored_files() == files
    assert Event.objects.filter(type="sealing.bid.refused").count() == before + 1
    return refused(exc)


def release_of(stage: Stage, bid: SealedBid, bidder: Any = None) -> dict[str, Any]:
    return stage.release(bid, bidder)


def at_opening(stage: Stage, freeze: Any, minutes: int = 1) -> None:
    window = BidWindow.objects.get(section=stage.section)
    freeze(window.opening_at + dt.timedelta(minutes=minutes))


# --- the bid window ------------------------------------------------------------------------------------


def test_a_deadline_is_postponed_never_brought_forward(stage: Stage) -> None:
    window = BidWindow.objects.get(section=stage.section)
    later = stage.deadline + 7 * DAY
    services.window_set(actor=stage.world.agent_user, section=stage.section, deadline=later)
    window.refresh_from_db()
    assert window.deadline == later == window.opening_at
    assert len(window.announced) == 2
    for deadline, opening in ((stage.deadline, None), (later, later - DAY), (later - DAY, later)):
        with pytest.raises(DomainError) as exc:
            services.window_set(
                actor=stage.world.agent_user, section=stage.section, deadline=deadline, opening_at=opening
            )
        assert exc.value.code in (SealingError.OPENING_ADVANCED, SealingError.WINDOW_INVALID)
    window.refresh_from_db()
    assert window.deadline == later
    sets = Event.objects.filter(type="sealing.window.set", section_ref=stage.section.code)
    assert sets.count() == 2  # the stage's and the postponement: refusals set nothing


def test_once_the_opening_has_passed_the_window_is_fixed(stage: Stage, freeze: Any) -> None:
    at_opening(stage, freeze)
    with pytest.raises(DomainError) as exc:
        services.window_set(actor=None, section=stage.section, deadline=stage.deadline + DAY)
    assert exc.value.code is SealingError.WINDOW_CLOSED


def test_a_passed_deadline_cannot_be_moved_but_the_opening_can_be_postponed(
    stage: Stage, freeze: Any
) -> None:
    """Bids closed at the deadline: moving it afterwards would reopen submission; a fault at the
    opening (6.5.9) postpones the opening alone."""
    hour = dt.timedelta(hours=1)
    services.window_set(
        actor=None, section=stage.section, deadline=stage.deadline, opening_at=stage.deadline + hour
    )
    freeze(stage.deadline + dt.timedelta(minutes=1))
    with pytest.raises(DomainError) as exc:
        services.window_set(actor=None, section=stage.section, deadline=stage.deadline + 7 * DAY)
    assert exc.value.code is SealingError.DEADLINE_PASSED
    window = BidWindow.objects.get(section=stage.section)
    assert window.deadline == stage.deadline
    services.window_set(
        actor=None, section=stage.section, deadline=stage.deadline, opening_at=stage.deadline + 3 * hour
    )
    window.refresh_from_db()
    assert (window.deadline, window.opening_at) == (stage.deadline, stage.deadline + 3 * hour)


# --- receiving and opening -----------------------------------------------------------------------------


@pytest.mark.clause("8.1.3")
def test_a_bid_is_validated_kept_sealed_and_opened_by_its_release_at_the_opening(
    stage: Stage, freeze: Any
) -> None:
    path = stage.seal()
    acks = stage.register(path)
    bid = services.bid_receive(
        actor=stage.bidders[0].user, section=stage.section, path=path, acknowledgements=acks
    )
    assert bid.state == BidState.RECEIVED
    assert bid.acknowledgements == acks  # the custodians' receipts, kept with the bid
    assert (Path(settings.MEDIA_ROOT) / bid.file).read_bytes() == path.read_bytes()
    assert bid.opening_sheet is None
    # before the opening nothing reveals who bid: the receipt event is embargoed
    received = Event.objects.get(type="sealing.bid.received")
    assert received.embargo_kind == "section.opening"
    assert not Event.objects.filter(lifted_q(clock.now()), pk=received.pk).exists()
    # before the opening time the release is refused, even a correct one
    release = release_of(stage, bid)
    with pytest.raises(DomainError) as exc:
        services.bid_open(actor=stage.bidders[0].user, bid=bid, release=release)
    assert refused(exc) == "too_early"
    assert not (Path(settings.MEDIA_ROOT) / "sealing" / "opened").exists()

    at_opening(stage, freeze)
    opened = services.bid_open(actor=stage.bidders[0].user, bid=bid, release=release)
    assert opened.state == BidState.OPENED
    assert opened.opening_sheet == SHEET
    folder = Path(settings.MEDIA_ROOT) / opened.opened_dir
    assert json.loads((folder / "opening-sheet.json").read_bytes()) == SHEET
    technical = folder / "documents" / "技术标.pdf"
    assert technical.read_bytes() == (stage.folder / "bid-docs" / "技术标.pdf").read_bytes()
    assert set((opened.manifest or {})["documents"]) == {
        "opening-sheet.json", "machine.json", "documents/技术标.pdf", "documents/商务标.pdf",
    }  # fmt: skip
    # the machine fingerprint (data set 519) was inside the ciphertext: it reaches the platform now
    assert (opened.machine or {})["mac"] == ["00:16:3e:00:00:01"]
    event = Event.objects.get(type="sealing.bid.opened")
    assert event.organisation == stage.bidders[0].organisation.uscc
    assert Event.objects.filter(lifted_q(clock.now()), pk=received.pk).exists()  # the embargo is lifted
    with pytest.raises(DomainError) as exc:
        services.bid_open(actor=stage.bidders[0].user, bid=bid, release=release)
    assert refused(exc) == "opened"


def test_nothing_the_platform_keeps_before_the_opening_holds_a_hash_of_the_content(stage: Stage) -> None:
    path = stage.seal()
    services.bid_receive(
        actor=stage.bidders[0].user, section=stage.section, path=path, acknowledgements=stage.register(path)
    )
    secrets = [sm3(canonical.dumps(SHEET)).hex(), "00163e000001", "00:16:3e:00:00:01"]
    secrets += [sm3(b"00:16:3e:00:00:01").hex(), sm3(b"00163e000001").hex()]
    secrets += [sm3(p.read_bytes()).hex() for p in (stage.folder / "bid-docs").iterdir()]
    kept = json.dumps([[b.header, b.acknowledgements] for b in SealedBid.objects.all()])
    kept += "".join(e.document for e in Event.objects.all())
    kept += "".join(p.read_text() for p in stage.held.folder.rglob("*.json"))
    kept += stored_files()[0].read_bytes().hex()
    for secret in secrets:
        assert secret not in kept


def test_a_bid_sealed_before_an_extension_stays_valid(stage: Stage) -> None:
    path = stage.seal()
    services.window_set(actor=None, section=stage.section, deadline=stage.deadline + 5 * DAY)
    bid = services.bid_receive(
        actor=stage.bidders[0].user, section=stage.section, path=path, acknowledgements=stage.register(path)
    )
    assert bid.bound_deadline == stage.deadline


def test_a_bid_bound_to_a_later_or_an_unannounced_deadline_is_refused(stage: Stage) -> None:
    later = stage.seal(name="later", deadline=stage.deadline + DAY)
    assert receive_refused(stage, later) == "deadline_later"
    earlier = stage.seal(name="earlier", deadline=stage.deadline - DAY)
    assert receive_refused(stage, earlier) == "deadline_unknown"


def test_the_bidder_withdraws_before_the_deadline_and_a_withdrawn_bid_never_opens(
    stage: Stage, freeze: Any
) -> None:
    bidder = stage.bidders[0]
    bid = stage.receive(bidder)
    services.bid_withdraw(actor=bidder.user, bid=bid)
    second = stage.receive(bidder, name="second")
    release = release_of(stage, bid)
    at_opening(stage, freeze)
    with pytest.raises(DomainError) as exc:
        services.bid_open(actor=bidder.user, bid=bid, release=release)
    assert refused(exc) == "withdrawn"
    with pytest.raises(DomainError) as late:
        services.bid_withdraw(actor=bidder.user, bid=second)
    assert late.value.code is SealingError.TOO_LATE
    assert (
        services.bid_open(actor=bidder.user, bid=second, release=release_of(stage, second)).state == "opened"
    )


@pytest.mark.clause("8.1.3")
def test_a_new_bid_replaces_the_standing_one_and_only_the_last_counts(stage: Stage, freeze: Any) -> None:
    bidder = stage.bidders[0]
    first_path = stage.seal(bidder, "first")
    first = services.bid_receive(
        actor=bidder.user, section=stage.section, path=first_path, acknowledgements=stage.register(first_path)
    )
    second = stage.receive(bidder, name="second")
    first.refresh_from_db()
    assert (first.state, second.replaces, second.state) == ("superseded", first, "received")
    assert first.superseded_at == second.received_at
    replaced = Event.objects.get(type="sealing.bid.superseded")
    assert replaced.data["bid"] == str(first.uid)
    assert replaced.embargo_kind  # until the opening, like the bids
    # the very file sent again is a replay: refused, and the last bid still stands
    with pytest.raises(DomainError) as replay:
        services.bid_receive(
            actor=bidder.user,
            section=stage.section,
            path=first_path,
            acknowledgements=stage.register(first_path),
        )
    assert refused(replay) == "replayed"
    assert list(SealedBid.objects.filter(state="received")) == [second]
    # after the deadline nothing replaces it; at the opening the replaced bid never opens
    third = stage.seal(bidder, "third")
    third_acks = stage.register(third)
    freeze(stage.deadline)
    assert receive_refused(stage, third, acks=third_acks) == "deadline_passed"
    at_opening(stage, freeze)
    with pytest.raises(DomainError) as exc:
        services.bid_open(actor=bidder.user, bid=first, release=release_of(stage, first))
    assert refused(exc) == "superseded"
    assert (
        services.bid_open(actor=bidder.user, bid=second, release=release_of(stage, second)).state == "opened"
    )


def test_after_the_deadline_no_bid_is_received(stage: Stage, freeze: Any) -> None:
    path = stage.seal()
    freeze(stage.deadline)
    assert receive_refused(stage, path) == "deadline_passed"


# --- the validator's refusals -------------------------------------------------------------------------


def rewrite_header(
    path: Path, change: Any, key: Sm2PrivateKey | None = None, purpose: str = "ggzy-bid-v2"
) -> Path:
    """The same ciphertext behind a changed header, signed again (by `key`, for `purpose`)."""
    bid = sealedbid.read(path)
    header = {k: v for k, v in bid.header.items() if k != "signature"}
    change(header)
    if key is not None:
        header["signature"] = key.sign(purpose, header).hex()
    else:
        header["signature"] = bid.header["signature"]
    encoded = canonical.dumps(header)
    data = path.read_bytes()
    out = path.with_name(f"changed-{path.name}")
    stream = data[: bid.stream_offset + bid.stream_size]
    out.write_bytes(stream + encoded + sealedbid.LENGTH.pack(len(encoded)) + sealedbid.TRAILER)
    return out


def test_what_is_not_a_sealed_bid_or_of_an_unknown_version_is_refused(stage: Stage) -> None:
    junk = stage.folder / "junk.ggzybid"
    junk.write_bytes(b"%PDF-1.7 not a bid")
    assert receive_refused(stage, junk) == "malformed"
    bidder = stage.bidders[0]
    v3 = rewrite_header(stage.seal(), lambda h: h.update(format="ggzy-bid-v3"), bidder.sign)
    assert receive_refused(stage, v3) == "format"
    # a file of the first format (no real one exists): refused with what to do
    v1 = stage.folder / "v1.ggzybid"
    v1.write_bytes(b"GGZYBID1" + (200).to_bytes(4, "big") + b"{" * 200 + b"\0" * 64)
    with pytest.raises(DomainError) as exc:
        services.bid_receive(actor=bidder.user, section=stage.section, path=v1, acknowledgements=[])
    assert refused(exc) == "format"
    assert "v1" in exc.value.message  # says it is the old format, and what to do


def test_a_header_signed_by_another_key_or_for_another_purpose_is_refused(stage: Stage) -> None:
    path = stage.seal()
    other = rewrite_header(path, lambda h: h.update(tool="x"), Sm2PrivateKey.generate())
    assert receive_refused(stage, other) == "signature"
    purpose = rewrite_header(path, lambda h: h.update(tool="x"), stage.bidders[0].sign, "ggzy-release-v2")
    assert receive_refused(stage, purpose) == "signature"
    unsigned_change = rewrite_header(path, lambda h: h.update(tool="x"))
    assert receive_refused(stage, unsigned_change) == "signature"


def test_a_bid_signed_with_a_certificate_not_bound_or_no_longer_valid_is_refused(stage: Stage) -> None:
    bidder = stage.bidders[0]
    unbound = certificate(bidder.organisation.uscc, bidder.sign, "signing")
    path = stage.seal(
        name="unbound",
        signing_certificate=unbound,
        release_key=sealedbid.release_key_bind(bidder.release.public_key, bidder.sign, unbound),
    )
    assert receive_refused(stage, path) == "signing_certificate"
    third = stage.seal(name="third")
    # the centre stops accepting the bidder's CA: its certificate no longer passes at the upload
    certs_services.ca_set_enabled(actor=None, ca=CertificateAuthority.objects.get(), enabled=False)
    assert receive_refused(stage, third) == "certificate"


def test_a_release_key_not_bound_to_the_signing_certificate_or_equal_to_its_key_is_refused(
    stage: Stage,
) -> None:
    bidder = stage.bidders[0]
    # the tool refuses to seal to the signing key itself
    with pytest.raises(sealedbid.BidError) as sealing:
        sealedbid.release_key_bind(bidder.sign.public_key, bidder.sign, bidder.sign_cert)
    assert sealing.value.reason == "release_key"
    # a release key bound by another key (an operator swapping in its own key before signing the header)
    stranger = Sm2PrivateKey.generate()
    binding = stranger.sign(
        sealedbid.RELEASE_KEY_FORMAT, sealedbid.release_key_payload(stranger.public_key, bidder.sign_cert)
    ).hex()
    swapped = rewrite_header(
        stage.seal(),
        lambda h: h.update(release_key={"public_key": stranger.public_key.hex(), "binding": binding}),
        bidder.sign,
    )
    assert receive_refused(stage, swapped) == "release_key"
    # the signing key as the release key, bound by itself
    own = bidder.sign.sign(
        sealedbid.RELEASE_KEY_FORMAT, sealedbid.release_key_payload(bidder.sign.public_key, bidder.sign_cert)
    ).hex()
    itself = rewrite_header(
        stage.seal(name="itself"),
        lambda h: h.update(release_key={"public_key": bidder.sign.public_key.hex(), "binding": own}),
        bidder.sign,
    )
    assert receive_refused(stage, itself) == "release_key"


@pytest.mark.parametrize("damage", ["flip", "truncate", "extend", "swap"])
def test_a_tampered_truncated_extended_or_reordered_ciphertext_is_refused(stage: Stage, damage: str) -> None:
    path = stage.seal()
    bid = sealedbid.read(path)
    whole = path.read_bytes()
    end = bid.stream_offset + bid.stream_size
    data, header = bytearray(whole[:end]), whole[end:]  # the stream; the header and its tail after it
    body = bid.stream_offset + 64
    if damage == "flip":
        data[body + 100] ^= 1
    elif damage == "truncate":
        del data[-1000:]
    elif damage == "extend":
        data += data[-1000:]
    else:
        data[body : body + 32], data[body + 32 : body + 64] = (
            data[body + 32 : body + 64],
            data[body : body + 32],
        )
    path.write_bytes(bytes(data) + header)
    assert receive_refused(stage, path) == "ciphertext"


def test_a_bid_for_another_section_or_of_another_bidder_is_refused(stage: Stage) -> None:
    assert receive_refused(stage, stage.seal(section=stage.other_section)) == "section"
    rebound = rewrite_header(
        stage.seal(name="re"), lambda h: h.update(section=stage.other_section.code), stage.bidders[0].sign
    )
    assert receive_refused(stage, rebound) == "section"
    theirs = stage.seal(name="theirs", bidder_id=stage.bidders[1].organisation.uscc)
    assert receive_refused(stage, theirs) == "bidder"
    assert receive_refused(stage, stage.seal(name="b"), user=stage.bidders[1].user) == "bidder"


# --- the opener's refusals --------------------------------------------------------------------------


def received(stage: Stage, **seal: Any) -> SealedBid:
    return stage.receive(**seal)


def open_refused(stage: Stage, bid: SealedBid, release: dict[str, Any]) -> str:
    with pytest.raises(DomainError) as exc:
        services.bid_open(actor=stage.bidders[0].user, bid=bid, release=release)
    assert exc.value.code is SealingError.RELEASE_REFUSED
    bid.refresh_from_db()
    assert bid.state == BidState.RECEIVED
    assert bid.opening_sheet is None
    opened = Path(settings.MEDIA_ROOT) / "sealing" / "opened"
    assert [p for p in opened.rglob("*") if p.is_file()] == []
    last = Event.objects.filter(type="sealing.release.refused").latest("pk")
    assert json.loads(last.document)["data"] == {"reason": refused(exc)}
    assert last.embargo_kind == "section.opening"
    return refused(exc)


def test_a_release_whose_key_fails_the_commitment_or_is_not_the_bidders_is_refused(
    stage: Stage, freeze: Any
) -> None:
    bid = received(stage)
    good = release_of(stage, bid)
    at_opening(stage, freeze)
    wrong_key = {**good["payload"], "dek": "00" * 16}
    bidder = stage.bidders[0]
    forged = {"payload": wrong_key, "signature": bidder.sign.sign("ggzy-release-v2", wrong_key).hex()}
    assert open_refused(stage, bid, forged) == "release"
    by_other = {
        "payload": good["payload"],
        "signature": Sm2PrivateKey.generate().sign("ggzy-release-v2", good["payload"]).hex(),
    }
    assert open_refused(stage, bid, by_other) == "release"
    refusals = 2
    for field, value in (("ciphertext_sm3", "ab" * 32), ("bidder", "91210100MA0XXXXXX0"), ("format", "x")):
        other_bid = {**good["payload"], field: value}
        misbound = {"payload": other_bid, "signature": bidder.sign.sign("ggzy-release-v2", other_bid).hex()}
        assert open_refused(stage, bid, misbound) == "release"
        refusals += 1
    assert open_refused(stage, bid, {"payload": "x"}) == "malformed"
    assert Event.objects.filter(type="sealing.release.refused").count() == refusals + 1
    assert services.bid_open(actor=bidder.user, bid=bid, release=good).state == BidState.OPENED


def test_a_chunk_altered_after_receipt_opens_nothing(stage: Stage, freeze: Any) -> None:
    bid = received(stage)
    release = release_of(stage, bid)
    stored = Path(settings.MEDIA_ROOT) / bid.file
    original = stored.read_bytes()
    data = bytearray(original)
    sealed = sealedbid.read(stored)
    data[sealed.stream_offset + sealed.stream_size - 50] ^= 1
    stored.write_bytes(bytes(data))
    at_opening(stage, freeze)
    assert open_refused(stage, bid, release) == "chunk"
    # a header changed in storage (here: the tool's name) is not the header received: nothing opens
    header = dict(bid.header, tool="changed")
    encoded = canonical.dumps(header)
    stored.write_bytes(
        original[: sealed.stream_offset + sealed.stream_size]
        + encoded
        + sealedbid.LENGTH.pack(len(encoded))
        + sealedbid.TRAILER
    )
    assert open_refused(stage, bid, release) == "header"


def test_documents_that_do_not_match_the_manifest_open_nothing(
    stage: Stage, freeze: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = sealing_module._inner

    def lying(*args: Any, **kwargs: Any) -> Any:  # the bidder's tool writes a manifest with a wrong hash
        for piece in real(*args, **kwargs):
            if b'"format":"ggzy-bid-v2"' not in piece:
                yield piece
                continue
            at = piece.index(b'"sm3":"') + 7
            yield piece[:at] + (b"1" if piece[at : at + 1] == b"0" else b"0") + piece[at + 1 :]

    monkeypatch.setattr(sealing_module, "_inner", lying)
    bid = received(stage)
    monkeypatch.setattr(sealing_module, "_inner", real)
    release = release_of(stage, bid)
    at_opening(stage, freeze)
    assert open_refused(stage, bid, release) == "manifest"


def test_the_header_signature_is_the_bidders_seal_only_by_its_own_organisation_certificate(
    stage: Stage,
) -> None:
    """实施条例 §51(一): the header signature by a certificate issued to the bidding organisation is its
    electronic seal; a certificate of another organisation the signer belongs to seals nothing for it."""
    first, second = stage.bidders
    assert stage.receive(first).signed_as == "organisation"
    parties.membership_add(actor=None, user=first.user, organisation=second.organisation)
    certs_services.certificate_bind(actor=first.user, user=first.user, der=second.sign_cert, usage="signing")
    foreign = stage.seal(second, "foreign", bidder_id=first.organisation.uscc)
    assert receive_refused(stage, foreign) == "seal_other_organisation"
