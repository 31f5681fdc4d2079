"""Where messages leave the platform. E-mail goes through Django's mail backends (EMAIL_BACKEND);
SMS and voice go through a gateway chosen by GGZY_SMS_GATEWAY.

The interface a real SMS / voice provider implements (one class, two methods):

    class MyGateway:
        name = "my-provider"
        def send_sms(self, *, to: str, text: str, reference: str) -> str: ...
        def call(self, *, to: str, text: str, reference: str) -> str: ...

Each returns the provider's message id and raises `GatewayError` (or any exception) on failure;
`reference` is our message uid, for the provider's idempotency. The default `OutboxGateway` writes
each message as a JSON file into `var/outbox/sms/` (temporary name, then rename) — what a demo or a
centre without a contract uses, and what tests read back. `ConsoleGateway` prints instead.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from ggzy.core import clock
from ggzy_sm.files import write_atomic


class GatewayError(RuntimeError):
    pass


class SmsGateway(Protocol):
    name: str

    def send_sms(self, *, to: str, text: str, reference: str) -> str: ...

    def call(self, *, to: str, text: str, reference: str) -> str: ...


class OutboxGateway:
    name = "outbox"

    def __init__(self, folder: Path | None = None) -> None:
        self._folder = folder

    @property
    def folder(self) -> Path:
        return self._folder or Path(settings.GGZY_OUTBOX_DIR) / "sms"

    def _write(self, kind: str, to: str, text: str, reference: str) -> str:
        self.folder.mkdir(parents=True, exist_ok=True)
        record = {"kind": kind, "to": to, "text": text, "reference": reference, "at": clock.now().isoformat()}
        final = self.folder / f"{reference}.{kind}.json"
        write_atomic(final, json.dumps(record, ensure_ascii=False, indent=1))
        return final.name

    def send_sms(self, *, to: str, text: str, reference: str) -> str:
        return self._write("sms", to, text, reference)

    def call(self, *, to: str, text: str, reference: str) -> str:
        return self._write("voice", to, text, reference)


class ConsoleGateway:
    name = "console"

    def send_sms(self, *, to: str, text: str, reference: str) -> str:
        print(f"[SMS to {to}] {text}")  # noqa: T201  (that is what this gateway is for)
        return reference

    def call(self, *, to: str, text: str, reference: str) -> str:
        print(f"[voice call to {to}] {text}")  # noqa: T201
        return reference


@cache
def sms_gateway() -> SmsGateway:
    gateway: SmsGateway = import_string(settings.GGZY_SMS_GATEWAY)()
    return gateway
