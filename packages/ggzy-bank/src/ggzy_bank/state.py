"""A simulated bank's folder (`ggzy_sm.simulator`: state.json, public.json, requests.jsonl and lock as
every simulator's), docs/bank-interface.md:

    bank.key        its SM2 key (a ggzy key file: SM4-GCM under a passphrase; mode 0600)
    public.json     {"format": "ggzy-bank-public-v1", "name", "key"}: what the platform pins
    settings.json   {"format": "ggzy-bank-settings-v1", "platform_key" (the platform's public key the
                    bank pins: its requests are signed by it; null: none pinned, every request refused),
                    "callback" (the platform's URL notifications are POSTed to; null: none sent yet),
                    "annual_rate_percent" ("0.05": 0.05 % a year), "day_count" (360 or 365),
                    "account_prefix" (5 digits), "retry_first_ms", "retry_most_ms"} — written by
                    `ggzy-bank configure` (while not served) and POST /v1/admin/callback
    ledger.json     {"format": "ggzy-bank-ledger-v1", "serial", "sub_accounts", "transactions",
                    "refunds", "nonces", "outbox"}: written whole (temporary name, fsynced, renamed)
                    by the one serving process before the answer that changed it leaves
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ggzy_bank import records
from ggzy_sm import simulator
from ggzy_sm.errors import CryptoError
from ggzy_sm.simulator import read_state, write_state
from ggzy_sm.sm2 import Sm2PublicKey

KIND = simulator.Kind(
    program="ggzy-bank",
    noun="bank",
    key_file="bank.key",
    store="ledger.json",
    kept="ledger",
    entries="banks",
)
LEDGER = KIND.store
SETTINGS = "settings.json"
StateError = simulator.StateError
LEDGER_FORMAT = "ggzy-bank-ledger-v1"
SETTINGS_FORMAT = "ggzy-bank-settings-v1"
MAX_RETRY_MS = 3_600_000


@dataclass(frozen=True)
class Settings:
    """settings.json: what the bank is configured with (no secret)."""

    platform_key: Sm2PublicKey | None = None
    callback: str | None = None
    annual_rate_percent: str = "0.05"
    day_count: int = 360
    account_prefix: str = "62170"
    retry_first_ms: int = 500
    retry_most_ms: int = 60_000

    def to_json(self) -> dict[str, Any]:
        return {
            "format": SETTINGS_FORMAT,
            "platform_key": None if self.platform_key is None else self.platform_key.hex(),
            "callback": self.callback,
            "annual_rate_percent": self.annual_rate_percent,
            "day_count": self.day_count,
            "account_prefix": self.account_prefix,
            "retry_first_ms": self.retry_first_ms,
            "retry_most_ms": self.retry_most_ms,
        }

    def checked(self) -> Settings:
        """These settings, each checked (RecordError otherwise)."""
        records.annual_rate(self.annual_rate_percent)
        records.day_count(self.day_count)
        records.account_prefix(self.account_prefix)
        if self.callback is not None:
            callback_url(self.callback)
        for name in ("retry_first_ms", "retry_most_ms"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_RETRY_MS:
                raise records.RecordError(
                    f"{name} is a whole number of milliseconds from 1 to {MAX_RETRY_MS}"
                )
        if self.retry_most_ms < self.retry_first_ms:
            raise records.RecordError("retry_most_ms is at least retry_first_ms")
        return self


def callback_url(value: Any) -> str:
    """The platform's callback URL: http:// or https://, at most 2000 characters."""
    if (
        not isinstance(value, str)
        or not value.startswith(("http://", "https://"))
        or len(value) > 2000  # noqa: PLR2004
        or not value.isprintable()
        or " " in value
    ):
        raise records.RecordError("the callback is an http:// or https:// URL")
    return value


def _settings(data: Any) -> Settings:
    if not isinstance(data, dict) or data.get("format") != SETTINGS_FORMAT:
        raise ValueError(f"not a {SETTINGS_FORMAT} file")
    key = data["platform_key"]
    try:
        platform_key = None if key is None else Sm2PublicKey.from_hex(str(key))
    except CryptoError as exc:
        raise ValueError(f"platform_key: {exc}") from exc
    return Settings(
        platform_key=platform_key,
        callback=data["callback"],
        annual_rate_percent=data["annual_rate_percent"],
        day_count=data["day_count"],
        account_prefix=data["account_prefix"],
        retry_first_ms=data["retry_first_ms"],
        retry_most_ms=data["retry_most_ms"],
    ).checked()


def load_settings(folder: Path) -> Settings:
    """settings.json (the defaults when there is none); StateError if it cannot be read."""
    found = read_state(folder / SETTINGS, _settings, "a bank's settings file")
    return Settings() if found is None else found[0]


def write_settings(folder: Path, settings: Settings) -> Settings:
    """settings.json written whole; StateError if it cannot be."""
    write_state(folder / SETTINGS, settings.checked().to_json())
    return settings


def configure(folder: Path, **changes: Any) -> Settings:
    """The settings with `changes` applied (None values left as they are), checked and written."""
    given = {name: value for name, value in changes.items() if value is not None}
    try:
        settings = replace(load_settings(folder), **given).checked()
    except records.RecordError as exc:
        raise StateError(str(exc)) from exc
    return write_settings(folder, settings)


# --- ledger.json --------------------------------------------------------------------------------------------


def _empty() -> dict[str, Any]:
    return {
        "format": LEDGER_FORMAT,
        "serial": {"accounts": 0, "transactions": 0, "sequence": 0},
        "sub_accounts": {},
        "transactions": [],
        "refunds": {},
        "nonces": [],
        "outbox": [],
    }


@dataclass
class Ledger:
    """What ledger.json holds, as its JSON (changed on a `copy()`, written, then put in place)."""

    data: dict[str, Any] = field(default_factory=_empty)

    def copy(self) -> Ledger:
        return Ledger(copy.deepcopy(self.data))

    @property
    def sub_accounts(self) -> dict[str, dict[str, Any]]:
        accounts: dict[str, dict[str, Any]] = self.data["sub_accounts"]
        return accounts

    @property
    def transactions(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self.data["transactions"]
        return found

    @property
    def refunds(self) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = self.data["refunds"]
        return found

    @property
    def outbox(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self.data["outbox"]
        return found

    def holder(self, section: str, bidder: str) -> dict[str, Any] | None:
        """The sub-account of (section, bidder), or None."""
        for account in self.sub_accounts.values():
            if account["section"] == section and account["bidder"] == bidder:
                return account
        return None

    def of_account(self, number: str) -> list[dict[str, Any]]:
        return [entry for entry in self.transactions if entry["sub_account"] == number]

    def seen(self, nonce: str) -> bool:
        return nonce in self.data["nonces"]

    def next(self, counter: str) -> int:
        """The next number of `counter` ("accounts", "transactions", "sequence"), taken."""
        self.data["serial"][counter] += 1
        value: int = self.data["serial"][counter]
        return value

    def pending(self) -> list[dict[str, Any]]:
        """The notifications not yet acknowledged, in sequence order."""
        return [entry for entry in self.outbox if entry["acknowledged_at"] is None]

    def counts(self) -> dict[str, int]:
        return {
            "sub_accounts": len(self.sub_accounts),
            "transactions": len(self.transactions),
            "notifications": len(self.outbox),
            "unacknowledged": len(self.pending()),
        }


def _ledger(data: Any) -> Ledger:
    if not isinstance(data, dict) or data.get("format") != LEDGER_FORMAT:
        raise ValueError(f"not a {LEDGER_FORMAT} file")
    shapes = {
        "serial": dict,
        "sub_accounts": dict,
        "transactions": list,
        "refunds": dict,
        "nonces": list,
        "outbox": list,
    }
    for name, shape in shapes.items():
        if not isinstance(data[name], shape):
            raise TypeError(f"{name} is not a JSON {'object' if shape is dict else 'array'}")
    for counter in ("accounts", "transactions", "sequence"):
        if not isinstance(data["serial"][counter], int):
            raise TypeError(f"serial.{counter} is not a whole number")
    for entry in data["transactions"]:
        records.fen(entry["amount_fen"], "a transaction's amount_fen")
        records.instant(entry["instant"], "a transaction's instant")
    return Ledger(data)


def load_ledger(folder: Path) -> Ledger:
    """ledger.json (an empty ledger when there is none); StateError if it cannot be read."""
    found = read_state(folder / LEDGER, _ledger, "a bank's ledger")
    return Ledger() if found is None else found[0]


def write_ledger(folder: Path, ledger: Ledger) -> None:
    """ledger.json written whole; StateError (the old file left) if it cannot be."""
    write_state(folder / LEDGER, ledger.data)


@dataclass
class Store:
    """What the bank holds: its settings and its ledger."""

    settings: Settings
    ledger: Ledger


def load_store(folder: Path) -> Store:
    return Store(load_settings(folder), load_ledger(folder))


def now_text(moment: dt.datetime) -> str:
    return records.stamp(moment)
