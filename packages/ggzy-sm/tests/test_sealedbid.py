"""ggzy-bid-v2 sealed bids: seal, check without decrypting, release, check before the deadline, open —
the whole-file vector opened by an independent implementation, and every refusal with its reason."""

from __future__ import annotations

import base64
import copy
import dataclasses
import datetime as dt
import errno
import io
import json
import os
import struct
import threading
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ggzy_sm import canonical, custodians, openingsheet, sealedbid, stream
from ggzy_sm.sealedbid import BidError, Binding
from ggzy_sm.sealedbid import opening as opening_module
from ggzy_sm.sealedbid import sealing as sealing_module
from ggzy_sm.sm2 import Sm2PrivateKey, Sm2PublicKey
from ggzy_sm.sm3 import sm3
from sealing_world import BIDDER, BINDING, CSET, DEADLINE, MEMBERS, Bidder, bidder, body_of, signed_by

SIGN, RELEASE = BIDDER.signing, BIDDER.release
OTHER = Sm2PrivateKey.generate()
SHEET = {
    "schema": "ggzy-opening-sheet-v1",
    "price": {"kind": "amount", "fen": 1234567800},
    "duration_days": 365,
}
MACHINE = {"mac": ["00:1C:42:00:00:08", "001c42000009"], "cpu": "BFEBFBFF000906EA", "disk": "WD-WCC4N0123456"}
VECTORS = Path(__file__).parent / "vectors"


def seal_into(target: Path, documents: list[Any], who: Bidder = BIDDER, **options: Any) -> dict[str, Any]:
    arguments: dict[str, Any] = {
        "target": target, "binding": BINDING, "opening_sheet": SHEET, "documents": documents,
        "signing_key": who.signing, "signing_certificate": who.signing_der, "release_key": who.release_key,
        "custodians": CSET,
    }  # fmt: skip
    return sealedbid.seal(**{**arguments, **options})


@pytest.fixture
def sealed(tmp_path: Path) -> tuple[Path, dict, list[Path]]:
    docs = tmp_path / "docs"
    docs.mkdir()
    technical = docs / "技术标.pdf"
    technical.write_bytes(b"%PDF-1.7 technical proposal " * 5000)
    commercial = docs / "商务标.pdf"
    commercial.write_bytes(b"%PDF-1.7 commercial proposal")
    target = tmp_path / "bid.ggzybid"
    header = seal_into(target, [technical, commercial], machine=MACHINE)
    return target, header, [technical, commercial]


def test_seal_check_release_and_open(sealed: tuple[Path, dict, list[Path]], tmp_path: Path) -> None:
    target, header, docs = sealed
    bid = sealedbid.read(target)
    assert bid.header == header
    assert set(header) == sealedbid.HEADER_FIELDS
    assert bid.stream_offset == 8
    assert (
        bid.stream_size
        == header["ciphertext_size"]
        == target.stat().st_size - 8 - 12 - len(canonical.dumps(header))
    )
    sealedbid.verify(bid, SIGN.public_key)
    release = sealedbid.release(bid, RELEASE, SIGN)
    assert release["payload"]["format"] == "ggzy-release-v2"
    dek = sealedbid.check_release(bid, release, SIGN.public_key)
    manifest = sealedbid.open_bid(bid, dek, tmp_path / "opened")
    assert (tmp_path / "opened" / "documents" / "技术标.pdf").read_bytes() == docs[0].read_bytes()
    assert json.loads((tmp_path / "opened" / "opening-sheet.json").read_bytes()) == SHEET
    assert json.loads((tmp_path / "opened" / "machine.json").read_bytes()) == {
        "format": "ggzy-machine-v1", "mac": ["00:1c:42:00:00:08", "00:1c:42:00:00:09"],
        "cpu": "BFEBFBFF000906EA", "disk": ["WD-WCC4N0123456"], "memory": "", "board": "", "tool": "",
    }  # fmt: skip
    assert manifest["documents"]["documents/商务标.pdf"]["sm3"] == sm3(docs[1].read_bytes()).hex()
    # §2: the entries in their order; the documents sorted by the UTF-8 bytes of their names
    assert list(manifest["documents"]) == sorted(manifest["documents"])  # canonical JSON sorts the keys
    assert sorted(p.name for p in (tmp_path / "opened").iterdir()) == [
        "documents", "machine.json", "opening-sheet.json",
    ]  # fmt: skip


def test_the_file_is_magic_stream_header_length_trailer(sealed: tuple[Path, dict, list[Path]]) -> None:
    target, header, _docs = sealed
    raw = target.read_bytes()
    encoded = canonical.dumps(header)
    assert raw[:8] == b"GGZYBID2"
    assert raw[-8:] == b"GGZYEND2"
    assert raw[-12:-8] == struct.pack(">I", len(encoded))
    assert raw[-12 - len(encoded) : -12] == encoded
    assert sm3(raw[8 : -12 - len(encoded)]).hex() == header["ciphertext_sm3"]
    assert raw[8:16] == b"GGZYSM4S"  # the stream's own header follows the magic


def test_nothing_outside_the_encryption_lets_anyone_test_a_guess(
    sealed: tuple[Path, dict, list[Path]],
) -> None:
    target, _header, docs = sealed
    raw = target.read_bytes()
    record = canonical.dumps(sealedbid.machine_record(MACHINE))
    secrets = [sm3(canonical.dumps(SHEET)), sm3(record), *(sm3(d.read_bytes()) for d in docs)]
    for digest in secrets:
        assert digest not in raw
        assert digest.hex().encode() not in raw
    assert b"1234567800" not in raw  # the price
    assert "技术标".encode() not in raw  # not even the document names
    for value in (b"00:1c:42", b"001c42", b"BFEBFBFF", b"WCC4N"):  # nor the machine
        assert value not in raw.lower()
        assert value.lower() not in raw.lower()


# --- reading: the layout and the header, strictly ---------------------------------------------------------


def rewrite_header(target: Path, header: dict[str, Any] | bytes) -> None:
    """Put another header behind the same stream (bytes as they are; an object in canonical JSON)."""
    raw = target.read_bytes()
    (length,) = struct.unpack(">I", raw[-12:-8])
    encoded = header if isinstance(header, bytes) else canonical.dumps(header)
    stream_bytes = raw[: len(raw) - 12 - length]  # MAGIC ‖ stream
    target.write_bytes(stream_bytes + encoded + struct.pack(">I", len(encoded)) + b"GGZYEND2")


def resign(header: dict[str, Any], key: Sm2PrivateKey = SIGN, purpose: str = "ggzy-bid-v2") -> dict[str, Any]:
    unsigned = {k: v for k, v in header.items() if k != "signature"}
    return {**unsigned, "signature": key.sign(purpose, unsigned).hex()}


def header_text(header: dict[str, Any], old: str, new: str) -> bytes:
    """The header's canonical bytes with one spelling replaced (for what canonical.dumps cannot write)."""
    encoded = canonical.dumps(header).decode()
    assert old in encoded
    return encoded.replace(old, new, 1).encode()


def refused(reason: str, call: Any, *args: Any, **kwargs: Any) -> BidError:
    with pytest.raises(BidError) as caught:
        call(*args, **kwargs)
    assert caught.value.reason == reason, caught.value
    return caught.value


def test_a_v1_file_is_refused_with_the_documents_message(tmp_path: Path) -> None:
    target = tmp_path / "old.ggzybid"
    target.write_bytes(b"GGZYBID1" + struct.pack(">I", 2) + b"{}" + b"GGZYSM4S...")
    error = refused("format", sealedbid.read, target)
    assert str(error) == "ggzy-bid-v1 is no longer accepted: seal again with this version of ggzy-bid"


def test_a_v1_header_in_a_v2_layout_is_refused_with_the_message(
    sealed: tuple[Path, dict, list[Path]],
) -> None:
    target, header, _docs = sealed
    rewrite_header(target, {**header, "format": "ggzy-bid-v1"})
    error = refused("format", sealedbid.read, target)
    assert str(error) == sealedbid.V1_REFUSED


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (lambda p, b: p.write_bytes(b"PK\x03\x04 not a bid"), "malformed"),
        (lambda p, b: p.write_bytes(b"GGZYBID2"), "malformed"),  # too short for a trailer
        (lambda p, b: p.write_bytes(p.read_bytes()[:-10]), "malformed"),  # cut: no trailer
        (lambda p, b: p.write_bytes(p.read_bytes()[:-1] + b"3"), "malformed"),  # GGZYEND3
        (lambda p, b: p.write_bytes(p.read_bytes() + b"\n"), "malformed"),  # anything after the trailer
        (lambda p, b: p.write_bytes(p.read_bytes() + p.read_bytes()[-100:]), "malformed"),  # bytes added
        (lambda p, b: tamper(p, len(p.read_bytes()) - 12, struct.pack(">I", 0)), "malformed"),  # L = 0
        (lambda p, b: tamper(p, len(p.read_bytes()) - 12, struct.pack(">I", 300_000)), "malformed"),
        (lambda p, b: tamper(p, len(p.read_bytes()) - 12, struct.pack(">I", 250_000)), "malformed"),  # > file
        (lambda p, b: tamper(p, len(p.read_bytes()) - 12, struct.pack(">I", 100)), "malformed"),  # not JSON
        (lambda p, b: rewrite_header(p, {**b.header, "format": "ggzy-bid-v9"}), "format"),
        (lambda p, b: tamper(p, b.stream_offset + 40, b"\x00\x01"), "ciphertext"),  # a chunk altered
    ],
)
def test_a_damaged_file_is_refused_before_decryption(
    sealed: tuple[Path, dict, list[Path]], damage: Any, reason: str
) -> None:
    target, _header, _docs = sealed
    damage(target, sealedbid.read(target))
    with pytest.raises(BidError) as caught:
        sealedbid.verify(sealedbid.read(target), SIGN.public_key)
    assert caught.value.reason == reason


def tamper(path: Path, at: int, data: bytes) -> None:
    raw = bytearray(path.read_bytes())
    raw[at : at + len(data)] = data
    path.write_bytes(bytes(raw))


HEADER_CHANGES = [
    lambda h: {**h, "extra": 1},
    lambda h: {k: v for k, v in h.items() if k != "tool"},
    lambda h: {**h, "tool": ""},
    lambda h: {**h, "tool": "x" * 101},
    lambda h: {**h, "bidder": ""},
    lambda h: {**h, "deadline": "2026-12-20T09:30:00.000000+08:00"},  # the same instant, not in UTC
    lambda h: {**h, "deadline": "2026-12-20T01:30:00Z"},  # no fraction
    lambda h: {**h, "deadline": "2026-12-20T01:30:00.000000"},  # naive
    lambda h: {**h, "deadline": "2026-12-20T01:30:00.000000z"},
    lambda h: {**h, "deadline": "2026-12-20T01:30:00.000000Z\n"},
    lambda h: {**h, "deadline": "2026-02-30T01:30:00.000000Z"},
    lambda h: {**h, "deadline": 1797730200},  # a number
    lambda h: {**h, "ciphertext_size": True},
    lambda h: {**h, "ciphertext_size": -1},
    lambda h: {**h, "ciphertext_sm3": h["ciphertext_sm3"].upper()},
    lambda h: {**h, "key_commitment": h["key_commitment"][:-1]},
    lambda h: {**h, "release_key": {**h["release_key"], "extra": ""}},
    lambda h: {**h, "release_key": {**h["release_key"], "public_key": h["release_key"]["public_key"][2:]}},
    lambda h: {**h, "release_key": {**h["release_key"], "binding": "00"}},
    lambda h: {**h, "release_key": None},
    lambda h: {**h, "wrapped_key": "xyz"},
    lambda h: {**h, "wrapped_key": "00" * 600},
    lambda h: {**h, "custodians": None},  # never null in v2
    lambda h: {**h, "signing_certificate": "not base64!"},
    lambda h: {**h, "signing_certificate": ""},
    lambda h: {**h, "signature": h["signature"][:-2]},
    lambda h: [h],
]


@pytest.mark.parametrize("change", HEADER_CHANGES)
def test_the_header_has_exactly_its_fields_each_in_its_one_spelling(
    sealed: tuple[Path, dict, list[Path]], change: Any
) -> None:
    target, header, _docs = sealed
    rewrite_header(target, canonical.dumps(change(header)))
    refused("malformed", sealedbid.read, target)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ('"ciphertext_size":', '"ciphertext_size":1.0,"ciphertext_size":'),  # a key twice
        ('"ciphertext_size":', '"ciphertext_size": '),  # not canonical (a space)
        ('"format":"ggzy-bid-v2",', ""),  # a field less, the rest canonical
        ('"tool":"ggzy-bid"', '"tool":"ggzy-bid","tool":"ggzy-bid"'),  # twice, the same value
    ],
)
def test_a_header_that_is_not_canonical_or_has_a_key_twice_is_malformed(
    sealed: tuple[Path, dict, list[Path]], old: str, new: str
) -> None:
    target, header, _docs = sealed
    rewrite_header(target, header_text(header, old, new))
    with pytest.raises(BidError) as caught:
        sealedbid.read(target)
    assert caught.value.reason in {"malformed", "format"}
    assert caught.value.reason == ("format" if '"format"' in old else "malformed")


@pytest.mark.parametrize("float_text", ["1.0", "1e3", "NaN", "Infinity", "-0.0"])
def test_a_float_anywhere_in_the_header_is_malformed_not_an_exception(
    sealed: tuple[Path, dict, list[Path]], float_text: str
) -> None:
    target, header, _docs = sealed
    size = str(header["ciphertext_size"])
    rewrite_header(
        target, header_text(header, f'"ciphertext_size":{size}', f'"ciphertext_size":{float_text}')
    )
    refused("malformed", sealedbid.read, target)
    k = header["custodians"]["k"]
    rewrite_header(target, header_text(header, f'"k":{k}', f'"k":{float_text}'))
    refused("malformed", sealedbid.read, target)


@pytest.mark.parametrize(
    "codes",
    [
        {"tender_project": "A210100202600000100"},  # 19 characters
        {"section": "A2101002026000001001001\n"},
        {"section": "A2101002026000001002001"},  # another tender project's section
        {"tender_project": "a2101002026000001001", "section": "a2101002026000001001001"},
    ],
)
def test_codes_that_are_not_the_formats_are_refused(
    sealed: tuple[Path, dict, list[Path]], codes: dict[str, str]
) -> None:
    target, header, _docs = sealed
    rewrite_header(target, {**header, **codes})
    refused("binding", sealedbid.read, target)


def test_another_signer_or_purpose_is_refused(sealed: tuple[Path, dict, list[Path]]) -> None:
    target, header, _docs = sealed
    refused("signature", sealedbid.verify, sealedbid.read(target), OTHER.public_key)
    for purpose in ("ggzy-bid-v1", "ggzy-release-v2"):  # right key, other purpose
        rewrite_header(target, resign(header, purpose=purpose))
        refused("signature", sealedbid.verify, sealedbid.read(target), SIGN.public_key)


# --- the release key --------------------------------------------------------------------------------------


def test_release_key_files_round_trip_and_are_never_overwritten(tmp_path: Path) -> None:
    key = sealedbid.release_key_generate()
    sealedbid.release_key_save(key, tmp_path / "release.key", "correct horse battery")
    loaded = sealedbid.release_key_load(tmp_path / "release.key", "correct horse battery")
    assert loaded.public_key == key.public_key
    assert json.loads((tmp_path / "release.key").read_text())["format"] == "ggzy-keyfile-v1"
    with pytest.raises(FileExistsError):
        sealedbid.release_key_save(sealedbid.release_key_generate(), tmp_path / "release.key", "another one!")
    assert (
        sealedbid.release_key_load(tmp_path / "release.key", "correct horse battery").public_key
        == key.public_key
    )


def test_the_release_key_binding_is_signed_by_the_signing_key_over_the_certificate() -> None:
    field = BIDDER.release_key
    assert field["public_key"] == RELEASE.public_key.hex()
    payload = {
        "format": "ggzy-release-key-v1",
        "public_key": RELEASE.public_key.hex(),
        "signing_certificate_sm3": sm3(BIDDER.signing_der).hex(),
    }
    SIGN.public_key.verify("ggzy-release-key-v1", payload, bytes.fromhex(field["binding"]))
    assert sealedbid.release_key_check(field, BIDDER.signing_der) == RELEASE.public_key


def unbound_release_keys() -> list[tuple[str, dict[str, str]]]:
    """Release-key fields seal must refuse for BIDDER (and what they are)."""
    other = bidder()
    payload = sealedbid.release_key_payload(RELEASE.public_key, BIDDER.signing_der)
    return [
        ("bound by another bidder's key", {**BIDDER.release_key, "binding": other.release_key["binding"]}),
        ("bound to another certificate", sealedbid.release_key_bind(RELEASE.public_key, other.signing,
                                                                     other.signing_der)),
        ("another release key", {**BIDDER.release_key, "public_key": OTHER.public_key.hex()}),
        ("signed for another purpose",
         {**BIDDER.release_key, "binding": SIGN.sign("ggzy-test-v1", payload).hex()}),
        (
            "the signing key itself",
            {
                "public_key": SIGN.public_key.hex(),
                "binding": SIGN.sign(
                    "ggzy-release-key-v1", sealedbid.release_key_payload(SIGN.public_key, BIDDER.signing_der)
                ).hex(),
            },
        ),
    ]  # fmt: skip


@pytest.mark.parametrize(("what", "field"), unbound_release_keys())
def test_seal_refuses_a_release_key_not_bound_to_the_signing_certificate_before_writing(
    tmp_path: Path, what: str, field: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    doc = tmp_path / "a.pdf"
    doc.write_bytes(b"%PDF-1.7")
    read: list[str] = []
    monkeypatch.setattr(sealing_module, "_inner", lambda *a, **k: read.append("inner") or iter(()))
    refused("release_key", seal_into, tmp_path / "bid.ggzybid", [doc], release_key=field)
    assert read == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.pdf"], what


def test_release_key_bind_refuses_the_certificates_own_key_or_another_signing_key() -> None:
    refused("release_key", sealedbid.release_key_bind, SIGN.public_key, SIGN, BIDDER.signing_der)
    refused("release_key", sealedbid.release_key_bind, RELEASE.public_key, OTHER, BIDDER.signing_der)


def test_seal_refuses_a_signing_key_that_is_not_the_certificates(tmp_path: Path) -> None:
    doc = tmp_path / "a.pdf"
    doc.write_bytes(b"%PDF-1.7")
    refused("signature", seal_into, tmp_path / "bid.ggzybid", [doc], signing_key=OTHER)
    refused("malformed", seal_into, tmp_path / "bid.ggzybid", [doc], signing_certificate=b"not DER")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.pdf"]


def test_verify_refuses_a_header_whose_release_key_is_not_bound(
    sealed: tuple[Path, dict, list[Path]],
) -> None:
    """A header re-signed by the bidder around a release key its certificate did not bind (or that is the
    certificate's own key) is refused: the release key must be the bidder's, made for this certificate."""
    target, header, _docs = sealed
    for what, field in unbound_release_keys():
        rewrite_header(target, resign({**header, "release_key": field}))
        with pytest.raises(BidError) as caught:
            sealedbid.verify(sealedbid.read(target), SIGN.public_key)
        assert caught.value.reason == "release_key", what


def test_only_the_release_key_unwraps_and_a_wrong_key_fails_the_commitment(
    sealed: tuple[Path, dict, list[Path]], tmp_path: Path
) -> None:
    target, _header, _docs = sealed
    bid = sealedbid.read(target)
    refused("key", sealedbid.unwrap, bid, SIGN)  # the signing key is not the release key
    refused("key", sealedbid.unwrap, bid, OTHER)
    assert sealedbid.unwrap(bid, RELEASE) == sealedbid.unwrap(bid, RELEASE)
    refused("commitment", sealedbid.open_bid, bid, b"\x00" * 16, tmp_path / "out")
    assert not (tmp_path / "out").exists()


# --- the release ---------------------------------------------------------------------------------------


def resigned_release(release: dict[str, Any], key: Sm2PrivateKey = SIGN, **changes: Any) -> dict[str, Any]:
    payload = {**release["payload"], **changes}
    return {"payload": payload, "signature": key.sign("ggzy-release-v2", payload).hex()}


def test_a_release_for_another_bid_or_by_another_key_is_refused(
    sealed: tuple[Path, dict, list[Path]], tmp_path: Path
) -> None:
    target, header, docs = sealed
    bid = sealedbid.read(target)
    release = sealedbid.release(bid, RELEASE, SIGN)
    refused("release", sealedbid.check_release, bid, release, OTHER.public_key)
    other = tmp_path / "other.ggzybid"
    seal_into(other, docs)
    refused("release", sealedbid.check_release, sealedbid.read(other), release, SIGN.public_key)
    for changes in (
        {"bidder": "91210100730000025X"},
        {"section": "A2101002026000001001002"},
        {"format": "ggzy-release-v1"},
        {"format": "ggzy-bid-v2"},
        {"ciphertext_sm3": "00" * 32},
        {"dek": "00" * 16},  # a key that is not the committed one
    ):
        error = refused(
            "release", sealedbid.check_release, bid, resigned_release(release, **changes), SIGN.public_key
        )
        assert next(iter(changes)) in str(error) or "commitment" in str(error)
    v1_purpose = {
        "payload": release["payload"],
        "signature": SIGN.sign("ggzy-release-v1", release["payload"]).hex(),
    }
    refused("release", sealedbid.check_release, bid, v1_purpose, SIGN.public_key)
    assert sealedbid.check_release(bid, release, SIGN.public_key) == sealedbid.unwrap(bid, RELEASE)
    assert header["ciphertext_sm3"] == release["payload"]["ciphertext_sm3"]


@pytest.mark.parametrize(
    "change",
    [
        lambda r: r.update(extra=1),
        lambda r: r["payload"].update(extra=1),
        lambda r: r["payload"].pop("bidder"),
        lambda r: r["payload"].update(dek="00" * 15),
        lambda r: r["payload"].update(dek=r["payload"]["dek"].upper()),
        lambda r: r["payload"].update(dek=1.5),
        lambda r: r.update(payload=None),
    ],
)
def test_a_malformed_release_is_refused(sealed: tuple[Path, dict, list[Path]], change: Any) -> None:
    target, _header, _docs = sealed
    bid = sealedbid.read(target)
    release = copy.deepcopy(sealedbid.release(bid, RELEASE, SIGN))
    change(release)
    refused("malformed", sealedbid.check_release, bid, release, SIGN.public_key)


def test_a_release_with_a_float_is_refused_not_raised(sealed: tuple[Path, dict, list[Path]]) -> None:
    target, _header, _docs = sealed
    bid = sealedbid.read(target)
    release = copy.deepcopy(sealedbid.release(bid, RELEASE, SIGN))
    release["payload"]["section"] = 1.5
    refused("release", sealedbid.check_release, bid, release, SIGN.public_key)


def test_a_chunk_bound_to_another_section_does_not_open(
    sealed: tuple[Path, dict, list[Path]], tmp_path: Path
) -> None:
    """The associated data binds every chunk: a header rewritten to another section (and re-signed by
    the bidder) cannot reuse the ciphertext."""
    target, header, _docs = sealed
    dek = sealedbid.unwrap(sealedbid.read(target), RELEASE)
    rewrite_header(target, resign({**header, "section": "A2101002026000001001002"}))
    rebound = sealedbid.read(target)
    sealedbid.verify(rebound, SIGN.public_key)  # the header itself is consistent …
    refused("chunk", sealedbid.open_bid, rebound, dek, tmp_path / "out")  # … but no chunk opens
    assert not (tmp_path / "out").exists()


# --- the binding, strictly -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"deadline": DEADLINE.replace(tzinfo=None)}, "malformed"),  # naive: refused, not raised
        ({"deadline": 1797730200.0}, "malformed"),  # a float
        ({"deadline": "2026-12-20T01:30:00.000000Z"}, "malformed"),  # a string is not a datetime
        ({"bidder": ""}, "malformed"),
        ({"section": "A2101002026000001001"}, "binding"),
        ({"tender_project": "A2101002026000001002"}, "binding"),
    ],
)
def test_a_binding_that_is_not_the_formats_is_refused(changes: dict[str, Any], reason: str) -> None:
    fields = {**dataclasses.asdict(BINDING), **changes}
    refused(reason, Binding, **fields)


def test_a_deadline_in_another_zone_is_sealed_in_utc(tmp_path: Path) -> None:
    china = dt.timezone(dt.timedelta(hours=8))
    doc = tmp_path / "a.pdf"
    doc.write_bytes(b"%PDF")
    header = seal_into(
        tmp_path / "b.ggzybid",
        [doc],
        binding=dataclasses.replace(BINDING, deadline=DEADLINE.astimezone(china)),
    )
    assert header["deadline"] == "2026-12-20T01:30:00.000000Z"


# --- the whole-file vector (§10) ---------------------------------------------------------------------


def vector() -> dict[str, Any]:
    return json.loads((VECTORS / "bid-v2.json").read_text(encoding="utf-8"))


def vector_keys() -> dict[str, Any]:
    return vector()["keys"]


def key_of(pair: dict[str, str]) -> Sm2PrivateKey:
    return Sm2PrivateKey(bytes.fromhex(pair["secret"]), Sm2PublicKey.from_hex(pair["public_key"]))


def test_the_committed_whole_file_vector_opens_with_its_keys(tmp_path: Path) -> None:
    data = vector()
    expected, keys = data["expected"], data["keys"]
    raw = (VECTORS / "bid-v2.ggzybid").read_bytes()
    assert (sm3(raw).hex(), len(raw)) == (expected["file_sm3"], expected["file_size"])
    bid = sealedbid.read(VECTORS / "bid-v2.ggzybid")
    stream_bytes = raw[bid.stream_offset : bid.stream_offset + bid.stream_size]
    assert (sm3(stream_bytes).hex(), bid.stream_size) == (expected["stream_sm3"], expected["stream_size"])
    signer = key_of(keys["signing"]).public_key
    sealedbid.verify(bid, signer)
    cset = custodians.set_verify(keys["custodian_set"])
    assert bid.header["custodians"]["set"] == cset.fingerprint
    assert custodians.notice_valid(keys["deadline_notice"], cset)
    assert custodians.release_at(bid.header, [keys["deadline_notice"]], cset) == DEADLINE
    release = key_of(keys["release"])
    sealedbid.check_bid(bid, release)
    dek = sealedbid.unwrap(bid, release)
    assert dek.hex() == data["inputs"]["dek"]
    assert bid.header["key_commitment"] == expected["key_commitment"]
    manifest = sealedbid.open_bid(bid, dek, tmp_path / "opened")
    entries = expected["entries"]
    for entry in entries[:-1]:
        assert (tmp_path / "opened" / entry["name"]).read_text(encoding="utf-8") == entry["text"]
    assert canonical.dumps(manifest).decode() == entries[-1]["text"]
    # the custodians' path rebuilds the same key from their shares
    shares = {}
    for member in keys["custodians"][:2]:
        share = bid.header["custodians"]["shares"][member["index"] - 1]
        plaintext = key_of(member["encryption"]).decrypt(bytes.fromhex(share["wrapped"]))
        assert plaintext == custodians.share_plaintext(
            member["index"], bytes.fromhex(json.loads(plaintext)["share"]), custodians.binding_of(bid.header)
        )
        shares[member["index"]] = bytes.fromhex(json.loads(plaintext)["share"])
    assert custodians.combine(shares, 2, lambda key: key == dek) == (dek, [])


def test_the_whole_file_vector_regenerates(tmp_path: Path) -> None:
    """The generator (vectors/make_bid_v2.py) seals the same stream again with the committed keys: only
    the SM2 parts of the header differ."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_bid_v2", VECTORS / "make_bid_v2.py")
    assert spec is not None
    assert spec.loader is not None
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    again = generator.seal(tmp_path, vector_keys())
    committed = sealedbid.read(VECTORS / "bid-v2.ggzybid")
    fresh = sealedbid.read(again)
    part = slice(committed.stream_offset, committed.stream_offset + committed.stream_size)
    assert again.read_bytes()[8 : 8 + fresh.stream_size] == (VECTORS / "bid-v2.ggzybid").read_bytes()[part]
    assert generator.expected(again)["entries"] == vector()["expected"]["entries"]
    same = {"signature", "wrapped_key", "custodians", "release_key"}
    assert {k: v for k, v in fresh.header.items() if k not in same} == {
        k: v for k, v in committed.header.items() if k not in same
    }


def test_an_independent_implementation_opens_the_bid() -> None:  # noqa: PLR0915  (the document, step by step)
    """Written from docs/sealed-bid-format.md alone: smcryptopy (Rust SM2) verifies the signatures and
    unwraps the release key's copy of the DEK, `cryptography`'s SM4-GCM decrypts the chunks and its HMAC
    checks the commitment — without ggzy_sm, on the committed whole-file vector (§10)."""
    from cryptography.hazmat.primitives import hashes, hmac
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    from smcryptopy import sm2 as other
    from smcryptopy import sm3 as other_sm3

    data = json.loads((VECTORS / "bid-v2.json").read_text(encoding="utf-8"))
    keys, expected = data["keys"], data["expected"]
    raw = (VECTORS / "bid-v2.ggzybid").read_bytes()
    uid = b"1234567812345678"

    def canon(value: Any) -> bytes:  # RFC 8785 for these values: ASCII keys, strings and integers only
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()

    def signed(purpose: str, payload: Any, signature_hex: str, public_key_hex: str) -> bool:
        r, s = int(signature_hex[:64], 16), int(signature_hex[64:], 16)
        message = canon({"purpose": purpose, "payload": payload})
        return other.verify(uid, message, encode_dss_signature(r, s), public_key_hex[2:]) == 1

    # §1: MAGIC ‖ stream ‖ header ‖ L ‖ TRAILER
    assert raw[:8] == b"GGZYBID2"
    assert raw[-8:] == b"GGZYEND2"
    (length,) = struct.unpack(">I", raw[-12:-8])
    assert 1 <= length <= 262_144
    header_bytes = raw[len(raw) - 12 - length : len(raw) - 12]
    body = raw[8 : len(raw) - 12 - length]
    header = json.loads(header_bytes)
    assert canon(header) == header_bytes  # canonical JSON
    # §3: the bidder's signature, by the key of its signing certificate
    certificate_der = base64.b64decode(header["signing_certificate"])
    signing_key = keys["signing"]["public_key"]
    assert bytes.fromhex(signing_key) in certificate_der  # the certificate's SubjectPublicKeyInfo holds it
    unsigned = {k: v for k, v in header.items() if k != "signature"}
    assert signed("ggzy-bid-v2", unsigned, header["signature"], signing_key)
    assert other_sm3.sm3_hash(body) == header["ciphertext_sm3"]
    assert len(body) == header["ciphertext_size"]
    # §5: the release key, bound to that certificate; the DEK wrapped to it
    release_key = header["release_key"]
    binding = {
        "format": "ggzy-release-key-v1",
        "public_key": release_key["public_key"],
        "signing_certificate_sm3": other_sm3.sm3_hash(certificate_der),
    }
    assert signed("ggzy-release-key-v1", binding, release_key["binding"], signing_key)
    assert release_key["public_key"] != signing_key
    assert release_key["public_key"] == keys["release"]["public_key"]
    # smcryptopy drops leading zero bytes of a plaintext (this DEK starts with 00): put them back
    dek = other.decrypt_asna1(bytes.fromhex(header["wrapped_key"]), keys["release"]["secret"]).rjust(
        16, b"\x00"
    )
    mac = hmac.HMAC(dek, hashes.SM3())
    mac.update(b"ggzy-commit-v1")
    assert mac.finalize().hex() == header["key_commitment"]
    # §4: the stream
    aad = canon(
        {
            "format": "ggzy-bid-v2",
            "tender_project": header["tender_project"],
            "section": header["section"],
            "bidder": header["bidder"],
            "deadline": header["deadline"],
        }
    )
    stream_header, chunks = body[:20], body[20:]
    magic, version, chunk_size, prefix = struct.unpack(">8sBI7s", stream_header)
    assert (magic, version) == (b"GGZYSM4S", 1)
    sealed_size, plain, index = chunk_size + 16, b"", 0
    while True:
        piece, chunks = chunks[:sealed_size], chunks[sealed_size:]
        last = not chunks
        nonce = prefix + struct.pack(">IB", index, 1 if last else 0)
        decryptor = Cipher(algorithms.SM4(dek), modes.GCM(nonce, piece[-16:])).decryptor()
        decryptor.authenticate_additional_data(stream_header + aad)
        plain += decryptor.update(piece[:-16]) + decryptor.finalize()
        index += 1
        if last:
            break
    # §2: entries, in their order, then "Z" and nothing after it
    entries: list[tuple[str, bytes]] = []
    at = 0
    while plain[at : at + 1] == b"E":
        (name_length,) = struct.unpack(">H", plain[at + 1 : at + 3])
        name = plain[at + 3 : at + 3 + name_length].decode("utf-8")
        (size,) = struct.unpack(">Q", plain[at + 3 + name_length : at + 11 + name_length])
        start = at + 11 + name_length
        entries.append((name, plain[start : start + size]))
        at = start + size
    assert plain[at:] == b"Z"
    names = [name for name, _ in entries]
    assert names[:2] == ["opening-sheet.json", "machine.json"]
    assert names[-1] == "manifest.json"
    documents = [n for n in names if n.startswith("documents/")]
    assert documents == sorted(documents, key=lambda n: n.encode())
    assert len(set(documents)) == len(documents)
    contents = dict(entries)
    manifest = json.loads(contents["manifest.json"])
    assert canon(manifest) == contents["manifest.json"]
    assert set(manifest) == {"format", "documents"}
    assert manifest["format"] == "ggzy-bid-v2"
    assert manifest["documents"] == {
        name: {"sm3": other_sm3.sm3_hash(data), "size": len(data)} for name, data in entries[:-1]
    }
    assert json.loads(contents["opening-sheet.json"]) == data["inputs"]["opening_sheet"]
    machine = json.loads(contents["machine.json"])
    assert set(machine) == {"format", "mac", "cpu", "disk", "memory", "board", "tool"}
    assert machine["format"] == "ggzy-machine-v1"
    assert contents["documents/a.pdf"] == b"%PDF-1.7 vector"
    assert [(n, d.decode()) for n, d in entries] == [(e["name"], e["text"]) for e in expected["entries"]]


# --- the opening sheet's schema, on both sides ---------------------------------------------------------


def leftovers(folder: Path) -> list[str]:
    """Hidden temporary files or directories (sealing's or opening's) left behind."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


@pytest.mark.parametrize(
    "sheet",
    [
        {"price": {"kind": "amount", "fen": 100}},  # no "schema"
        {**SHEET, "price": {"kind": "amount", "fen": 12.5}},  # a float
        {**SHEET, "price": {"kind": "amount", "fen": 100.0}},  # a float JSON Schema counts as an integer
        {**SHEET, "price": {"kind": "rate", "percent": 3.5}},  # a rate as a number
        {**SHEET, "bonus": "free"},  # a field the schema does not have
    ],
)
def test_sealing_refuses_a_sheet_off_the_schema_before_any_work(
    tmp_path: Path, sheet: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    doc = tmp_path / "a.pdf"
    doc.write_bytes(b"%PDF-1.7")
    read: list[str] = []

    def inner(*args: object, **kwargs: object) -> Iterator[bytes]:
        read.append("inner")
        return iter(())

    monkeypatch.setattr(sealing_module, "_inner", inner)
    error = refused("opening_sheet", seal_into, tmp_path / "bid.ggzybid", [doc], opening_sheet=sheet)
    assert "ggzy-opening-sheet-v1" in str(error)
    assert isinstance(error.__cause__, openingsheet.SheetError)
    assert read == []  # no document was read
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.pdf"]


def seal_unchecked(
    target: Path, sheet: dict[str, Any], docs: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bid sealed by a tool that does not check the schema (the opener must catch it)."""
    with monkeypatch.context() as patched:
        patched.setattr(openingsheet, "check", dict)
        seal_into(target, docs, opening_sheet=sheet)


def test_the_opener_refuses_a_sheet_off_the_schema(
    sealed: tuple[Path, dict, list[Path]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _target, _header, docs = sealed
    bad = tmp_path / "bad.ggzybid"
    seal_unchecked(bad, {**SHEET, "price": {"kind": "discount", "percent": "95.12345"}}, docs, monkeypatch)
    bid = sealedbid.read(bad)
    error = refused(
        "opening_sheet", sealedbid.open_bid, bid, sealedbid.unwrap(bid, RELEASE), tmp_path / "out"
    )
    assert "at price" in str(error)
    assert not (tmp_path / "out").exists()
    assert leftovers(tmp_path) == []
    refused("opening_sheet", sealedbid.check_bid, bid, RELEASE)  # the bidder finds it before the deadline


# --- the inner payload, strictly (§2) ----------------------------------------------------------------------


def bid_of(target: Path, inner: bytes, chunk_size: int = 4096) -> tuple[sealedbid.BidFile, bytes]:
    """A correctly encrypted and signed bid around any inner payload (what a faulty or hostile tool
    could produce): every chunk verifies, so what is refused is the payload itself."""
    dek, body = os.urandom(16), io.BytesIO()
    stream._encrypt_with(dek, os.urandom(7), io.BytesIO(inner), body, BINDING.aad(), chunk_size=chunk_size)
    unsigned: dict[str, Any] = {
        "format": "ggzy-bid-v2", **BINDING.fields(), "ciphertext_sm3": sm3(body.getvalue()).hex(),
        "ciphertext_size": len(body.getvalue()), "key_commitment": sealedbid.commitment(dek),
        "release_key": BIDDER.release_key, "wrapped_key": RELEASE.public_key.encrypt(dek).hex(),
        "tool": "test",
        "signing_certificate": base64.b64encode(BIDDER.signing_der).decode(),
    }  # fmt: skip
    unsigned["custodians"] = custodians.split(dek, CSET, custodians.binding_of(unsigned))
    encoded = canonical.dumps({**unsigned, "signature": SIGN.sign("ggzy-bid-v2", unsigned).hex()})
    target.write_bytes(
        b"GGZYBID2" + body.getvalue() + encoded + struct.pack(">I", len(encoded)) + b"GGZYEND2"
    )
    bid = sealedbid.read(target)
    sealedbid.verify(bid, SIGN.public_key)
    return bid, dek


def entry(name: str, data: bytes) -> bytes:
    encoded = name.encode()
    return b"E" + struct.pack(">H", len(encoded)) + encoded + struct.pack(">Q", len(data)) + data


def payload(
    files: list[tuple[str, bytes]], *, manifest: dict[str, Any] | bytes | None = None, end: bytes = b"Z"
) -> bytes:
    listed = {name: {"sm3": sm3(data).hex(), "size": len(data)} for name, data in files}
    if isinstance(manifest, bytes):
        body = manifest
    else:
        body = canonical.dumps(manifest or {"format": "ggzy-bid-v2", "documents": listed})
    return b"".join(entry(n, d) for n, d in files) + entry("manifest.json", body) + end


SHEET_BYTES = canonical.dumps(SHEET)
MACHINE_BYTES = canonical.dumps(sealedbid.machine_record())
DOC = bytes(range(256)) * 40  # spans several 4,096-byte chunks
TWICE = (
    b'{"price":{"kind":"amount","fen":1},"price":{"kind":"amount","fen":2},"schema":"ggzy-opening-sheet-v1"}'
)
LEAD = [("opening-sheet.json", SHEET_BYTES), ("machine.json", MACHINE_BYTES)]
GOOD = [*LEAD, ("documents/a", DOC)]


def listed_manifest(files: list[tuple[str, bytes]]) -> dict[str, Any]:
    return {
        "format": "ggzy-bid-v2",
        "documents": {n: {"sm3": sm3(d).hex(), "size": len(d)} for n, d in files},
    }


def manifest_text(old: bytes, new: bytes) -> bytes:
    """GOOD's manifest with one spelling changed."""
    raw = canonical.dumps(listed_manifest(GOOD))
    assert old in raw
    return raw.replace(old, new, 1)


def with_sheet(raw: bytes) -> bytes:
    return payload([("opening-sheet.json", raw), LEAD[1]])


def with_machine(old: bytes, new: bytes) -> bytes:
    assert old in MACHINE_BYTES
    return payload([LEAD[0], ("machine.json", MACHINE_BYTES.replace(old, new, 1))])


def test_a_well_formed_payload_opens_in_one_pass(tmp_path: Path) -> None:
    files = [
        *LEAD,
        ("documents/a", DOC),
        ("documents/b/c.pdf", b"c"),
        ("documents/b0", b"0"),
        ("boq.xml", b"<b/>"),
    ]
    bid, dek = bid_of(tmp_path / "b.ggzybid", payload(files))
    manifest = sealedbid.open_bid(bid, dek, tmp_path / "out")
    assert (tmp_path / "out" / "documents" / "a").read_bytes() == DOC
    assert (tmp_path / "out" / "documents" / "b" / "c.pdf").read_bytes() == b"c"
    assert (tmp_path / "out" / "boq.xml").read_bytes() == b"<b/>"
    assert manifest["documents"]["documents/a"] == {"sm3": sm3(DOC).hex(), "size": len(DOC)}
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize(
    ("inner", "reason"),
    [
        (payload(GOOD, end=b"Z!"), "manifest"),  # a byte after "Z"
        (payload(GOOD, end=b"Z" + entry("documents/b", b"x")), "manifest"),  # an entry after "Z"
        (payload(GOOD, end=b""), "malformed"),  # no "Z"
        (payload(GOOD, end=b"X"), "malformed"),  # another byte where "Z" belongs
        (payload(GOOD)[:-200], "malformed"),  # cut inside the manifest
        (payload([*GOOD, ("documents/a", DOC)]), "manifest"),  # a name twice
        (payload([*LEAD, ("documents/b", DOC), ("documents/a", DOC)]), "manifest"),  # out of order
        (payload([*LEAD, ("documents/b", DOC), ("documents/B", DOC)]), "manifest"),  # out of byte order
        (payload([*GOOD, ("documents/", b"x")]), "manifest"),  # an empty segment
        (payload([*LEAD, ("documents//a", b"x")]), "manifest"),
        (payload([*LEAD, ("documents/a/", b"x")]), "manifest"),
        (payload([*GOOD, ("documents/b/./c", b"x")]), "manifest"),  # a "." segment
        (payload([*GOOD, ("documents/b/../../x", DOC)]), "manifest"),  # a name out of the folder
        (payload([*GOOD, ("documents/b\\c", b"x")]), "manifest"),  # a backslash
        (payload([*GOOD, ("documents/b\x00", b"x")]), "manifest"),  # NUL
        (payload([*GOOD, ("documents/b\x1b[0m", b"x")]), "manifest"),  # a control character
        (payload([*GOOD, ("documents/b\u0085", b"x")]), "manifest"),  # a C1 control character
        (payload([*GOOD, ("documents/" + "x" * 1015, b"x")]), "manifest"),  # 1,025 bytes
        (payload([*GOOD, ("documents/a/b", b"x")]), "manifest"),  # documents/a a file and a folder
        (payload([*GOOD, ("documents/a.pdf", b"x"), ("documents/a/b", b"x")]), "manifest"),  # … apart
        (payload([*GOOD, ("./opening-sheet.json", b"{}")]), "manifest"),  # a name the format has not
        (payload([*GOOD, ("other.txt", b"x")]), "manifest"),
        (payload([*GOOD, ("boq.xml", b"<b/>"), ("documents/z", b"x")]), "manifest"),  # a document after BoQ
        (payload([*GOOD, ("boq.xml", b"<b/>"), ("boq.xml", b"<b/>")]), "manifest"),
        (payload(GOOD)[:-1] + entry("documents/b", b"x") + b"Z", "manifest"),  # an entry after the manifest
        (payload(GOOD, manifest={"format": "ggzy-bid-v2", "documents": {}}), "manifest"),  # not listed
        (payload(GOOD, manifest={**listed_manifest(GOOD), "extra": 1}), "manifest"),  # another field
        (payload(GOOD, manifest={**listed_manifest(GOOD), "format": "ggzy-bid-v1"}), "manifest"),
        (payload(GOOD, manifest=canonical.dumps(listed_manifest(GOOD)).replace(b":", b": ", 1)), "manifest"),
        (payload(GOOD, manifest=manifest_text(b'"size":10240', b'"size":10240.0')), "manifest"),
        (payload(GOOD, manifest=manifest_text(b'"size":10240', b'"size":true')), "manifest"),
        (payload(GOOD, manifest=b"not json"), "manifest"),
        (payload(GOOD[1:]), "manifest"),  # no opening sheet
        (payload([LEAD[1], LEAD[0], GOOD[2]]), "manifest"),  # the machine first
        (payload([LEAD[0], GOOD[2]]), "manifest"),  # no machine
        (payload([LEAD[0]]), "manifest"),  # the sheet, and nothing else
        (payload([("opening-sheet.json", TWICE), LEAD[1]]), "opening_sheet"),  # a key twice: not canonical
        (payload([("opening-sheet.json", b"not json"), LEAD[1]]), "opening_sheet"),
        (with_sheet(SHEET_BYTES.replace(b"1234567800", b"1234567800.0")), "opening_sheet"),
        (with_sheet(canonical.dumps({**SHEET, "schema": "v2"})), "opening_sheet"),
        (payload([LEAD[0], ("machine.json", b"{}")]), "machine"),
        (with_machine(b'"cpu":""', b'"cpu":"","cpu":""'), "machine"),
        (with_machine(b'"mac":[]', b'"mac":["00:1C:42:00:00:08"]'), "machine"),
        (with_machine(b'"mac":[]', b'"mac":[""]'), "machine"),
        (with_machine(b'"disk":[]', b'"disk":""'), "machine"),
        (with_machine(b'"cpu":""', b'"cpu":1.5'), "machine"),
        (with_machine(b'"board":""', b'"board":"","hash":""'), "machine"),
        (payload([LEAD[0], ("machine.json", b"\xff")]), "machine"),
    ],
)  # fmt: skip
def test_a_payload_that_is_not_exactly_right_is_refused_and_leaves_nothing(
    tmp_path: Path, inner: bytes, reason: str
) -> None:
    bid, dek = bid_of(tmp_path / "b.ggzybid", inner)
    refused(reason, sealedbid.open_bid, bid, dek, tmp_path / "out")
    assert not (tmp_path / "out").exists()
    assert leftovers(tmp_path) == []
    assert not (tmp_path / "x").exists()
    before = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(BidError) as caught:  # check_bid refuses it the same way, writing nothing
        sealedbid.check_bid(bid, RELEASE)
    assert caught.value.reason == reason
    assert sorted(p.name for p in tmp_path.iterdir()) == before


@pytest.mark.parametrize(
    ("chunk_size", "opens"), [(4095, False), (4096, True), (1 << 20, True), ((1 << 20) + 1, False)]
)
def test_the_chunk_size_is_4096_to_1048576(tmp_path: Path, chunk_size: int, opens: bool) -> None:
    bid, dek = bid_of(tmp_path / "b.ggzybid", payload(GOOD), chunk_size=chunk_size)
    if opens:
        sealedbid.open_bid(bid, dek, tmp_path / "out")
    else:
        refused("malformed", sealedbid.open_bid, bid, dek, tmp_path / "out")
        refused("malformed", sealedbid.check_bid, bid, RELEASE)
    assert leftovers(tmp_path) == []


def chunked(path: Path) -> tuple[bytes, list[bytes], bytes]:
    """(everything before the first chunk, the chunks, the header and what follows) of a sealed bid
    with the default chunk size."""
    bid = sealedbid.read(path)
    raw = path.read_bytes()
    start, end = bid.stream_offset + stream.HEADER.size, bid.stream_offset + bid.stream_size
    body = raw[start:end]
    size = stream.DEFAULT_CHUNK + 16
    return raw[:start], [body[i : i + size] for i in range(0, len(body), size)], raw[end:]


@pytest.mark.parametrize(
    "cut",
    [
        lambda chunks: chunks[:-1],  # cut at a chunk boundary, after documents were written
        lambda chunks: [chunks[0], chunks[2], chunks[1], *chunks[3:]],  # reordered
        lambda chunks: [*chunks[:2], chunks[1], *chunks[2:]],  # a chunk repeated
        lambda chunks: [*chunks[:-1], chunks[-1][:-1]],  # the last tag cut short
    ],
)
def test_a_cut_or_reordered_stream_is_refused_after_earlier_chunks_were_parsed(
    sealed: tuple[Path, dict, list[Path]], tmp_path: Path, cut: Any
) -> None:
    """The header still names the stream's old SM3 (verify would refuse it); the opener, handed the
    DEK, refuses it chunk by chunk all the same."""
    target, _header, _docs = sealed
    dek = sealedbid.unwrap(sealedbid.read(target), RELEASE)
    lead, chunks, tail = chunked(target)
    assert len(chunks) >= 3  # the technical proposal spans chunks
    target.write_bytes(lead + b"".join(cut(chunks)) + tail)
    bid = sealedbid.read(target)
    refused("ciphertext", sealedbid.verify, bid, SIGN.public_key)
    refused("chunk", sealedbid.open_bid, bid, dek, tmp_path / "out")
    assert not (tmp_path / "out").exists()
    assert leftovers(tmp_path) == []


def test_opening_keeps_memory_flat(tmp_path: Path) -> None:
    """Memory is one chunk or so, whatever the size: no document or payload is held whole."""
    doc = tmp_path / "large.pdf"
    doc.write_bytes(os.urandom(6 * 1024 * 1024))
    target = tmp_path / "large.ggzybid"
    seal_into(target, [doc])
    bid = sealedbid.read(target)
    dek = sealedbid.unwrap(bid, RELEASE)
    manifest: Any = None
    peaks = []
    for opening in (
        lambda: sealedbid.open_bid(bid, dek, tmp_path / "out"),
        lambda: sealedbid.check_bid(bid, RELEASE),
    ):
        tracemalloc.start()
        try:
            outcome = opening()
            _current, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        peaks.append(peak)
        manifest = outcome or manifest
    assert peaks[0] < 2 * 1024 * 1024  # a few 64 KiB chunks, against 6 MB of document
    assert peaks[1] < 3 * 1024 * 1024  # check_bid reads the ciphertext by 1 MB blocks first (its SM3)
    assert manifest["documents"]["documents/large.pdf"]["size"] == 6 * 1024 * 1024
    assert sorted(p.name for p in tmp_path.iterdir()) == ["large.ggzybid", "large.pdf", "out"]  # no plaintext


# --- checking before the deadline (§5) ------------------------------------------------------------------


def test_check_bid_decrypts_everything_and_writes_nothing(
    sealed: tuple[Path, dict, list[Path]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target, _header, _docs = sealed
    bid = sealedbid.read(target)
    before = sorted(str(p) for p in tmp_path.rglob("*"))
    created: list[str] = []
    real_open = Path.open

    def watching(self: Path, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if any(c in mode for c in "wxa"):
            created.append(str(self))
        return real_open(self, mode, *args, **kwargs)

    monkeypatch.setattr(Path, "open", watching)
    assert sealedbid.check_bid(bid, RELEASE) is None
    assert created == []
    assert sorted(str(p) for p in tmp_path.rglob("*")) == before


def test_check_bid_refuses_with_the_reason(sealed: tuple[Path, dict, list[Path]]) -> None:
    target, _header, _docs = sealed
    bid = sealedbid.read(target)
    refused("key", sealedbid.check_bid, bid, OTHER)
    refused("key", sealedbid.check_bid, bid, SIGN)
    tamper(target, bid.stream_offset + 100, b"\xff\xfe")
    refused("ciphertext", sealedbid.check_bid, sealedbid.read(target), RELEASE)


# --- sealing: one pass, constant memory, nothing left on a refusal ------------------------------------


def test_progress_is_reported_up_to_the_total(sealed: tuple[Path, dict, list[Path]], tmp_path: Path) -> None:
    _target, _header, docs = sealed
    calls: list[tuple[int, int]] = []
    seal_into(tmp_path / "p.ggzybid", docs, progress=lambda done, total: calls.append((done, total)))
    total = len(canonical.dumps(SHEET)) + len(MACHINE_BYTES) + sum(d.stat().st_size for d in docs)
    assert calls[0] == (0, total)
    assert calls[-1] == (total, total)
    assert all(t == total for _, t in calls)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
    assert len(calls) >= 3


def test_a_document_that_changes_while_sealing_is_refused(tmp_path: Path) -> None:
    doc = tmp_path / "a.pdf"
    doc.write_bytes(b"%PDF-1.7 " * 1000)

    def grow(done: int, total: int) -> None:
        if done == len(canonical.dumps(SHEET)) + len(MACHINE_BYTES):  # the lead is in, the document not
            with doc.open("ab") as fh:
                fh.write(b"late")

    refused("malformed", seal_into, tmp_path / "bid.ggzybid", [doc], progress=grow)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.pdf"]


@pytest.mark.parametrize(
    "documents",
    [
        [("a/", "a.pdf")],
        [("", "a.pdf")],
        [("a/../b", "a.pdf")],
        [("a\\b", "a.pdf")],
        [("a\x07", "a.pdf")],
        [("x" * 1015, "a.pdf")],
        [("a", "a.pdf"), ("a/b", "a.pdf")],  # a file and a folder
        [("a", "a.pdf"), ("a", "a.pdf")],  # one name twice
        ["a.pdf", ("a.pdf", "a.pdf")],
    ],
)
def test_seal_refuses_document_names_the_format_does_not_have_before_writing(
    tmp_path: Path, documents: list[Any]
) -> None:
    (tmp_path / "a.pdf").write_bytes(b"%PDF")
    given = [tmp_path / d if isinstance(d, str) else (d[0], tmp_path / d[1]) for d in documents]
    refused("malformed", seal_into, tmp_path / "bid.ggzybid", given)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.pdf"]


def test_seal_writes_documents_in_the_formats_order_with_folders(tmp_path: Path) -> None:
    for name in ("b.pdf", "a.pdf", "c.pdf"):
        (tmp_path / name).write_bytes(name.encode())
    given = [
        ("技术标/第二册.pdf", tmp_path / "b.pdf"),
        tmp_path / "c.pdf",
        ("Z.pdf", tmp_path / "a.pdf"),
        ("技术标/第一册.pdf", tmp_path / "a.pdf"),
    ]
    seal_into(tmp_path / "bid.ggzybid", given, boq=tmp_path / "a.pdf")
    bid = sealedbid.read(tmp_path / "bid.ggzybid")
    sealedbid.open_bid(bid, sealedbid.unwrap(bid, RELEASE), tmp_path / "out")
    assert (tmp_path / "out" / "documents" / "技术标" / "第二册.pdf").read_bytes() == b"b.pdf"
    # the order inside the payload: by the UTF-8 bytes of the names ("Z" < "c" < "技")
    payload_names = []
    dek = sealedbid.unwrap(bid, RELEASE)
    with bid.path.open("rb") as fh:
        fh.seek(bid.stream_offset)
        inner = b"".join(stream.decrypt_chunks(dek, io.BytesIO(fh.read(bid.stream_size)), BINDING.aad()))
    at = 0
    while inner[at : at + 1] == b"E":
        (n,) = struct.unpack(">H", inner[at + 1 : at + 3])
        (size,) = struct.unpack(">Q", inner[at + 3 + n : at + 11 + n])
        payload_names.append(inner[at + 3 : at + 3 + n].decode())
        at += 11 + n + size
    assert payload_names == [
        "opening-sheet.json", "machine.json", "documents/Z.pdf", "documents/c.pdf",
        "documents/技术标/第一册.pdf", "documents/技术标/第二册.pdf", "boq.xml", "manifest.json",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("options", "reason"),
    [
        ({"tool": ""}, "malformed"),
        ({"tool": "t" * 101}, "malformed"),
        ({"custodians": None}, "malformed"),  # never without custodians in v2
        ({"machine": {"mac": "not a mac"}}, "malformed"),
        ({"machine": {"serial": "x"}}, "malformed"),
        ({"machine": {"cpu": 1.5}}, "malformed"),
        ({"binding": "A2101002026000001001001"}, "malformed"),
    ],
)
def test_seal_refuses_what_the_header_cannot_carry_before_writing(
    tmp_path: Path, options: dict[str, Any], reason: str
) -> None:
    (tmp_path / "a.pdf").write_bytes(b"%PDF")
    refused(reason, seal_into, tmp_path / "bid.ggzybid", [tmp_path / "a.pdf"], **options)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.pdf"]


def test_machine_record() -> None:
    record = sealedbid.machine_record(
        {
            "mac": ["00-1C-42-00-00-08", "", "001c.4200.0009"],
            "cpu": " BFEB ",
            "disk": "",
            "tool": "ggzy-bid 1",
        }
    )
    assert record == {
        "format": "ggzy-machine-v1", "mac": ["00:1c:42:00:00:08", "00:1c:42:00:00:09"], "cpu": " BFEB ",
        "disk": [], "memory": "", "board": "", "tool": "ggzy-bid 1",
    }  # fmt: skip
    assert sealedbid.machine_record(record) == record  # a record is its own record
    assert sealedbid.machine_record(None) == sealedbid.machine_record({}) == json.loads(MACHINE_BYTES)
    infiniband = "80:00:02:08:fe:80:00:00:00:00:00:00:00:02:c9:03:00:0a:0b:0c"  # 20 octets
    assert sealedbid.machine_record({"mac": infiniband})["mac"] == [infiniband]
    refused("malformed", sealedbid.machine_record, {"format": "ggzy-machine-v2"})
    refused("malformed", sealedbid.machine_record, {"mac": "00:1c:42"})


def sealing_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "ggzy-seal-bid"]


def multi_block_vector(tmp_path: Path) -> tuple[Path, bytes]:
    """A fixed-key bid whose documents span many chunks and read blocks, with a BoQ; and its inner
    payload, built independently of the sealer (no threads, no piece reader)."""
    pattern = bytes(range(251))
    a, b, boq = tmp_path / "a.pdf", tmp_path / "b.pdf", tmp_path / "boq.xml"
    a.write_bytes(pattern * (3 * 1024 * 1024 // 251 + 7))  # 3 MB and a bit: not a multiple of anything
    b.write_bytes(pattern[:100] * 999)
    boq.write_bytes(b"<boq/>" * 70000)
    target = tmp_path / "v.ggzybid"
    seal_into(target, [b, a], boq=boq, opening_sheet=VECTOR_SHEET, _dek=(bytes(range(16)), bytes(range(7))))
    files = [
        ("opening-sheet.json", canonical.dumps(VECTOR_SHEET)), ("machine.json", MACHINE_BYTES),
        ("documents/a.pdf", a.read_bytes()), ("documents/b.pdf", b.read_bytes()),
        ("boq.xml", boq.read_bytes()),
    ]  # fmt: skip
    return target, payload(files)


VECTOR_SHEET = {"schema": "ggzy-opening-sheet-v1", "price": {"kind": "amount", "fen": 100}}
#: The SM3 of the stream of `multi_block_vector` (the same bytes as the one-thread construction below).
MULTI_BLOCK_STREAM_SM3 = "300c424400675168e108119a1b06d6cffcac418f0c55ab9313771d05dd84fea2"


def test_a_multi_block_bid_has_the_exact_bytes_of_a_one_thread_construction(tmp_path: Path) -> None:
    """Hashing and writing on a second thread, and the header after the stream, change no byte of the
    stream: it is the plain ggzy-stream-v1 of the inner payload built entry by entry."""
    target, inner = multi_block_vector(tmp_path)
    bid = sealedbid.read(target)
    raw = target.read_bytes()
    ours = raw[bid.stream_offset : bid.stream_offset + bid.stream_size]
    plain = io.BytesIO()
    stream._encrypt_with(bytes(range(16)), bytes(range(7)), io.BytesIO(inner), plain, BINDING.aad())
    assert ours == plain.getvalue()
    assert sm3(ours).hex() == MULTI_BLOCK_STREAM_SM3
    assert bid.header["ciphertext_size"] == len(ours)
    sealedbid.verify(bid, SIGN.public_key)
    manifest = sealedbid.open_bid(bid, bytes(range(16)), tmp_path / "out")
    assert manifest["documents"]["documents/a.pdf"]["sm3"] == sm3((tmp_path / "a.pdf").read_bytes()).hex()
    assert manifest["documents"]["boq.xml"]["sm3"] == sm3((tmp_path / "boq.xml").read_bytes()).hex()
    assert sealing_threads() == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.pdf", "b.pdf", "boq.xml", "out", "v.ggzybid"]


def test_sealing_writes_the_stream_once_into_the_file_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One pass, no copy: the only file sealing writes is the bid's own temporary file, renamed into
    place; nothing is copied (no copy_file_range, no second stream file)."""
    doc = tmp_path / "a.pdf"
    doc.write_bytes(os.urandom(2 * 1024 * 1024))
    written: list[str] = []
    real_open = Path.open

    def watching(self: Path, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if any(c in mode for c in "wxa"):
            written.append(self.name)
        return real_open(self, mode, *args, **kwargs)

    def no_copy(*args: object) -> int:
        raise AssertionError("the stream is not copied")

    monkeypatch.setattr(Path, "open", watching)
    monkeypatch.setattr(os, "copy_file_range", no_copy, raising=False)
    seal_into(tmp_path / "bid.ggzybid", [doc])
    assert len(written) == 1
    assert written[0].startswith(".bid.ggzybid.")
    assert written[0].endswith(".tmp")
    sealedbid.verify(sealedbid.read(tmp_path / "bid.ggzybid"), SIGN.public_key)


def test_sealing_keeps_memory_flat(tmp_path: Path) -> None:
    """A few 1 MB read blocks and 64 KiB chunks in flight between the two threads, whatever the size."""
    doc = tmp_path / "large.pdf"
    doc.write_bytes(os.urandom(8 * 1024 * 1024))
    tracemalloc.start()
    try:
        header = seal_into(tmp_path / "large.ggzybid", [doc])
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 * 1024 * 1024  # against 8 MB of document
    assert header["ciphertext_size"] > 8 * 1024 * 1024
    assert sorted(p.name for p in tmp_path.iterdir()) == ["large.ggzybid", "large.pdf"]


def test_a_failure_on_the_hashing_thread_is_raised_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second thread writes the stream: its error (here a full disk) fails the sealing, on the
    sealing thread, with no temporary file or thread left behind."""
    doc = tmp_path / "a.pdf"
    doc.write_bytes(os.urandom(3 * 1024 * 1024))
    writes: list[int] = []
    real = sealing_module._HashingWriter._write

    def disk_full(self: Any, data: bytes) -> None:
        writes.append(len(data))
        if len(writes) > 5:
            raise OSError(errno.ENOSPC, "No space left on device")
        real(self, data)

    monkeypatch.setattr(sealing_module._HashingWriter, "_write", disk_full)
    with pytest.raises(OSError, match="No space left") as caught:
        seal_into(tmp_path / "bid.ggzybid", [doc])
    assert caught.value.errno == errno.ENOSPC
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.pdf"]
    assert sealing_threads() == []


def test_a_failure_on_the_sealing_thread_stops_the_second_thread(tmp_path: Path) -> None:
    doc = tmp_path / "a.pdf"
    doc.write_bytes(os.urandom(3 * 1024 * 1024))

    def cancel(done: int, total: int) -> None:
        if done > 1024 * 1024:
            raise KeyboardInterrupt  # the bidder cancels, mid-document

    with pytest.raises(KeyboardInterrupt):
        seal_into(tmp_path / "bid.ggzybid", [doc], progress=cancel)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.pdf"]
    assert sealing_threads() == []


def test_two_openings_at_once_in_one_process_do_not_mix(
    sealed: tuple[Path, dict, list[Path]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each opening has its own temporary folder: both get as far as the opening sheet at the same
    time, then one wins the rename and the other fails and cleans up only its own."""
    target, _header, docs = sealed
    bid = sealedbid.read(target)
    dek = sealedbid.unwrap(bid, RELEASE)
    outcomes: list[object] = []
    barrier, check_sheet = threading.Barrier(2, timeout=10), opening_module._check_sheet

    def both_in_progress(raw: bytes, envelope: str) -> None:
        barrier.wait()
        check_sheet(raw, envelope)

    monkeypatch.setattr(opening_module, "_check_sheet", both_in_progress)

    def opening() -> None:
        try:
            outcomes.append(sealedbid.open_bid(bid, dek, tmp_path / "out"))
        except OSError as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=opening) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(isinstance(o, dict) for o in outcomes) == 1  # the rename onto a full folder fails
    assert sum(isinstance(o, OSError) for o in outcomes) == 1
    assert (tmp_path / "out" / "documents" / "技术标.pdf").read_bytes() == docs[0].read_bytes()
    assert leftovers(tmp_path) == []


# --- the custodian envelope (§7.3) ------------------------------------------------------------------------


@pytest.fixture
def with_custodians(tmp_path: Path) -> Path:
    doc = tmp_path / "a.pdf"
    doc.write_bytes(b"%PDF-1.7 shared")
    target = tmp_path / "shared.ggzybid"
    seal_into(target, [doc])
    return target


def test_seal_splits_the_key_among_the_custodians_under_the_bidders_signature(with_custodians: Path) -> None:
    bid = sealedbid.read(with_custodians)
    sealedbid.verify(bid, SIGN.public_key)  # the signature covers the envelope
    envelope = bid.header["custodians"]
    assert set(envelope) == {"format", "set", "k", "n", "shares"}
    assert (envelope["format"], envelope["set"], envelope["k"], envelope["n"]) == (
        "ggzy-custodians-v2", CSET.fingerprint, 2, 3,
    )  # fmt: skip
    binding = {
        f: bid.header[f]
        for f in ("tender_project", "section", "bidder", "deadline", "key_commitment", "ciphertext_sm3")
    }
    assert custodians.binding_of(bid.header) == binding
    shares = {}
    for entry_, member, custodian in zip(envelope["shares"], MEMBERS, CSET.custodians, strict=False):
        assert (entry_["index"], entry_["custodian"]) == (custodian.index, custodian.fingerprint)
        plaintext = json.loads(member.encryption.decrypt(bytes.fromhex(entry_["wrapped"])))
        assert plaintext["binding"] == custodians.binding_digest(binding)
        assert plaintext["format"] == "ggzy-share-plaintext-v2"
        shares[entry_["index"]] = bytes.fromhex(plaintext["share"])
    dek = sealedbid.unwrap(bid, RELEASE)
    assert custodians.combine({1: shares[1], 3: shares[3]}, 2, lambda key: key == dek) == (dek, [])


def rewrite_envelope(target: Path, change: Any) -> None:
    """Rewrite the header's envelope (`change` edits it in place, or is the new value); the signature is
    left as it is: `read` checks the structure before anyone checks the signature."""
    header = json.loads(json.dumps(sealedbid.read(target).header))
    if callable(change):
        change(header["custodians"])
    else:
        header["custodians"] = change
    rewrite_header(target, header)


@pytest.mark.parametrize(
    "change",
    [
        "shares",  # not an object
        [],
        {},
        None,
        lambda e: e.update(format="ggzy-custodians-v1"),
        lambda e: e.update(extra=1),
        lambda e: e.pop("k"),
        lambda e: e.update(set="00" * 31),
        lambda e: e.update(set="AB" * 32),  # upper-case hex is not what sealing writes
        lambda e: e.update(set=e["set"] + "\n"),
        lambda e: e.update(k=1),
        lambda e: e.update(k=4),
        lambda e: e.update(k=True),
        lambda e: e.update(k="2"),
        lambda e: e.update(n=4),  # three shares for n = 4
        lambda e: e.update(shares=e["shares"][:2]),
        lambda e: e.update(shares={}),
        lambda e: e["shares"][2].update(index=1),  # index 1 twice
        lambda e: e["shares"][2].update(index=4),
        lambda e: e["shares"][2].update(index=0),
        lambda e: e["shares"][2].update(index="3"),
        lambda e: e["shares"].reverse(),  # v2: in index order
        lambda e: e["shares"][1].update(custodian="00" * 33),
        lambda e: e["shares"][1].update(wrapped="xyz"),
        lambda e: e["shares"][1].update(wrapped="abc"),  # odd length
        lambda e: e["shares"][1].update(wrapped=""),
        lambda e: e["shares"][1].update(wrapped="00" * 600),
        lambda e: e["shares"][1].pop("wrapped"),
        lambda e: e["shares"][1].update(extra=1),
        lambda e: e["shares"].__setitem__(1, "share"),
    ],
)
def test_read_refuses_a_malformed_envelope(with_custodians: Path, change: Any) -> None:
    rewrite_envelope(with_custodians, change)
    refused("malformed", sealedbid.read, with_custodians)


def test_a_bid_can_be_sealed_for_a_set_of_any_size(tmp_path: Path) -> None:
    from sealing_world import body_of, signed_by

    big = custodians.set_verify(signed_by(body_of(MEMBERS[:6], k=4), MEMBERS[:6]))
    (tmp_path / "a.pdf").write_bytes(b"%PDF")
    header = seal_into(tmp_path / "b.ggzybid", [tmp_path / "a.pdf"], custodians=big)
    assert [s["index"] for s in header["custodians"]["shares"]] == [1, 2, 3, 4, 5, 6]
    assert len(canonical.dumps(header)) < sealedbid.MAX_HEADER


# --- the whole check against a platform's expectations ---------------------------------------------------


def expectations(**changes: Any) -> sealedbid.Expectations:
    expected: dict[str, Any] = {
        "tender_project": BINDING.tender_project,
        "section": BINDING.section,
        "bidders": {BINDING.bidder},
        "signing_certificate": BIDDER.signing_der,
        "custodians": CSET,
        "deadline": DEADLINE,
        "announced": {canonical.format_instant(DEADLINE)},
    }
    return sealedbid.Expectations(**{**expected, **changes})


def test_check_accepts_a_bid_that_meets_every_expectation(sealed: tuple[Path, dict, list[Path]]) -> None:
    target, header, _docs = sealed
    checked = sealedbid.check(target, expectations())
    assert checked.file.header == header
    assert checked.bidder == BINDING.bidder
    assert checked.deadline == DEADLINE
    assert checked.certificate.public_key == SIGN.public_key


def test_check_refuses_each_unmet_expectation_with_its_reason(
    sealed: tuple[Path, dict, list[Path]], tmp_path: Path
) -> None:
    target, _header, _docs = sealed
    later = DEADLINE + dt.timedelta(days=1)
    unmet = [
        ("section", {"section": BINDING.section[:-1] + "9"}),
        ("section", {"tender_project": "E0000000000000000000"}),
        ("bidder", {"bidders": {"91210100MA0XXXXXX0"}}),
        ("no_certificate", {"signing_certificate": None}),
        ("signing_certificate", {"signing_certificate": bidder().signing_der}),
        ("no_custodian_set", {"custodians": None}),
        ("deadline_later", {"deadline": DEADLINE - dt.timedelta(seconds=1)}),
        ("deadline_unknown", {"announced": {canonical.format_instant(later)}}),
    ]
    for reason, changes in unmet:
        refused(reason, sealedbid.check, target, expectations(**changes))
    other_set = custodians.set_verify(signed_by(body_of(MEMBERS[3:]), MEMBERS[3:]))
    refused("custodians", sealedbid.check, target, expectations(custodians=other_set))
    # then the file itself: its signature, checked last (the structure first, before any expectation)
    header = json.loads(json.dumps(sealedbid.read(target).header))
    rewrite_header(target, {**header, "tool": "x"})
    refused("signature", sealedbid.check, target, expectations())
    refused("section", sealedbid.check, target, expectations(section=BINDING.section[:-1] + "9"))
    (tmp_path / "v1.ggzybid").write_bytes(b"GGZYBID1")
    refused("format", sealedbid.check, tmp_path / "v1.ggzybid", expectations(section="X"))
