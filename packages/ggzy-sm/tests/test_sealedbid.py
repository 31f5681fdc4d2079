"""ggzy-bid-v1 sealed bids: seal, check without decrypting, release, open — and every refusal."""

from __future__ import annotations

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

from ggzy_sm import canonical, custodians, openingsheet, sealedbid, stream, x509
from ggzy_sm.sealedbid import BidError, Binding
from ggzy_sm.sm2 import Sm2PrivateKey
from ggzy_sm.sm3 import sm3

SIGN, ENC, OTHER = (Sm2PrivateKey.generate() for _ in range(3))
DEADLINE = dt.datetime(2026, 12, 20, 1, 30, tzinfo=dt.UTC)
BINDING = Binding(
    tender_project="A2101002026000001001", section="A2101002026000001001001", bidder="91210100730000017Q",
    deadline=DEADLINE,
)  # fmt: skip
SHEET = {
    "schema": "ggzy-opening-sheet-v1",
    "price": {"kind": "amount", "fen": 1234567800},
    "duration_days": 365,
}


@pytest.fixture
def sealed(tmp_path: Path) -> tuple[Path, dict, list[Path]]:
    docs = tmp_path / "docs"
    docs.mkdir()
    technical = docs / "技术标.pdf"
    technical.write_bytes(b"%PDF-1.7 technical proposal " * 5000)
    commercial = docs / "商务标.pdf"
    commercial.write_bytes(b"%PDF-1.7 commercial proposal")
    target = tmp_path / "bid.ggzybid"
    header = sealedbid.seal(
        target=target, binding=BINDING, opening_sheet=SHEET, documents=[technical, commercial],
        signing_key=SIGN, signing_certificate=b"SIGN-CERT-DER", encryption_certificate=b"ENC-CERT-DER",
        encryption_key=ENC.public_key, machine={"cpu": "BFEBFBFF000906EA", "mac": "00:1c:42:00:00:08"},
    )  # fmt: skip
    return target, header, [technical, commercial]


def test_seal_check_release_and_open(sealed: tuple[Path, dict, list[Path]], tmp_path: Path) -> None:
    target, header, docs = sealed
    bid = sealedbid.read(target)
    assert bid.header == header
    sealedbid.verify(bid, SIGN.public_key)
    release = sealedbid.release(bid, ENC, SIGN)
    dek = sealedbid.check_release(bid, release, SIGN.public_key)
    manifest = sealedbid.open_bid(bid, dek, tmp_path / "opened")
    assert (tmp_path / "opened" / "documents" / "技术标.pdf").read_bytes() == docs[0].read_bytes()
    assert json.loads((tmp_path / "opened" / "opening-sheet.json").read_bytes()) == SHEET
    assert manifest["documents"]["documents/商务标.pdf"]["sm3"] == sm3(docs[1].read_bytes()).hex()


def test_nothing_outside_the_encryption_lets_anyone_test_a_guess(
    sealed: tuple[Path, dict, list[Path]],
) -> None:
    target, _header, docs = sealed
    raw = target.read_bytes()
    from ggzy_sm import canonical

    secrets = [sm3(canonical.dumps(SHEET)), *(sm3(d.read_bytes()) for d in docs)]
    for digest in secrets:
        assert digest not in raw
        assert digest.hex().encode() not in raw
    assert b"1234567800" not in raw  # the price
    assert "技术标".encode() not in raw  # not even the document names


def tamper(path: Path, at: int, data: bytes) -> None:
    raw = bytearray(path.read_bytes())
    raw[at : at + len(data)] = data
    path.write_bytes(bytes(raw))


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (lambda p, b: p.write_bytes(b"PK\x03\x04 not a bid"), "malformed"),
        (lambda p, b: p.write_bytes(p.read_bytes().replace(b'"ggzy-bid-v1"', b'"ggzy-bid-v9"', 1)), "format"),
        (lambda p, b: tamper(p, b.stream_offset + 40, b"\x00\x01"), "ciphertext"),  # a chunk altered
        (lambda p, b: p.write_bytes(p.read_bytes()[:-10]), "ciphertext"),  # truncated
        (lambda p, b: p.write_bytes(p.read_bytes() + p.read_bytes()[-100:]), "ciphertext"),  # bytes added
    ],
)
def test_a_damaged_file_is_refused_before_decryption(
    sealed: tuple[Path, dict, list[Path]], damage: object, reason: str
) -> None:
    target, _header, _docs = sealed
    damage(target, sealedbid.read(target))  # type: ignore[operator]
    with pytest.raises(BidError) as caught:
        sealedbid.verify(sealedbid.read(target), SIGN.public_key)
    assert caught.value.reason == reason


def test_another_signer_or_purpose_is_refused(sealed: tuple[Path, dict, list[Path]]) -> None:
    target, header, _docs = sealed
    bid = sealedbid.read(target)
    with pytest.raises(BidError) as caught:
        sealedbid.verify(bid, OTHER.public_key)
    assert caught.value.reason == "signature"
    unsigned = {k: v for k, v in header.items() if k != "signature"}
    forged = {**header, "signature": SIGN.sign("ggzy-release-v1", unsigned).hex()}  # right key, other purpose
    from ggzy_sm import canonical

    encoded = canonical.dumps(forged)
    raw = target.read_bytes()
    target.write_bytes(
        sealedbid.MAGIC + sealedbid.LENGTH.pack(len(encoded)) + encoded + raw[bid.stream_offset :]
    )
    with pytest.raises(BidError) as caught:
        sealedbid.verify(sealedbid.read(target), SIGN.public_key)
    assert caught.value.reason == "signature"


def test_the_signing_key_cannot_unwrap_and_a_wrong_key_fails_the_commitment(
    sealed: tuple[Path, dict, list[Path]], tmp_path: Path
) -> None:
    target, _header, _docs = sealed
    bid = sealedbid.read(target)
    with pytest.raises(BidError) as caught:  # wrapped to the encryption certificate, never the signing one
        sealedbid.unwrap(bid, SIGN)
    assert caught.value.reason == "key"
    with pytest.raises(BidError) as caught:
        sealedbid.open_bid(bid, b"\x00" * 16, tmp_path / "out")
    assert caught.value.reason == "commitment"
    assert not (tmp_path / "out").exists()


def test_a_release_for_another_bid_or_by_another_key_is_refused(
    sealed: tuple[Path, dict, list[Path]], tmp_path: Path
) -> None:
    target, _header, docs = sealed
    bid = sealedbid.read(target)
    release = sealedbid.release(bid, ENC, SIGN)
    with pytest.raises(BidError) as caught:
        sealedbid.check_release(bid, release, OTHER.public_key)
    assert caught.value.reason == "signature"
    other = tmp_path / "other.ggzybid"
    sealedbid.seal(
        target=other, binding=BINDING, opening_sheet=SHEET, documents=docs, signing_key=SIGN,
        signing_certificate=b"S", encryption_certificate=b"E", encryption_key=ENC.public_key,
    )  # fmt: skip
    with pytest.raises(BidError) as caught:
        sealedbid.check_release(sealedbid.read(other), release, SIGN.public_key)
    assert caught.value.reason == "binding"


def test_a_chunk_bound_to_another_section_does_not_open(
    sealed: tuple[Path, dict, list[Path]], tmp_path: Path
) -> None:
    """The associated data binds every chunk: a header rewritten to another section (and re-signed by
    the bidder) cannot reuse the ciphertext."""
    target, header, _docs = sealed
    bid = sealedbid.read(target)
    dek = sealedbid.unwrap(bid, ENC)
    moved = {k: v for k, v in header.items() if k != "signature"}
    moved["section"] = "A2101002026000001001002"
    resigned = {**moved, "signature": SIGN.sign("ggzy-bid-v1", moved).hex()}
    from ggzy_sm import canonical

    encoded = canonical.dumps(resigned)
    raw = target.read_bytes()
    target.write_bytes(
        sealedbid.MAGIC + sealedbid.LENGTH.pack(len(encoded)) + encoded + raw[bid.stream_offset :]
    )
    rebound = sealedbid.read(target)
    sealedbid.verify(rebound, SIGN.public_key)  # the header itself is consistent …
    with pytest.raises(BidError) as caught:  # … but no chunk opens under the other section
        sealedbid.open_bid(rebound, dek, tmp_path / "out")
    assert caught.value.reason == "chunk"
    assert not (tmp_path / "out").exists()


def test_header_fields_are_exact(sealed: tuple[Path, dict, list[Path]]) -> None:
    target, header, _docs = sealed
    from ggzy_sm import canonical

    for changed in ({**header, "extra": 1}, {k: v for k, v in header.items() if k != "machine"}):
        encoded = canonical.dumps(changed)
        target.write_bytes(sealedbid.MAGIC + sealedbid.LENGTH.pack(len(encoded)) + encoded)
        with pytest.raises(BidError) as caught:
            sealedbid.read(target)
        assert caught.value.reason == "malformed"


def test_the_fixed_key_vector_reproduces_exact_bytes(tmp_path: Path) -> None:
    """With a fixed DEK and nonce prefix the stream (the part after the header) is deterministic; the
    header's SM2 parts (wrapped key, signature) are randomised and are checked by verifying instead."""
    doc = tmp_path / "a.pdf"
    doc.write_bytes(b"%PDF-1.7 vector")
    streams = []
    for n in range(2):
        target = tmp_path / f"v{n}.ggzybid"
        sealedbid.seal(
            target=target, binding=BINDING, opening_sheet=VECTOR_SHEET,
            documents=[doc], signing_key=SIGN, signing_certificate=b"S", encryption_certificate=b"E",
            encryption_key=ENC.public_key, _dek=(bytes(range(16)), bytes(range(7))),
        )  # fmt: skip
        bid = sealedbid.read(target)
        streams.append(target.read_bytes()[bid.stream_offset :])
        assert bid.header["key_commitment"] == sealedbid.commitment(bytes(range(16)))
    assert streams[0] == streams[1]
    assert sm3(streams[0]).hex() == VECTOR_STREAM_SM3


#: The opening sheet and the SM3 of the stream of the fixed-key vector above (docs/sealed-bid-format.md,
#: "Test vector"). Before the sheet had a schema the vector's sheet had no "schema" field (SM3 b3c33e8d…).
VECTOR_SHEET = {"schema": "ggzy-opening-sheet-v1", "price": {"kind": "amount", "fen": 100}}
VECTOR_STREAM_SM3 = "4269a189e33b03fd2cd082c0ffb46f4981e885e737d0bdc1b0716dfb92580bda"


def test_an_independent_implementation_opens_the_bid(sealed: tuple[Path, dict, list[Path]]) -> None:
    """Written from the format document alone: smcryptopy (Rust SM2) unwraps the key and `cryptography`'s
    SM4-GCM decrypts the chunks, without ggzy_sm.stream or ggzy_sm.sealedbid's opener."""
    import struct

    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    from smcryptopy import sm2 as other

    from ggzy_sm import canonical

    target, header, docs = sealed
    raw = target.read_bytes()
    (length,) = struct.unpack(">I", raw[8:12])
    body = raw[12 + length :]
    dek = other.decrypt_asna1(bytes.fromhex(header["wrapped_key"]), ENC.secret_bytes().hex()).rjust(
        16, b"\x00"
    )
    aad = canonical.dumps(
        {
            "format": "ggzy-bid-v1",
            "tender_project": header["tender_project"],
            "section": header["section"],
            "bidder": header["bidder"],
            "deadline": header["deadline"],
        }
    )
    stream_header, chunks = body[:20], body[20:]
    _magic, _version, chunk_size, prefix = struct.unpack(">8sBI7s", stream_header)
    sealed_size, plain, index = chunk_size + 16, b"", 0
    while chunks:
        piece, chunks = chunks[:sealed_size], chunks[sealed_size:]
        nonce = prefix + struct.pack(">IB", index, 0 if chunks else 1)
        decryptor = Cipher(algorithms.SM4(dek), modes.GCM(nonce, piece[-16:])).decryptor()
        decryptor.authenticate_additional_data(stream_header + aad)
        plain += decryptor.update(piece[:-16]) + decryptor.finalize()
        index += 1
    entries, at = {}, 0
    while plain[at : at + 1] == b"E":
        (name_length,) = struct.unpack(">H", plain[at + 1 : at + 3])
        name = plain[at + 3 : at + 3 + name_length].decode()
        (size,) = struct.unpack(">Q", plain[at + 3 + name_length : at + 11 + name_length])
        start = at + 11 + name_length
        entries[name], at = plain[start : start + size], start + size
    assert plain[at:] == b"Z"
    assert entries["documents/技术标.pdf"] == docs[0].read_bytes()
    assert json.loads(entries["opening-sheet.json"]) == SHEET
    assert (
        json.loads(entries["manifest.json"])["documents"]["documents/商务标.pdf"]["sm3"]
        == sm3(docs[1].read_bytes()).hex()
    )


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

    monkeypatch.setattr(sealedbid, "_inner", inner)
    with pytest.raises(BidError) as caught:
        sealedbid.seal(
            target=tmp_path / "bid.ggzybid", binding=BINDING, opening_sheet=sheet, documents=[doc],
            signing_key=SIGN, signing_certificate=b"S", encryption_certificate=b"E",
            encryption_key=ENC.public_key,
        )  # fmt: skip
    assert caught.value.reason == "opening_sheet"
    assert "ggzy-opening-sheet-v1" in str(caught.value)
    assert isinstance(caught.value.__cause__, openingsheet.SheetError)
    assert read == []  # no document was read
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.pdf"]


def seal_unchecked(
    target: Path, sheet: dict[str, Any], docs: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bid sealed by a tool that does not check the schema (the opener must catch it)."""
    with monkeypatch.context() as patched:
        patched.setattr(openingsheet, "check", dict)
        sealedbid.seal(
            target=target, binding=BINDING, opening_sheet=sheet, documents=docs, signing_key=SIGN,
            signing_certificate=b"S", encryption_certificate=b"E", encryption_key=ENC.public_key,
        )  # fmt: skip


def test_the_opener_refuses_a_sheet_off_the_schema(
    sealed: tuple[Path, dict, list[Path]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _target, _header, docs = sealed
    bad = tmp_path / "bad.ggzybid"
    seal_unchecked(bad, {**SHEET, "price": {"kind": "discount", "percent": "95.12345"}}, docs, monkeypatch)
    bid = sealedbid.read(bad)
    with pytest.raises(BidError) as caught:
        sealedbid.open_bid(bid, sealedbid.unwrap(bid, ENC), tmp_path / "out")
    assert caught.value.reason == "opening_sheet"
    assert "at price" in str(caught.value)
    assert not (tmp_path / "out").exists()
    assert leftovers(tmp_path) == []


# --- the opener's single pass ---------------------------------------------------------------------------


def bid_of(target: Path, inner: bytes, chunk_size: int = 64) -> tuple[sealedbid.SealedBid, bytes]:
    """A correctly encrypted and signed bid around any inner payload (what a faulty or hostile tool
    could produce): every chunk verifies, so what is refused is the payload itself."""
    dek, body = os.urandom(16), io.BytesIO()
    stream._encrypt_with(dek, os.urandom(7), io.BytesIO(inner), body, BINDING.aad(), chunk_size=chunk_size)
    unsigned = {
        "format": "ggzy-bid-v1", **BINDING.fields(), "ciphertext_sm3": sm3(body.getvalue()).hex(),
        "ciphertext_size": len(body.getvalue()), "key_commitment": sealedbid.commitment(dek),
        "wrapped_key": ENC.public_key.encrypt(dek).hex(), "encryption_certificate_sm3": sm3(b"E").hex(),
        "custodians": None, "machine": {}, "tool": "test", "signing_certificate": "Uw==",
    }  # fmt: skip
    encoded = canonical.dumps({**unsigned, "signature": SIGN.sign("ggzy-bid-v1", unsigned).hex()})
    target.write_bytes(sealedbid.MAGIC + sealedbid.LENGTH.pack(len(encoded)) + encoded + body.getvalue())
    return sealedbid.read(target), dek


def entry(name: str, data: bytes) -> bytes:
    encoded = name.encode()
    return b"E" + struct.pack(">H", len(encoded)) + encoded + struct.pack(">Q", len(data)) + data


def payload(
    files: list[tuple[str, bytes]], *, manifest: dict[str, Any] | None = None, end: bytes = b"Z"
) -> bytes:
    listed = {name: {"sm3": sm3(data).hex(), "size": len(data)} for name, data in files}
    body = canonical.dumps(manifest or {"format": "ggzy-bid-v1", "documents": listed})
    return b"".join(entry(n, d) for n, d in files) + entry("manifest.json", body) + end


SHEET_BYTES = canonical.dumps(SHEET)
DOC = bytes(range(256)) * 3  # spans several 64-byte chunks
TWICE = (
    b'{"price":{"kind":"amount","fen":1},"price":{"kind":"amount","fen":2},"schema":"ggzy-opening-sheet-v1"}'
)


def test_a_well_formed_payload_opens_in_one_pass(tmp_path: Path) -> None:
    bid, dek = bid_of(
        tmp_path / "b.ggzybid", payload([("opening-sheet.json", SHEET_BYTES), ("documents/a", DOC)])
    )
    manifest = sealedbid.open_bid(bid, dek, tmp_path / "out")
    assert (tmp_path / "out" / "documents" / "a").read_bytes() == DOC
    assert manifest["documents"]["documents/a"] == {"sm3": sm3(DOC).hex(), "size": len(DOC)}
    assert leftovers(tmp_path) == []


GOOD = [("opening-sheet.json", SHEET_BYTES), ("documents/a", DOC)]


@pytest.mark.parametrize(
    ("inner", "reason"),
    [
        (payload(GOOD, end=b"Z!"), "malformed"),  # a byte after "Z"
        (payload(GOOD, end=b""), "malformed"),  # no "Z"
        (payload(GOOD)[:-200], "malformed"),  # cut inside the manifest
        (payload(GOOD) + entry("documents/b", b"x"), "malformed"),  # an entry after "Z"
        (payload([*GOOD, ("documents/a", DOC)]), "manifest"),  # a name twice
        (payload([*GOOD, ("documents/./a", b"x")]), "manifest"),  # two names for one place
        (payload([*GOOD, ("./opening-sheet.json", b"{}")]), "manifest"),  # … even the opening sheet's
        (payload(GOOD)[:-1] + entry("documents/b", b"x") + b"Z", "manifest"),  # an entry after the manifest
        (payload(GOOD, manifest={"format": "ggzy-bid-v1", "documents": {}}), "manifest"),  # not listed
        (payload(GOOD[1:]), "manifest"),  # no opening sheet
        (payload([*GOOD, ("documents/../../x", DOC)]), "malformed"),  # a name out of the folder
        (payload([("opening-sheet.json", TWICE)]), "opening_sheet"),  # a key twice: not canonical
        (payload([("opening-sheet.json", b"not json")]), "opening_sheet"),
        (
            payload([("opening-sheet.json", SHEET_BYTES.replace(b"1234567800", b"1234567800.0"))]),
            "opening_sheet",
        ),
        (payload([("opening-sheet.json", canonical.dumps({**SHEET, "schema": "v2"}))]), "opening_sheet"),
    ],
)
def test_a_payload_that_is_not_exactly_right_is_refused_and_leaves_nothing(
    tmp_path: Path, inner: bytes, reason: str
) -> None:
    bid, dek = bid_of(tmp_path / "b.ggzybid", inner)
    with pytest.raises(BidError) as caught:
        sealedbid.open_bid(bid, dek, tmp_path / "out")
    assert caught.value.reason == reason
    assert not (tmp_path / "out").exists()
    assert leftovers(tmp_path) == []
    assert not (tmp_path / "x").exists()


def chunked(path: Path) -> tuple[bytes, list[bytes]]:
    """(everything before the first chunk, the chunks) of a sealed bid with the default chunk size."""
    bid = sealedbid.read(path)
    raw = path.read_bytes()
    lead, body = raw[: bid.stream_offset + stream.HEADER.size], raw[bid.stream_offset + stream.HEADER.size :]
    size = stream.DEFAULT_CHUNK + 16
    return lead, [body[i : i + size] for i in range(0, len(body), size)]


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
    target, _header, _docs = sealed
    dek = sealedbid.unwrap(sealedbid.read(target), ENC)
    lead, chunks = chunked(target)
    assert len(chunks) >= 3  # the technical proposal spans chunks
    target.write_bytes(lead + b"".join(cut(chunks)))
    with pytest.raises(BidError) as caught:
        sealedbid.open_bid(sealedbid.read(target), dek, tmp_path / "out")
    assert caught.value.reason == "chunk"
    assert not (tmp_path / "out").exists()
    assert leftovers(tmp_path) == []


def test_opening_keeps_memory_flat(tmp_path: Path) -> None:
    """Memory is one chunk or so, whatever the size: no document or payload is held whole."""
    doc = tmp_path / "large.pdf"
    doc.write_bytes(os.urandom(6 * 1024 * 1024))
    target = tmp_path / "large.ggzybid"
    sealedbid.seal(
        target=target, binding=BINDING, opening_sheet=SHEET, documents=[doc], signing_key=SIGN,
        signing_certificate=b"S", encryption_certificate=b"E", encryption_key=ENC.public_key,
    )  # fmt: skip
    bid = sealedbid.read(target)
    dek = sealedbid.unwrap(bid, ENC)
    tracemalloc.start()
    try:
        manifest = sealedbid.open_bid(bid, dek, tmp_path / "out")
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2 * 1024 * 1024  # a few 64 KiB chunks, against 6 MB of document
    assert manifest["documents"]["documents/large.pdf"]["size"] == 6 * 1024 * 1024
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "large.ggzybid",
        "large.pdf",
        "out",
    ]  # no plaintext file


def test_progress_is_reported_up_to_the_total(sealed: tuple[Path, dict, list[Path]], tmp_path: Path) -> None:
    _target, _header, docs = sealed
    calls: list[tuple[int, int]] = []
    sealedbid.seal(
        target=tmp_path / "p.ggzybid", binding=BINDING, opening_sheet=SHEET, documents=docs, signing_key=SIGN,
        signing_certificate=b"S", encryption_certificate=b"E", encryption_key=ENC.public_key,
        progress=lambda done, total: calls.append((done, total)),
    )  # fmt: skip
    total = len(canonical.dumps(SHEET)) + sum(d.stat().st_size for d in docs)
    assert calls[0] == (0, total)
    assert calls[-1] == (total, total)
    assert all(t == total for _, t in calls)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
    assert len(calls) >= 3


def test_a_document_that_changes_while_sealing_is_refused(tmp_path: Path) -> None:
    doc = tmp_path / "a.pdf"
    doc.write_bytes(b"%PDF-1.7 " * 1000)

    def grow(done: int, total: int) -> None:
        if done == len(canonical.dumps(SHEET)):  # the sheet is in, the document not yet read
            with doc.open("ab") as fh:
                fh.write(b"late")

    with pytest.raises(BidError) as caught:
        sealedbid.seal(
            target=tmp_path / "bid.ggzybid", binding=BINDING, opening_sheet=SHEET, documents=[doc],
            signing_key=SIGN, signing_certificate=b"S", encryption_certificate=b"E",
            encryption_key=ENC.public_key, progress=grow,
        )  # fmt: skip
    assert caught.value.reason == "malformed"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.pdf"]


def sealing_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "ggzy-seal-bid"]


def multi_block_vector(tmp_path: Path) -> Path:
    """A fixed-key bid whose documents span many chunks and read blocks, with a BoQ."""
    pattern = bytes(range(251))
    a, b, boq = tmp_path / "a.pdf", tmp_path / "b.pdf", tmp_path / "boq.xml"
    a.write_bytes(pattern * (3 * 1024 * 1024 // 251 + 7))  # 3 MB and a bit: not a multiple of anything
    b.write_bytes(pattern[:100] * 999)
    boq.write_bytes(b"<boq/>" * 70000)
    target = tmp_path / "v.ggzybid"
    sealedbid.seal(
        target=target, binding=BINDING, opening_sheet=VECTOR_SHEET, documents=[a, b], boq=boq,
        signing_key=SIGN, signing_certificate=b"S", encryption_certificate=b"E",
        encryption_key=ENC.public_key, _dek=(bytes(range(16)), bytes(range(7))),
    )  # fmt: skip
    return target


#: The SM3 of the stream of `multi_block_vector`, as the single-threaded sealer (hashing and copying on
#: the sealing thread) wrote it: hashing on a second thread and copying in the kernel change no byte.
MULTI_BLOCK_STREAM_SM3 = "376bad2cbe4706aaf2f9ba17d6409b3034427095301bfb5aa3b8a1976b5ab00d"


def test_a_multi_block_bid_has_the_exact_bytes_and_verifies(tmp_path: Path) -> None:
    target = multi_block_vector(tmp_path)
    bid = sealedbid.read(target)
    assert sm3(target.read_bytes()[bid.stream_offset :]).hex() == MULTI_BLOCK_STREAM_SM3
    assert bid.header["ciphertext_size"] == target.stat().st_size - bid.stream_offset == 3668756
    sealedbid.verify(bid, SIGN.public_key)
    manifest = sealedbid.open_bid(bid, bytes(range(16)), tmp_path / "out")
    assert manifest["documents"]["documents/a.pdf"]["sm3"] == sm3((tmp_path / "a.pdf").read_bytes()).hex()
    assert manifest["documents"]["boq.xml"]["sm3"] == sm3((tmp_path / "boq.xml").read_bytes()).hex()
    assert sealing_threads() == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.pdf", "b.pdf", "boq.xml", "out", "v.ggzybid"]


def test_the_stream_is_copied_by_blocks_where_the_kernel_cannot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """copy_file_range missing (not Linux) or refused (another file system): the same bytes by blocks."""
    calls: list[int] = []

    def cross_device(*args: object) -> int:
        calls.append(1)
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    monkeypatch.setattr(sealedbid.os, "copy_file_range", cross_device, raising=False)
    (tmp_path / "refused").mkdir()
    bid = sealedbid.read(multi_block_vector(tmp_path / "refused"))
    assert calls == [1]
    assert sm3(bid.path.read_bytes()[bid.stream_offset :]).hex() == MULTI_BLOCK_STREAM_SM3
    monkeypatch.delattr(sealedbid.os, "copy_file_range")
    (tmp_path / "missing").mkdir()
    bid = sealedbid.read(multi_block_vector(tmp_path / "missing"))
    assert sm3(bid.path.read_bytes()[bid.stream_offset :]).hex() == MULTI_BLOCK_STREAM_SM3
    sealedbid.verify(bid, SIGN.public_key)


def test_sealing_keeps_memory_flat(tmp_path: Path) -> None:
    """A few 1 MB read blocks and 64 KiB chunks in flight between the two threads, whatever the size."""
    doc = tmp_path / "large.pdf"
    doc.write_bytes(os.urandom(8 * 1024 * 1024))
    tracemalloc.start()
    try:
        header = sealedbid.seal(
            target=tmp_path / "large.ggzybid", binding=BINDING, opening_sheet=SHEET, documents=[doc],
            signing_key=SIGN, signing_certificate=b"S", encryption_certificate=b"E",
            encryption_key=ENC.public_key,
        )  # fmt: skip
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
    real = sealedbid._HashingWriter._write

    def disk_full(self: Any, data: bytes) -> None:
        writes.append(len(data))
        if len(writes) > 5:
            raise OSError(errno.ENOSPC, "No space left on device")
        real(self, data)

    monkeypatch.setattr(sealedbid._HashingWriter, "_write", disk_full)
    with pytest.raises(OSError, match="No space left") as caught:
        sealedbid.seal(
            target=tmp_path / "bid.ggzybid", binding=BINDING, opening_sheet=SHEET, documents=[doc],
            signing_key=SIGN, signing_certificate=b"S", encryption_certificate=b"E",
            encryption_key=ENC.public_key,
        )  # fmt: skip
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
        sealedbid.seal(
            target=tmp_path / "bid.ggzybid", binding=BINDING, opening_sheet=SHEET, documents=[doc],
            signing_key=SIGN, signing_certificate=b"S", encryption_certificate=b"E",
            encryption_key=ENC.public_key, progress=cancel,
        )  # fmt: skip
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.pdf"]
    assert sealing_threads() == []


def test_two_openings_at_once_in_one_process_do_not_mix(
    sealed: tuple[Path, dict, list[Path]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each opening has its own temporary folder: both get as far as the opening sheet at the same
    time, then one wins the rename and the other fails and cleans up only its own."""
    import threading

    target, _header, docs = sealed
    bid = sealedbid.read(target)
    dek = sealedbid.unwrap(bid, ENC)
    outcomes: list[object] = []
    barrier, check_sheet = threading.Barrier(2, timeout=10), sealedbid._check_sheet

    def both_in_progress(path: Path) -> None:
        barrier.wait()
        check_sheet(path)

    monkeypatch.setattr(sealedbid, "_check_sheet", both_in_progress)

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


def test_the_machine_fingerprint_is_hashed_per_component_without_placeholders(
    sealed: tuple[Path, dict, list[Path]],
) -> None:
    _target, header, _docs = sealed
    assert set(header["machine"]) == {"cpu", "mac"}
    assert "00:1c:42:00:00:08" not in json.dumps(header)
    same = sealedbid.machine_hashes({"mac": " 00:1C:42:00:00:08 ", "disk": "无", "memory": "-", "board": "/"})
    assert same == {"mac": header["machine"]["mac"]}  # one machine, found across bids by its MAC
    assert sealedbid.machine_hashes({"mac": "00:1c:42:00:00:09"})["mac"] != header["machine"]["mac"]
    assert sealedbid.machine_hashes({"cpu": "To be filled by O.E.M."}) == {}


# --- the custodian envelope (sealed bids II) ------------------------------------------------------------


def custodian_set() -> tuple[custodians.CustodianSet, list[Sm2PrivateKey]]:
    """A 2-of-3 set of self-issued certificates (test_custodians.py tests the set itself)."""
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

    def cert(key: Sm2PrivateKey, usage: x509.Usage) -> bytes:
        return x509.issue(
            issuer_key=key,
            issuer={"common_name": "c"},
            subject={"common_name": "c"},
            public_key=key.public_key,
            serial=1,
            not_before=now,
            not_after=now + dt.timedelta(days=730),
            usage=usage,
        )

    signing = [Sm2PrivateKey.generate() for _ in range(4)]  # the last one is the supervisor's
    encryption = [Sm2PrivateKey.generate() for _ in range(3)]
    body = custodians.set_body(
        centre="210100", k=2,
        custodians=[(f"c{i}", f"https://c{i}.example.cn", cert(s, "signing"), cert(e, "encryption"))
                    for i, (s, e) in enumerate(zip(signing, encryption, strict=False), start=1)],
        supervisor=("supervisor", cert(signing[3], "signing")), demo=False,
    )  # fmt: skip
    names = ["1", "2", "3", "supervisor"]
    signed = {
        "body": body,
        "signatures": {n: custodians.set_sign(body, k) for n, k in zip(names, signing, strict=True)},
    }
    return custodians.set_verify(signed), encryption


CSET, CUSTODIAN_KEYS = custodian_set()


@pytest.fixture
def with_custodians(tmp_path: Path) -> Path:
    doc = tmp_path / "a.pdf"
    doc.write_bytes(b"%PDF-1.7 shared")
    target = tmp_path / "shared.ggzybid"
    sealedbid.seal(
        target=target, binding=BINDING, opening_sheet=SHEET, documents=[doc], signing_key=SIGN,
        signing_certificate=b"S", encryption_certificate=b"E", encryption_key=ENC.public_key, custodians=CSET,
    )  # fmt: skip
    return target


def test_seal_splits_the_key_among_the_custodians_under_the_bidders_signature(with_custodians: Path) -> None:
    bid = sealedbid.read(with_custodians)
    sealedbid.verify(bid, SIGN.public_key)  # the signature covers the envelope
    envelope = bid.header["custodians"]
    assert set(envelope) == {"format", "set", "k", "n", "shares"}
    assert (envelope["format"], envelope["set"], envelope["k"], envelope["n"]) == (
        "ggzy-custodians-v1", CSET.fingerprint, 2, 3,
    )  # fmt: skip
    binding = {
        f: bid.header[f] for f in ("tender_project", "section", "bidder", "deadline", "key_commitment")
    }
    assert custodians.binding_of(bid.header) == binding
    shares = {}
    for entry, key, custodian in zip(envelope["shares"], CUSTODIAN_KEYS, CSET.custodians, strict=True):
        assert (entry["index"], entry["custodian"]) == (custodian.index, custodian.fingerprint)
        plaintext = json.loads(key.decrypt(bytes.fromhex(entry["wrapped"])))
        assert plaintext["binding"] == custodians.binding_digest(binding)
        shares[entry["index"]] = bytes.fromhex(plaintext["share"])
    dek = sealedbid.unwrap(bid, ENC)

    def matches(key: bytes) -> bool:
        try:
            sealedbid.check_commitment(bid, key)
        except BidError:
            return False
        return True

    assert custodians.combine({1: shares[1], 3: shares[3]}, 2, matches) == (dek, [])


def test_without_custodians_the_field_is_null(sealed: tuple[Path, dict, list[Path]]) -> None:
    target, header, _docs = sealed
    assert header["custodians"] is None
    assert sealedbid.read(target).header["custodians"] is None


def rewrite_envelope(target: Path, change: Any) -> None:
    """Rewrite the header's envelope (`change` edits it in place, or is the new value); the signature is
    left as it is: `read` checks the structure before anyone checks the signature."""
    bid = sealedbid.read(target)
    header = json.loads(json.dumps(bid.header))
    if callable(change):
        change(header["custodians"])
    else:
        header["custodians"] = change
    encoded = canonical.dumps(header)
    raw = target.read_bytes()
    target.write_bytes(
        sealedbid.MAGIC + sealedbid.LENGTH.pack(len(encoded)) + encoded + raw[bid.stream_offset :]
    )


@pytest.mark.parametrize(
    "change",
    [
        "shares",  # not an object
        [],
        {},
        lambda e: e.update(format="ggzy-custodians-v2"),
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
    with pytest.raises(BidError) as caught:
        sealedbid.read(with_custodians)
    assert caught.value.reason == "malformed"


def test_read_accepts_the_shares_in_any_order(with_custodians: Path) -> None:
    rewrite_envelope(with_custodians, lambda e: e["shares"].reverse())
    assert [s["index"] for s in sealedbid.read(with_custodians).header["custodians"]["shares"]] == [3, 2, 1]
