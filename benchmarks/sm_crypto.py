#!/usr/bin/env python3
"""National cryptography through ggzy-sm against the libraries called directly.

    python benchmarks/sm_crypto.py [--quick]

SM3, SM4-GCM and the chunked stream (ggzy-stream-v1) in MB/s through the package, each against
`cryptography` called directly on the same data (goal: ratio >= 0.95); SM2 signs/s and verifies/s
through the package against gmssl-fast directly; SHA-256 and AES-128-GCM as the machine's reference.
The last line is one JSON object: value = the lowest of the three MB/s ratios' numerator, baseline =
its direct counterpart, ratio = that lowest ratio; every figure is in "details".
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import time
from collections.abc import Callable

import gmssl_fast
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from ggzy_sm import sm4, stream
from ggzy_sm.sm2 import Sm2PrivateKey, signed_message
from ggzy_sm.sm3 import sm3


def best(fn: Callable[[], object], rounds: int) -> float:
    """Median seconds of `rounds` runs (after one warm-up)."""
    fn()
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def direct_sm3(data: bytes) -> bytes:
    h = hashes.Hash(hashes.SM3())
    h.update(data)
    return h.finalize()


def direct_gcm(algorithm: type, key: bytes, data: bytes) -> bytes:
    enc = Cipher(algorithm(key), modes.GCM(os.urandom(12))).encryptor()
    return enc.update(data) + enc.finalize() + enc.tag


def direct_chunked(key: bytes, data: bytes, chunk: int) -> None:
    """The same chunking as the stream, with `cryptography` called directly."""
    for i in range(0, len(data), chunk):
        enc = Cipher(algorithms.SM4(key), modes.GCM(os.urandom(12))).encryptor()
        enc.authenticate_additional_data(b"aad")
        enc.update(data[i : i + chunk])
        enc.finalize()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    size_mb, rounds, sm2_ops = (16, 3, 200) if args.quick else (128, 5, 2000)
    data = os.urandom(size_mb * 1024 * 1024)
    key = sm4.new_key()
    chunk = stream.DEFAULT_CHUNK
    mbps = {}
    mbps["sm3"] = size_mb / best(lambda: sm3(data), rounds)
    mbps["sm3_direct"] = size_mb / best(lambda: direct_sm3(data), rounds)
    nonce = os.urandom(12)
    mbps["sm4_gcm"] = size_mb / best(lambda: sm4.gcm_encrypt(key, nonce, data), rounds)
    mbps["sm4_gcm_direct"] = size_mb / best(lambda: direct_gcm(algorithms.SM4, key, data), rounds)
    mbps["stream"] = size_mb / best(
        lambda: stream.encrypt_stream(io.BytesIO(data), io.BytesIO(), b"aad"), rounds
    )
    mbps["stream_direct"] = size_mb / best(lambda: direct_chunked(key, data, chunk), rounds)
    mbps["sha256_reference"] = size_mb / best(lambda: direct_sha256(data), rounds)
    mbps["aes128_gcm_reference"] = size_mb / best(lambda: direct_gcm(algorithms.AES, key, data), rounds)

    signer = Sm2PrivateKey.generate()
    payload = {"n": 1}
    signature = signer.sign("ggzy-test-v1", payload)
    raw = gmssl_fast.SM2(private_key=signer.secret_bytes().hex(), public_key=signer.public_key.hex())
    message = signed_message("ggzy-test-v1", payload)
    ops = {
        "sm2_sign": sm2_ops / best(lambda: [signer.sign("ggzy-test-v1", payload) for _ in range(sm2_ops)], 1),
        "sm2_sign_direct": sm2_ops / best(lambda: [raw.sign(message) for _ in range(sm2_ops)], 1),
        "sm2_verify": sm2_ops
        / best(
            lambda: [signer.public_key.verify("ggzy-test-v1", payload, signature) for _ in range(sm2_ops)], 1
        ),
        "sm2_verify_direct": sm2_ops
        / best(lambda: [raw.verify(message, signature) for _ in range(sm2_ops)], 1),
    }
    ratios = {name: mbps[name] / mbps[f"{name}_direct"] for name in ("sm3", "sm4_gcm", "stream")}
    for name, value in {**mbps, **ops}.items():
        print(f"{name:>22}: {value:10.1f} {'ops/s' if name.startswith('sm2') else 'MB/s'}")
    worst = min(ratios, key=ratios.__getitem__)
    print(
        json.dumps(
            {
                "benchmark": "sm_crypto",
                "value": round(mbps[worst], 1),
                "unit": f"MB/s ({worst} through ggzy-sm)",
                "baseline": f"{worst} with the library called directly",
                "baseline_value": round(mbps[f"{worst}_direct"], 1),
                "ratio": round(ratios[worst], 3),
                "details": {
                    **{k: round(v, 1) for k, v in {**mbps, **ops}.items()},
                    **{f"{k}_ratio": round(v, 3) for k, v in ratios.items()},
                },
            }
        )
    )


def direct_sha256(data: bytes) -> bytes:
    h = hashes.Hash(hashes.SHA256())
    h.update(data)
    return h.finalize()


if __name__ == "__main__":
    main()
