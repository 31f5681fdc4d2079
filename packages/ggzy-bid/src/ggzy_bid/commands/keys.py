"""`ggzy-bid release-key`: the bidder's release key, generated once before sealing."""

from __future__ import annotations

import argparse
import json
import os
import secrets
from pathlib import Path

from ggzy_bid.commands.common import UsageError, load_signing_key, read_certificate, release_passphrase, say
from ggzy_sm import sealedbid, x509


def release_key(args: argparse.Namespace) -> int:
    """Generate the release key, save it under a passphrase (never over an existing file) and print the
    header's `release_key` field; refused (nothing written) when the signing key is not the
    certificate's."""
    out = Path(args.out)
    if out.exists() or out.is_symlink():
        raise UsageError(
            f"{out} 已存在：解密密钥文件从不覆盖（用它封装的投标文件将无法再由您解密授权）。未写入任何文件\n"
            "  (a release key file is never overwritten)"
        )
    der = read_certificate(args.certificate)
    certificate = x509.Certificate.load(der)
    signing_key = load_signing_key(args.key)
    if signing_key.public_key != certificate.public_key:
        raise UsageError(
            f"签名密钥 {args.key} 不是签名证书 {args.certificate} 的密钥，未生成解密密钥，未写入任何文件\n"
            "  (the signing key is not the certificate's)"
        )
    passphrase = release_passphrase(str(out), confirm=True)
    key = sealedbid.release_key_generate()
    field = sealedbid.release_key_bind(key.public_key, signing_key, der)
    # saved beside, then linked into place: a link never replaces a file that appeared meanwhile
    scratch = out.with_name(f".{out.name}.{os.getpid()}.{secrets.token_hex(4)}.new")
    try:
        sealedbid.release_key_save(key, scratch, passphrase)
        try:
            os.link(scratch, out)
        except FileExistsError as exc:
            raise UsageError(f"{out} 已存在：解密密钥文件从不覆盖。未写入任何文件") from exc
    finally:
        scratch.unlink(missing_ok=True)
    print(json.dumps(field))  # noqa: T201
    say(
        f"解密密钥已生成，以口令保护保存于 {out}。请另行备份此文件与口令：只有您持有它；"
        "遗失后，只能在开标时由密钥托管方恢复。\n"
        f"  (release key {key.public_key.hex()[:16]}…, bound to {certificate.subject.get('common_name', '')})"
    )
    return 0
