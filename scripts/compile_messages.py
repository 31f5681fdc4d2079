#!/usr/bin/env python3
"""Compile the .po catalogues under src/ggzy/locale to .mo with polib (no gettext needed),
writing to a temporary name and renaming. `--check` exits 1 when a .mo is stale or a zh-hans
string is untranslated or fuzzy."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import polib

LOCALE = Path(__file__).resolve().parents[1] / "src" / "ggzy" / "locale"


def problems(po_path: Path) -> list[str]:
    po = polib.pofile(str(po_path))
    found = [f"{po_path}: untranslated: {e.msgid!r}" for e in po.untranslated_entries()]
    found += [f"{po_path}: fuzzy: {e.msgid!r}" for e in po.fuzzy_entries()]
    return found


def compiled(po_path: Path) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "django.mo"
        polib.pofile(str(po_path)).save_as_mofile(str(out))
        return out.read_bytes()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    status = 0
    for po_path in sorted(LOCALE.glob("*/LC_MESSAGES/django.po")):
        mo_path = po_path.with_suffix(".mo")
        data = compiled(po_path)
        if args.check:
            for problem in problems(po_path):
                print(problem)
                status = 1
            if not mo_path.exists() or mo_path.read_bytes() != data:
                print(f"{mo_path} is stale: run scripts/compile_messages.py")
                status = 1
            continue
        tmp = mo_path.with_name(f".{mo_path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(data)
        tmp.replace(mo_path)
        print(f"compiled {mo_path}")
    return status


if __name__ == "__main__":
    sys.exit(main())
