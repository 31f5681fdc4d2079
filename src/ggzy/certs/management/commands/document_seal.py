"""Put the centre's electronic seal on a document: a detached ggzy-docsig-v1 signature beside it,
checked against the enabled CAs and recorded. Verify it anywhere with `ggzy-verify document`."""

from __future__ import annotations

import json
import mimetypes
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ggzy.certs.seal import document_sign
from ggzy.core.errors import DomainError
from ggzy_sm.files import write_atomic


class Command(BaseCommand):
    help = "Seal FILE with the centre's electronic seal; writes FILE.sig.json (or --out)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--out", type=Path, help="where to write the signature (default FILE.sig.json)")
        parser.add_argument("--media-type", help="default: guessed from the file name")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            document = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror}") from exc
        media_type = options["media_type"] or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        try:
            signature = document_sign(actor=None, document=document, name=path.name, media_type=media_type)
        except DomainError as exc:
            raise CommandError(f"{exc.code.value}: {exc.message} {exc.detail or ''}".strip()) from exc
        out = options["out"] or path.with_name(path.name + ".sig.json")
        write_atomic(out, json.dumps(signature, ensure_ascii=False, indent=1))
        self.stdout.write(f"sealed {path.name} (SM3 {signature['document']['sm3']}) -> {out}")
