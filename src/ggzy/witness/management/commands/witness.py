"""`ggzy witness integrate | sign | cosign | audit | proof <event uid> | sth | epoch-head | epoch-begin FILE`.

After a restore from backup (docs/witness-cosigner.md §4): `epoch-head` prints what the supervising
department signs (the restored log's head and the newest co-signed one), `epoch-begin STATEMENT.json`
records its signed statement and starts the new epoch."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ggzy.core.errors import DomainError
from ggzy.witness import selectors, services
from ggzy.witness.audit import witness_audit


def _audit(argument: str) -> str:
    problems = witness_audit()
    if problems:
        raise CommandError("; ".join(problems))
    return "the witness log recomputes from the events: no problem found"


def _sign(argument: str) -> str:
    head = services.sth_sign(force=True)
    return f"signed tree head {head.size}" if head else "nothing new to sign"


def _epoch_begin(argument: str) -> str:
    try:
        signed = json.loads(Path(argument).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CommandError(f"cannot read the statement: {exc}") from exc
    head = services.epoch_begin(actor=None, signed=signed)
    return f"epoch {head.epoch} begins with tree head {head.size}; the co-signers are asked next"


def _json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1)


ACTIONS = {
    "integrate": lambda a: f"integrated {services.witness_integrate()} events",
    "sign": _sign,
    "cosign": lambda a: f"{services.cosign_collect()} new co-signatures",
    "audit": _audit,
    "sth": lambda a: _json(selectors.sth_out(selectors.sth_latest())),
    # the operator's command line: the proof is for whoever it concerns; the embargo still applies
    "proof": lambda a: _json(selectors.inclusion_proof_for(viewer=None, event_uid=a)),
    "epoch-head": lambda a: _json(services.epoch_heads()),
    "epoch-begin": _epoch_begin,
}


class Command(BaseCommand):
    help = "The witness log: integrate, sign, co-sign, audit, print a proof or the latest head, epochs."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=sorted(ACTIONS))
        parser.add_argument(
            "argument", nargs="?", help="proof: the event's uid; epoch-begin: the statement file"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            self.stdout.write(ACTIONS[options["action"]](options["argument"] or ""))
        except DomainError as exc:
            detail = f" {exc.detail}" if exc.detail else ""
            raise CommandError(f"{exc.code.value}: {exc.message}{detail}") from exc
