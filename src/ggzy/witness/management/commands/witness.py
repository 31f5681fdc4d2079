"""`ggzy witness integrate | sign | audit | proof <event uid> | sth`."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ggzy.core.errors import DomainError
from ggzy.witness import selectors, services
from ggzy.witness.audit import witness_audit


class Command(BaseCommand):
    help = "The witness log: integrate, sign a tree head, audit, print a proof or the latest tree head."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["integrate", "sign", "audit", "proof", "sth"])
        parser.add_argument("event_uid", nargs="?")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "integrate":
            self.stdout.write(f"integrated {services.witness_integrate()} events")
        elif action == "sign":
            head = services.sth_sign(force=True)
            self.stdout.write(f"signed tree head {head.size}" if head else "nothing new to sign")
        elif action == "audit":
            problems = witness_audit()
            if problems:
                raise CommandError("; ".join(problems))
            self.stdout.write("the witness log recomputes from the events: no problem found")
        else:
            try:
                if action == "sth":
                    data = selectors.sth_out(selectors.sth_latest())
                else:
                    # the operator's command line: the proof is for whoever it concerns; embargo still applies
                    data = selectors.inclusion_proof_for(viewer=None, event_uid=options["event_uid"] or "")
            except DomainError as exc:
                raise CommandError(str(exc.message)) from exc
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=1))
