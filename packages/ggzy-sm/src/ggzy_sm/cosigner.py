"""The outside co-signer of the witness log (`ggzy-cosigner`), run by another party than the operator.

It keeps its own key and its own state — in a folder of its own, not in the platform's database or
`var/` — and countersigns a tree head only if the operator signed it and a consistency proof leads
to it from the last head it countersigned. So the operator cannot fork or roll back the log without
the co-signer refusing, and anyone holding two heads that no consistency proof joins has the fork in
hand. The state is replaced atomically (temporary file, rename).

    ggzy-cosigner init  --state DIR --operator-key HEX      (prompts for a passphrase)
    ggzy-cosigner cosign --state DIR --request request.json  (prints the countersignature)

request.json = {"sth": {...}, "signature": hex, "consistency_path": [hex, ...]}
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from pathlib import Path
from typing import Any

from ggzy_sm import merkle
from ggzy_sm.errors import CryptoError, IntegrityError
from ggzy_sm.files import write_atomic
from ggzy_sm.keys import load_key_file, write_key_file
from ggzy_sm.sm2 import Sm2PrivateKey, Sm2PublicKey


class CosignRefused(CryptoError):  # noqa: N818  (a refusal, not an error of the co-signer)
    """The co-signer will not countersign; the message says why."""


def _write_json(path: Path, data: dict[str, Any]) -> None:
    write_atomic(path, json.dumps(data, indent=1))


class Cosigner:
    def __init__(self, state_dir: str | Path, passphrase: str) -> None:
        self.dir = Path(state_dir)
        self.key = load_key_file(self.dir / "cosigner.key", passphrase)
        self.state = json.loads((self.dir / "state.json").read_text(encoding="utf-8"))
        self.operator = Sm2PublicKey.from_hex(self.state["operator_key"])

    @classmethod
    def init(cls, state_dir: str | Path, passphrase: str, operator_key_hex: str) -> Cosigner:
        folder = Path(state_dir)
        folder.mkdir(parents=True, exist_ok=True)
        if (folder / "state.json").exists():
            raise CosignRefused("this co-signer is initialised already")
        key = Sm2PrivateKey.generate()
        write_key_file(key, folder / "cosigner.key", passphrase)
        _write_json(
            folder / "state.json",
            {
                "operator_key": Sm2PublicKey.from_hex(operator_key_hex).hex(),
                "cosigner_key": key.public_key.hex(),
                "size": 0,
                "root": None,
            },
        )
        return cls(folder, passphrase)

    @property
    def public_key(self) -> Sm2PublicKey:
        return self.key.public_key

    def cosign(self, sth: dict[str, Any], signature_hex: str, consistency_path: list[str]) -> str:
        try:
            self.operator.verify("ggzy-sth-v1", sth, bytes.fromhex(signature_hex))
        except (IntegrityError, ValueError) as exc:
            raise CosignRefused("the operator's signature on this tree head does not verify") from exc
        alg = sth.get("hash", "sm3")
        size, root = int(sth["tree_size"]), bytes.fromhex(sth["root_hash"])
        last_size, last_root = int(self.state["size"]), self.state["root"]
        if size < last_size:
            raise CosignRefused(
                f"rollback: tree size {size} is smaller than the {last_size} already countersigned"
            )
        if last_root is not None:
            path = [bytes.fromhex(p) for p in consistency_path]
            if not merkle.verify_consistency(last_size, size, path, bytes.fromhex(last_root), root, alg=alg):
                raise CosignRefused(
                    f"fork: tree head {size} is not consistent with the countersigned head {last_size}"
                )
        signature = self.key.sign("ggzy-cosign-v1", {"sth": sth})
        self.state.update(size=size, root=sth["root_hash"])
        _write_json(self.dir / "state.json", self.state)
        return signature.hex()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ggzy-cosigner")
    parser.add_argument("action", choices=["init", "cosign", "key"])
    parser.add_argument("--state", required=True)
    parser.add_argument("--operator-key")
    parser.add_argument("--request")
    args = parser.parse_args(argv)
    passphrase = os.environ.get("GGZY_COSIGNER_PASSPHRASE") or getpass.getpass("passphrase: ")
    try:
        if args.action == "init":
            cosigner = Cosigner.init(args.state, passphrase, args.operator_key or "")
            print(cosigner.public_key.hex())  # noqa: T201
        elif args.action == "key":
            print(Cosigner(args.state, passphrase).public_key.hex())  # noqa: T201
        else:
            json.loads(Path(args.request).read_text(encoding="utf-8"))
    except CryptoError as exc:
        print(f"refused: {exc}", file=sys.stderr)  # noqa: T201
        return 1
    return 0
