#!/usr/bin/env python3
"""Add or replace zh-hans translations in the catalogue and recompile, under a file lock so that
several people (or sessions) adding strings at once lose none.

    python scripts/po_add.py "English msgid" "中文" ["msgid2" "译文2" ...]
    python scripts/po_add.py --context "month name" "May" "五月"

`make messages` later re-extracts the catalogue from the code (dropping strings no code uses)."""

from __future__ import annotations

import argparse
import fcntl
import sys
from pathlib import Path

import polib

PO = Path(__file__).resolve().parents[1] / "src" / "ggzy" / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--context", default=None)
    parser.add_argument("pairs", nargs="+")
    args = parser.parse_args()
    if len(args.pairs) % 2:
        print("give msgid and translation in pairs", file=sys.stderr)
        return 2
    with PO.with_suffix(".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        po = polib.pofile(str(PO))
        for msgid, msgstr in zip(args.pairs[::2], args.pairs[1::2], strict=True):
            entry = po.find(msgid, msgctxt=args.context) if args.context else po.find(msgid)
            if entry is None:
                po.append(polib.POEntry(msgid=msgid, msgstr=msgstr, msgctxt=args.context))
            else:
                entry.msgstr = msgstr
                if "fuzzy" in entry.flags:
                    entry.flags.remove("fuzzy")
        tmp = PO.with_suffix(".po.tmp")
        po.save(str(tmp))
        tmp.replace(PO)
        mo_tmp = PO.with_suffix(".mo.tmp")
        po.save_as_mofile(str(mo_tmp))
        mo_tmp.replace(PO.with_suffix(".mo"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
