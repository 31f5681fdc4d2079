"""ggzy-bid-v1 sealed bids: seal, check without decrypting, release, open — and every refusal."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from ggzy_sm import sealedbid
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
            target=target, binding=BINDING, opening_sheet={"price": {"kind": "amount", "fen": 100}},
            documents=[doc], signing_key=SIGN, signing_certificate=b"S", encryption_certificate=b"E",
            encryption_key=ENC.public_key, _dek=(bytes(range(16)), bytes(range(7))),
        )  # fmt: skip
        bid = sealedbid.read(target)
        streams.append(target.read_bytes()[bid.stream_offset :])
        assert bid.header["key_commitment"] == sealedbid.commitment(bytes(range(16)))
    assert streams[0] == streams[1]
    assert sm3(streams[0]).hex() == VECTOR_STREAM_SM3


#: SM3 of the stream of the fixed-key vector above (docs/sealed-bid-format.md, "Test vector").
VECTOR_STREAM_SM3 = "b3c33e8dcb1103763b5047eac65b790ec09a1fae5a110a4f24009eddf1316568"


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
