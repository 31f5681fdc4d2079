"""`ggzy-bid sign-document`: a detached signature (ggzy-docsig-v1, `ggzy_sm.document`) of a file with your
signing key — e.g. the agent's signature on an opening record downloaded from the hall."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

from ggzy_bid.commands.common import UsageError, load_signing_key, read_certificate
from ggzy_sm import x509
from ggzy_sm.document import sign_document


def sign_document_command(args: argparse.Namespace) -> int:
    """Sign FILE; print the signature JSON (or write it to --out, never over an existing file)."""
    source = Path(args.file)
    der = read_certificate(args.certificate)
    key = load_signing_key(args.key)
    if key.public_key != x509.Certificate.load(der).public_key:
        raise UsageError("签名密钥不是签名证书的密钥，未签名 (the signing key is not the certificate's)")
    signature = sign_document(source, key, der, media_type=args.media_type, at=dt.datetime.now(dt.UTC))
    text = json.dumps(signature, ensure_ascii=False, indent=1) + "\n"
    if args.out:
        out = Path(args.out)
        if out.exists():
            raise UsageError(f"{out} 已存在，未写入 (never overwritten)")
        out.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    signing = commands.add_parser("sign-document", help="a detached signature of a file (ggzy-docsig-v1)")
    signing.add_argument("file", help="the file to sign, e.g. the opening record (JSON) from the hall")
    signing.add_argument("--key", required=True, help="your signing key file")
    signing.add_argument("--certificate", required=True, help="your signing certificate")
    signing.add_argument("--media-type", default="application/json", help="the file's media type")
    signing.add_argument("--out", help="write the signature here (default: standard output)")
    signing.set_defaults(run=sign_document_command)
