#!/usr/bin/env python3
"""Opening sealed bids (ggzy-bid-v2) at the platform against raw chunked SM4-GCM decryption.

    python benchmarks/bid_opening.py [--quick]

Opens N bids of 20 MB of documents each (N = 100; --quick: 20) the way the platform does at the
opening: `sealedbid.read` (the header), `sealedbid.check_release` (the bidder's signed release: SM2
verification, key commitment) and `sealedbid.open_bid` into a temporary folder (one pass: chunks
verified one by one, entries parsed from them, each document written once and hashed with SM3, the
manifest, the opening sheet and machine.json checked, the folder renamed into place). The baseline,
measured in the same run on the same files, is raw SM4-GCM decryption (`cryptography`'s SM4 in GCM
mode, as ggzy_sm.stream uses it) of the same ciphertext chunks with the same chunk size, read from the
same files (the stream ends where the header begins), the plaintext thrown away. ratio = raw time / our
time (goal ≥ 0.67). The bids are sealed during setup (fixed pseudo-random document content; the
releases — the DEK unwrapped with the bidder's release key — are signed then too), in batches of 20
that are deleted once opened, so the disk holds about 20 × 20 MB at a time; an opened bid is deleted
before the next is opened (neither setup nor deleting is timed). Raw and ours alternate which goes
first from bid to bid, so neither always finds the file in a colder cache. The last line is one JSON
object.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import struct
import tempfile
import time
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from ggzy_sm import sealedbid, stream
from ggzy_sm.sm2 import Sm2PublicKey
from seal_bid import BINDING, bidder

SHEET = {
    "schema": "ggzy-opening-sheet-v1",
    "price": {"kind": "amount", "fen": 1234567800},
    "duration_days": 365,
}
MB_EACH = 20
BATCH = 20
GOAL = 0.67
TAG = 16


def write_documents(folder: Path) -> list[Path]:
    """20 MB of fixed pseudo-random content in three documents (70 %, 25 %, 5 %)."""
    content = random.Random(20261220).randbytes(MB_EACH * 1024 * 1024)  # noqa: S311  (benchmark filler)
    documents, at = [], 0
    for n, share in enumerate((0.7, 0.25, 0.05)):
        size = len(content) - at if n == 2 else int(len(content) * share)
        path = folder / f"doc{n}.pdf"
        path.write_bytes(content[at : at + size])
        documents.append(path)
        at += size
    return documents


def raw_decrypt(path: Path, stream_offset: int, stream_size: int, dek: bytes, aad: bytes) -> int:
    """The baseline: read the chunks from the file and SM4-GCM-decrypt them (tags checked), nothing else."""
    with path.open("rb") as fh:
        body = stream_size - stream.HEADER.size
        fh.seek(stream_offset)
        head = fh.read(stream.HEADER.size)
        _magic, _version, chunk_size, prefix = stream.HEADER.unpack(head)
        bound, sealed_size = head + aad, chunk_size + TAG
        count = max(1, -(-body // sealed_size))
        total = 0
        for index in range(count):
            piece = memoryview(fh.read(min(sealed_size, body - index * sealed_size)))  # the header follows
            nonce = prefix + struct.pack(">IB", index, 1 if index == count - 1 else 0)
            decryptor = Cipher(algorithms.SM4(dek), modes.GCM(nonce, bytes(piece[-TAG:]))).decryptor()
            decryptor.authenticate_additional_data(bound)
            total += len(decryptor.update(piece[:-TAG]))
            decryptor.finalize()
    return total


def open_ours(path: Path, release: dict[str, Any], signer: Sm2PublicKey, out: Path) -> float:
    """The platform's path for one bid, timed; the opened folder is deleted afterwards (not timed)."""
    start = time.perf_counter()
    bid = sealedbid.read(path)
    dek = sealedbid.check_release(bid, release, signer)
    manifest = sealedbid.open_bid(bid, dek, out)
    seconds = time.perf_counter() - start
    assert len(manifest["documents"]) == 5  # the sheet, machine.json and three documents
    shutil.rmtree(out)
    return seconds


def open_raw(path: Path, release: dict[str, Any]) -> float:
    """The baseline for one bid, timed; it is handed the stream's place in the file and the DEK."""
    bid, dek = sealedbid.read(path), bytes.fromhex(release["payload"]["dek"])
    start = time.perf_counter()
    size = raw_decrypt(path, bid.stream_offset, bid.stream_size, dek, BINDING.aad())
    seconds = time.perf_counter() - start
    assert size > MB_EACH * 1024 * 1024
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    count = 20 if parser.parse_args().quick else 100
    who = bidder()
    ours_s = raw_s = 0.0
    opened = 0
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        documents = write_documents(work)
        for batch_start in range(0, count, BATCH):
            bids: list[tuple[Path, dict[str, Any]]] = []
            for n in range(batch_start, min(count, batch_start + BATCH)):  # setup, not timed
                path = work / f"bid{n}.ggzybid"
                sealedbid.seal(target=path, opening_sheet=SHEET, documents=documents, **who.seal_arguments())
                bids.append((path, sealedbid.release(sealedbid.read(path), who.release, who.signing)))
            if batch_start == 0:  # warm both paths up once (imports, the schema's validator), not counted
                open_ours(*bids[0], who.signing.public_key, work / "opened")
                open_raw(*bids[0])
            for n, (path, release) in enumerate(bids):  # which goes first alternates
                if n % 2:
                    raw_s += open_raw(path, release)
                ours_s += open_ours(path, release, who.signing.public_key, work / "opened")
                opened += 1
                if not n % 2:
                    raw_s += open_raw(path, release)
            for path, _release in bids:
                path.unlink()
    ratio = raw_s / ours_s
    print(f"opening {opened} bids of {MB_EACH} MB: {ours_s:.2f} s ({opened * MB_EACH / ours_s:.1f} MB/s)")
    print(f"raw SM4-GCM decryption of the same chunks: {raw_s:.2f} s ({opened * MB_EACH / raw_s:.1f} MB/s)")
    print(
        json.dumps(
            {
                "benchmark": "bid_opening",
                "bids": opened,
                "mb_each": MB_EACH,
                "ours_s": round(ours_s, 3),
                "raw_s": round(raw_s, 3),
                "ratio": round(ratio, 3),
                "goal": GOAL,
            }
        )
    )


if __name__ == "__main__":
    main()
