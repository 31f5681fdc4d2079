"""The HTTP service of a simulated bank (`ggzy-bank serve`), docs/bank-interface.md: the platform opens
virtual sub-accounts (子账户) for bid security, orders refunds, fetches the day's statement and asks the
bank's own interest — each request signed by the platform's SM2 key (pinned in settings.json) with a
nonce, each answer signed by the bank's — and the bank POSTs a signed notification (入账通知) to the
platform's callback for every credit, numbered by a sequence of its own, until the platform answers 2xx.

    POST /v1/sub-accounts       a signed "open" request -> 200 a signed answer (the sub-account)
    POST /v1/refunds            a signed "refund" request -> 200 a signed answer (accepted / refused)
    POST /v1/statement          a signed "statement" request -> 200 a signed statement of the day
    POST /v1/interest           a signed "interest" request -> 200 a signed answer (the bank's interest)
    GET  /health                {"ok", "name", "key", "time", "sub_accounts", "transactions",
                                "notifications", "unacknowledged", "platform_pinned", "callback"}
    only with --test-controls (otherwise 404), unsigned:
    POST /v1/admin/pay          {"sub_account", "payer_name", "payer_account", "amount_fen", ["instant"]}
                                the bidder's transfer arrives -> 200 {"transaction", "sequence",
                                "balance_fen"}
    POST /v1/admin/callback     {"url": URL or null}: where notifications go from now on
    POST /v1/admin/resend       {"sequence": n}: send notification n once more (a replay)
    POST /v1/admin/crash-next-delivery  {}: the next notification the platform acknowledges is not
                                recorded: the process exits (status 86) as the 2xx arrives (a crash
                                mid-callback; a restart sends it again)
    POST /v1/admin/fail-next    {"count": n}: the next n platform requests answer 503

Refusals before anything is decided are unsigned: 400 "malformed", 403 "not_trusted" (no platform key
pinned, or another key) or "bad_signature", 409 "replayed" (a nonce seen before). A refund the bank
refuses (unknown sub-account, more than the balance, more interest than the bank's own) is a decision:
signed, kept, and answered again for the same refund id.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import http.client
import json
import os
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from http import HTTPStatus
from pathlib import Path
from typing import Any

from ggzy_bank import __version__, records, state
from ggzy_sm import simulator
from ggzy_sm.errors import CryptoError
from ggzy_sm.jsonservice import Clock, PostRoute, Reply, system_clock
from ggzy_sm.keys import SigningKey
from ggzy_sm.simulator import Malformed, signed

DEFAULT_PORT = 18631
REQUEST = "ggzy-bank-request-v1"  # the platform's signature on a request
ANSWER = "ggzy-bank-answer-v1"  # the bank's answer to open, refund, interest
STATEMENT = "ggzy-bank-statement-v1"  # the bank's statement of a day
NOTIFICATION = "ggzy-bank-notification-v1"  # the bank's notification of a credit
CRASH_EXIT = 86
DELIVERY_TIMEOUT = 10.0  # seconds a callback may take
IDLE = 3600.0  # seconds the notifier sleeps with nothing due (a payment or a control wakes it)

OPEN_PATH = "/v1/sub-accounts"
REFUND_PATH = "/v1/refunds"
STATEMENT_PATH = "/v1/statement"
INTEREST_PATH = "/v1/interest"
PAY_PATH = "/v1/admin/pay"
CALLBACK_PATH = "/v1/admin/callback"
RESEND_PATH = "/v1/admin/resend"
CRASH_PATH = "/v1/admin/crash-next-delivery"

FIELDS = {
    "open": frozenset({"section", "bidder", "required_fen", "deadline"}),
    "refund": frozenset(
        {"refund", "sub_account", "to_account", "to_name", "principal_fen", "interest_fen", "reason"}
    ),
    "statement": frozenset({"date"}),
    "interest": frozenset({"sub_account", "from", "to"}),
}
PAY_FIELDS = frozenset({"sub_account", "payer_name", "payer_account", "amount_fen"})


class _Refusal(Exception):  # noqa: N818  (carries the reply)
    def __init__(self, reply: Reply, reason: str) -> None:
        super().__init__(reason)
        self.reply = reply
        self.reason = reason


def _refuse(status: HTTPStatus, reason: str, message: str) -> _Refusal:
    return _Refusal(Reply(status, {"reason": reason, "message": message}), reason)


def _checked(check: Callable[[], Any]) -> Any:
    try:
        return check()
    except records.RecordError as exc:
        raise Malformed(str(exc)) from exc


def parse_fields(action: str, body: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of a platform request for `action`, checked (Malformed otherwise): exactly these."""
    given = set(body) - {"format", "action", "nonce"}
    missing, unknown = FIELDS[action] - given, given - FIELDS[action]
    if missing:
        raise Malformed(f"the {action} request lacks {sorted(missing)}")
    if unknown:
        raise Malformed(f"the {action} request has unknown fields {sorted(unknown)}")

    def check() -> dict[str, Any]:
        if action == "open":
            records.instant(body["deadline"], "deadline")
            return {
                "section": records.text(body["section"], "section", 64),
                "bidder": records.text(body["bidder"], "bidder", 64),
                "required_fen": records.fen(body["required_fen"], "required_fen"),
                "deadline": body["deadline"],
            }
        if action == "refund":
            principal = records.fen(body["principal_fen"], "principal_fen")
            interest = records.fen(body["interest_fen"], "interest_fen")
            if principal + interest == 0:
                raise records.RecordError("a refund moves at least one fen")
            return {
                "refund": records.text(body["refund"], "refund", 64),
                "sub_account": records.text(body["sub_account"], "sub_account", 64),
                "to_account": records.text(body["to_account"], "to_account", 40),
                "to_name": records.text(body["to_name"], "to_name", 200),
                "principal_fen": principal,
                "interest_fen": interest,
                "reason": records.text(body["reason"], "reason", 500),
            }
        if action == "statement":
            return {"date": records.date(body["date"], "date")}
        start = None if body["from"] is None else records.date(body["from"], "from")
        end = records.date(body["to"], "to")
        if start is not None and end < start:
            raise records.RecordError("to is before from")
        return {"sub_account": records.text(body["sub_account"], "sub_account", 64), "from": start, "to": end}

    fields: dict[str, Any] = _checked(check)
    return fields


def statement_body(name: str, ledger: state.Ledger, day: dt.date, now: dt.datetime) -> dict[str, Any]:
    """The statement of business day `day` (its entries and totals), as the bank signs it."""
    entries, totals = records.statement(ledger.transactions, day)
    return {
        "bank": name,
        "date": day.isoformat(),
        "time_zone": "Asia/Shanghai",
        "final": records.business_day(now) > day,
        "entries": entries,
        "totals": totals,
    }


def sign_statement(key: SigningKey, body: Mapping[str, Any]) -> dict[str, Any]:
    return signed(key, STATEMENT, "statement", body)


def bank_interest(
    settings: state.Settings, ledger: state.Ledger, number: str, start: dt.date | None, end: dt.date
) -> dict[str, Any]:
    """The bank's own interest on sub-account `number` over [start, end) (start None: its first credit's
    day): {"from", "to", "days", "fen_days", "annual_rate_percent", "day_count", "interest_fen"}."""
    transactions = ledger.of_account(number)
    if start is None:
        start = records.first_day(transactions) or end
    fen_days, days = records.accumulation(transactions, start, end)
    rate = records.annual_rate(settings.annual_rate_percent)
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "days": days,
        "fen_days": fen_days,
        "annual_rate_percent": settings.annual_rate_percent,
        "day_count": settings.day_count,
        "interest_fen": records.interest_fen(fen_days, rate, settings.day_count),
    }


class Bank(simulator.Simulator[state.Store]):
    """A simulated bank with its key, settings and ledger; its notifier (a background thread) sends the
    notifications of its outbox to the platform's callback. Thread-safe: one lock around every change."""

    kind = state.KIND

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.clock: Clock = system_clock  # for the notifier's acknowledgements; tests set theirs
        self.notifier = Notifier(self)
        self.notifier.start()

    @classmethod
    def load_store(cls, folder: Path) -> state.Store:
        return state.load_store(folder)

    def close(self) -> None:
        self.notifier.stop()
        super().close()

    @property
    def settings(self) -> state.Settings:
        return self.store.settings

    @property
    def ledger(self) -> state.Ledger:
        return self.store.ledger

    def routes(self) -> Mapping[str, PostRoute]:
        return {
            OPEN_PATH: self._route("open", self._open),
            REFUND_PATH: self._route("refund", self._refund),
            STATEMENT_PATH: self._route("statement", self._statement),
            INTEREST_PATH: self._route("interest", self._interest),
        }

    def test_routes(self) -> Mapping[str, PostRoute]:
        return {
            PAY_PATH: self._admin("pay", self._pay),
            CALLBACK_PATH: self._admin("callback", self._callback),
            RESEND_PATH: self._admin("resend", self._resend),
            CRASH_PATH: self._admin("crash-next-delivery", self._crash),
        }

    def holds(self) -> dict[str, Any]:
        with self._lock:
            return {
                **self.ledger.counts(),
                "platform_pinned": self.settings.platform_key is not None,
                "callback": self.settings.callback,
            }

    def summary(self) -> str:
        counts = self.ledger.counts()
        return (
            f"{counts['sub_accounts']} sub-accounts, {counts['transactions']} transactions,"
            f" {counts['unacknowledged']} notifications unacknowledged"
        )

    # --- the platform's requests ----------------------------------------------------------------------

    def _route(
        self,
        action: str,
        decide: Callable[
            [dict[str, Any], dt.datetime, dict[str, Any], state.Ledger], tuple[str, dict[str, Any]]
        ],
    ) -> PostRoute:
        def route(raw: bytes, *, now: dt.datetime, remote: str) -> Reply:
            def answer(request: Any, now: dt.datetime, record: dict[str, Any]) -> Reply:
                try:
                    body, fields = self._verified(request, action)
                except _Refusal as refusal:
                    record.update(outcome="refused", reason=refusal.reason)
                    return refusal.reply
                record.update(nonce=body["nonce"])
                if (down := self.unavailable(record)) is not None:
                    return down
                ledger = self.ledger.copy()
                ledger.data["nonces"].append(body["nonce"])
                purpose, answer_body = decide(fields, now, record, ledger)
                state.write_ledger(self.folder, ledger)
                self.store.ledger = ledger
                content = {
                    "bank": self.config.name,
                    "action": action,
                    "nonce": body["nonce"],
                    **answer_body,
                    "answered_at": records.stamp(now),
                }
                wrapper = "statement" if purpose == STATEMENT else "answer"
                return Reply(HTTPStatus.OK, signed(self.key, purpose, wrapper, content))

            return self.answered(raw, now=now, remote=remote, action=action, answer=answer)

        return route

    def _verified(self, request: Any, action: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """(body, its fields checked) of a platform request for `action` once its shape and fields are
        right (Malformed otherwise: a float amount is refused before any signature is looked at), its
        signature checks out with the pinned platform key and its nonce is new (a _Refusal otherwise)."""
        if not isinstance(request, dict) or set(request) != {"request", "key", "signature"}:
            raise Malformed('a request is {"request": {...}, "key", "signature"}, signed by the platform')
        body = request["request"]
        if not isinstance(body, dict) or body.get("format") != REQUEST:
            raise Malformed(f'the request\'s "format" is {REQUEST}')
        if body.get("action") != action:
            raise Malformed(f'this path takes "action": "{action}"')
        nonce = simulator.nonce(body.get("nonce"))
        fields = parse_fields(action, body)
        pinned = self.settings.platform_key
        if pinned is None:
            raise _refuse(
                HTTPStatus.FORBIDDEN,
                "not_trusted",
                "no platform key is pinned (ggzy-bank configure --platform-key)",
            )
        if request["key"] != pinned.hex():
            raise _refuse(
                HTTPStatus.FORBIDDEN, "not_trusted", "the request is not signed by the pinned platform key"
            )
        try:
            signature = bytes.fromhex(str(request["signature"]))
            pinned.verify(REQUEST, body, signature)
        except (ValueError, CryptoError) as exc:
            raise _refuse(
                HTTPStatus.FORBIDDEN, "bad_signature", "the platform's signature does not verify"
            ) from exc
        if self.ledger.seen(nonce):
            raise _refuse(
                HTTPStatus.CONFLICT, "replayed", "this nonce was used before: a request is sent once"
            )
        return body, fields

    def _open(
        self, fields: dict[str, Any], now: dt.datetime, record: dict[str, Any], ledger: state.Ledger
    ) -> tuple[str, dict[str, Any]]:
        account = ledger.holder(fields["section"], fields["bidder"])
        if account is not None:
            account.update(required_fen=fields["required_fen"], deadline=fields["deadline"])
            outcome = "existing"
        else:
            number = _checked(
                lambda: records.account_number(self.settings.account_prefix, ledger.next("accounts"))
            )
            account = {
                "sub_account": number,
                **fields,
                "opened_at": records.stamp(now),
                "balance_fen": 0,
                "interest_paid_fen": 0,
            }
            ledger.sub_accounts[number] = account
            outcome = "opened"
        record.update(outcome=outcome, sub_account=account["sub_account"])
        return ANSWER, {"outcome": outcome, **{k: v for k, v in account.items() if k != "interest_paid_fen"}}

    def _refund(
        self, fields: dict[str, Any], now: dt.datetime, record: dict[str, Any], ledger: state.Ledger
    ) -> tuple[str, dict[str, Any]]:
        refund = fields["refund"]
        record.update(refund=refund)
        prior = ledger.refunds.get(refund)
        if prior is not None:
            if prior["request"] == fields:
                record.update(outcome="repeated")
                return ANSWER, {**prior["decision"], "repeated": True}
            record.update(outcome="refused", reason="refund_id_reused")
            return ANSWER, {
                "refund": refund,
                "outcome": "refused",
                "reason": "refund_id_reused",
                "transaction": None,
                "sub_account": fields["sub_account"],
                "principal_fen": fields["principal_fen"],
                "interest_fen": fields["interest_fen"],
                "bank_interest_fen": None,
                "balance_fen": None,
                "decided_at": records.stamp(now),
                "repeated": False,
            }
        decision = self._decide(fields, now, ledger)
        ledger.refunds[refund] = {"request": fields, "decision": decision}
        record.update(outcome=decision["outcome"], reason=decision["reason"])
        return ANSWER, {**decision, "repeated": False}

    def _decide(self, fields: dict[str, Any], now: dt.datetime, ledger: state.Ledger) -> dict[str, Any]:
        number = fields["sub_account"]
        account = ledger.sub_accounts.get(number)
        decision: dict[str, Any] = {
            "refund": fields["refund"],
            "outcome": "refused",
            "reason": None,
            "transaction": None,
            "sub_account": number,
            "principal_fen": fields["principal_fen"],
            "interest_fen": fields["interest_fen"],
            "bank_interest_fen": None,
            "balance_fen": None,
            "decided_at": records.stamp(now),
        }
        if account is None:
            return {**decision, "reason": "unknown_sub_account"}
        accrued = bank_interest(self.settings, ledger, number, None, records.business_day(now))[
            "interest_fen"
        ]
        owed = max(0, accrued - account["interest_paid_fen"])
        decision.update(bank_interest_fen=owed, balance_fen=account["balance_fen"])
        if fields["principal_fen"] > account["balance_fen"]:
            return {**decision, "reason": "insufficient_balance"}
        if fields["interest_fen"] > owed:
            return {**decision, "reason": "interest_exceeds"}
        account["balance_fen"] -= fields["principal_fen"]
        account["interest_paid_fen"] += fields["interest_fen"]
        transaction = self._book(
            ledger,
            now,
            kind=records.REFUND,
            account=account,
            amount_fen=fields["principal_fen"],
            interest_fen=fields["interest_fen"],
            payee_name=fields["to_name"],
            payee_account=fields["to_account"],
            refund=fields["refund"],
        )
        return {
            **decision,
            "outcome": "accepted",
            "transaction": transaction["transaction"],
            "balance_fen": account["balance_fen"],
        }

    def _statement(
        self, fields: dict[str, Any], now: dt.datetime, record: dict[str, Any], ledger: state.Ledger
    ) -> tuple[str, dict[str, Any]]:
        body = statement_body(self.config.name, ledger, fields["date"], now)
        body.pop("bank")
        record.update(outcome="stated", date=fields["date"].isoformat(), entries=len(body["entries"]))
        return STATEMENT, body

    def _interest(
        self, fields: dict[str, Any], now: dt.datetime, record: dict[str, Any], ledger: state.Ledger
    ) -> tuple[str, dict[str, Any]]:
        number = fields["sub_account"]
        account = ledger.sub_accounts.get(number)
        record.update(sub_account=number)
        if account is None:
            record.update(outcome="unknown")
            return ANSWER, {"sub_account": number, "found": False}
        computed = bank_interest(self.settings, ledger, number, fields["from"], fields["to"])
        record.update(outcome="computed", interest_fen=computed["interest_fen"])
        return ANSWER, {
            "sub_account": number,
            "found": True,
            **computed,
            "interest_paid_fen": account["interest_paid_fen"],
        }

    def _book(
        self, ledger: state.Ledger, moment: dt.datetime, *, kind: str, account: dict[str, Any], **details: Any
    ) -> dict[str, Any]:
        """A transaction on `account` (its balance already changed), appended to the ledger."""
        serial = ledger.next("transactions")
        entry: dict[str, Any] = {
            "transaction": f"{records.business_day(moment):%Y%m%d}{serial:012d}",
            "kind": kind,
            "sub_account": account["sub_account"],
            "section": account["section"],
            "bidder": account["bidder"],
            "amount_fen": 0,
            "interest_fen": 0,
            "payer_name": None,
            "payer_account": None,
            "payee_name": None,
            "payee_account": None,
            "refund": None,
            "sequence": None,
            "instant": records.stamp(moment),
            "balance_fen": account["balance_fen"],
            **details,
        }
        ledger.transactions.append(entry)
        return entry

    # --- test controls ------------------------------------------------------------------------------

    def _admin(self, action: str, handle: Callable[[Any, dt.datetime, dict[str, Any]], Reply]) -> PostRoute:
        def route(raw: bytes, *, now: dt.datetime, remote: str) -> Reply:
            return self.answered(raw, now=now, remote=remote, action=action, answer=handle)

        return route

    def _pay(self, request: Any, now: dt.datetime, record: dict[str, Any]) -> Reply:
        if not isinstance(request, dict):
            raise Malformed("a payment is a JSON object")
        missing, unknown = PAY_FIELDS - set(request), set(request) - PAY_FIELDS - {"instant"}
        if missing or unknown:
            raise Malformed(f"a payment has exactly {sorted(PAY_FIELDS)} and perhaps instant")

        def check() -> tuple[str, str, int, dt.datetime]:
            moment = now if request.get("instant") is None else records.instant(request["instant"], "instant")
            return (
                records.text(request["payer_name"], "payer_name", 200),
                records.text(request["payer_account"], "payer_account", 40),
                records.fen(request["amount_fen"], "amount_fen", least=1),
                moment,
            )

        payer_name, payer_account, amount, moment = _checked(check)
        ledger = self.ledger.copy()
        account = (
            ledger.sub_accounts.get(request["sub_account"])
            if isinstance(request["sub_account"], str)
            else None
        )
        if account is None:
            raise Malformed("no such sub-account: the transfer is returned to the payer")
        account["balance_fen"] += amount
        sequence = ledger.next("sequence")
        entry = self._book(
            ledger,
            moment,
            kind=records.CREDIT,
            account=account,
            amount_fen=amount,
            payer_name=payer_name,
            payer_account=payer_account,
            sequence=sequence,
        )
        body = {
            "bank": self.config.name,
            "sequence": sequence,
            "transaction": entry["transaction"],
            "sub_account": entry["sub_account"],
            "section": entry["section"],
            "bidder": entry["bidder"],
            "amount_fen": amount,
            "payer_name": payer_name,
            "payer_account": payer_account,
            "instant": entry["instant"],
        }
        ledger.outbox.append(
            {
                "sequence": sequence,
                "transaction": entry["transaction"],
                "document": signed(self.key, NOTIFICATION, "notification", body),
                "acknowledged_at": None,
            }
        )
        state.write_ledger(self.folder, ledger)
        self.store.ledger = ledger
        self.notifier.wake()
        record.update(outcome="credited", transaction=entry["transaction"], sequence=sequence)
        return Reply(
            HTTPStatus.OK,
            {
                "transaction": entry["transaction"],
                "sequence": sequence,
                "balance_fen": account["balance_fen"],
            },
        )

    def _callback(self, request: Any, now: dt.datetime, record: dict[str, Any]) -> Reply:
        if not isinstance(request, dict) or set(request) != {"url"}:
            raise Malformed('give {"url": URL or null}')
        url = None if request["url"] is None else _checked(lambda: state.callback_url(request["url"]))
        settings = state.write_settings(self.folder, dataclasses.replace(self.settings, callback=url))
        self.store.settings = settings
        self.notifier.wake()
        record.update(outcome="set", callback=url)
        return Reply(HTTPStatus.OK, {"callback": url})

    def _resend(self, request: Any, now: dt.datetime, record: dict[str, Any]) -> Reply:
        sequence = request.get("sequence") if isinstance(request, dict) else None
        found = [entry for entry in self.ledger.outbox if entry["sequence"] == sequence]
        if isinstance(sequence, bool) or not found:
            raise Malformed('give {"sequence": n}, a notification the bank sent')
        self.notifier.replay(found[0]["document"])
        record.update(outcome="queued", sequence=sequence)
        return Reply(HTTPStatus.OK, {"resend": sequence})

    def _crash(self, request: Any, now: dt.datetime, record: dict[str, Any]) -> Reply:
        if request != {}:
            raise Malformed("give {}")
        self.notifier.crash_next = True
        record.update(outcome="armed")
        return Reply(HTTPStatus.OK, {"crash_next_delivery": True})

    # --- the notifier's side --------------------------------------------------------------------------

    def due(self) -> tuple[str | None, list[tuple[int, dict[str, Any]]]]:
        """(the callback URL, the unacknowledged notifications in sequence order)."""
        with self._lock:
            pending = [(entry["sequence"], entry["document"]) for entry in self.ledger.pending()]
            return self.settings.callback, pending

    def acknowledge(self, sequence: int) -> bool:
        """Record that the platform acknowledged notification `sequence` (written before it counts);
        False if the ledger cannot be written (it is sent again)."""
        with self._lock:
            ledger = self.ledger.copy()
            for entry in ledger.outbox:
                if entry["sequence"] == sequence and entry["acknowledged_at"] is None:
                    entry["acknowledged_at"] = records.stamp(self.clock())
            try:
                state.write_ledger(self.folder, ledger)
            except state.StateError:
                return False
            self.store.ledger = ledger
            return True


class Notifier:
    """The bank's notifier: a daemon thread that POSTs each unacknowledged notification to the callback
    (oldest first, each on its own schedule: at once, then after retry_first_ms, doubling up to
    retry_most_ms) until the platform answers 2xx, then records the acknowledgement. What it has not
    recorded is sent again after a restart (the outbox is in ledger.json)."""

    def __init__(self, bank: Bank) -> None:
        self.bank = bank
        self.crash_next = False
        self.attempts: dict[int, int] = {}  # sequence -> failed deliveries (this process)
        self.deliveries: list[tuple[int, int | None]] = []  # (sequence, status or None) sent, in order
        self._due: dict[int, float] = {}  # sequence -> monotonic time of its next attempt
        self._replays: list[dict[str, Any]] = []
        self._replays_lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        self._thread = threading.Thread(target=self._run, name="ggzy-bank-notifier", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout=DELIVERY_TIMEOUT + 5)

    def wake(self) -> None:
        self._wake.set()

    def replay(self, document: dict[str, Any]) -> None:
        with self._replays_lock:
            self._replays.append(document)
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                wait = self._round()
            except Exception:  # noqa: BLE001  (the notifier goes on: what is unacknowledged is sent later)
                wait = self.bank.settings.retry_most_ms / 1000
            self._wake.wait(timeout=wait)

    def _round(self) -> float:
        """Send what is due; the seconds until the next is."""
        url, pending = self.bank.due()
        if url is None:
            return IDLE
        with self._replays_lock:
            replays, self._replays = self._replays, []
        for document in replays:
            self._post(url, document)
        settings = self.bank.settings
        soonest = IDLE
        for sequence, document in pending:
            if self._stop.is_set():
                break
            now = time.monotonic()
            due = self._due.get(sequence, 0.0)
            if due > now:
                soonest = min(soonest, due - now)
                continue
            if self._post(url, document):
                if self.crash_next:
                    os._exit(CRASH_EXIT)  # a crash as the acknowledgement arrives: nothing recorded
                if self.bank.acknowledge(sequence):
                    self._due.pop(sequence, None)
                    continue
            failed = self.attempts.get(sequence, 0) + 1
            self.attempts[sequence] = failed
            delay = min(settings.retry_first_ms * 2 ** min(failed - 1, 30), settings.retry_most_ms) / 1000
            self._due[sequence] = time.monotonic() + delay
            soonest = min(soonest, delay)
        return soonest

    def _post(self, url: str, document: dict[str, Any]) -> bool:
        """POST one signed notification; True for a 2xx answer."""
        data = json.dumps(document, ensure_ascii=False).encode("utf-8")
        request = urllib.request.Request(url, data=data, method="POST")  # noqa: S310  (a configured URL)
        request.add_header("Content-Type", "application/json")
        sequence = int(document["notification"]["sequence"])
        status: int | None
        try:
            with self._opener.open(request, timeout=DELIVERY_TIMEOUT) as response:
                response.read()
                status = int(response.status)
        except urllib.error.HTTPError as exc:
            status = exc.code
        except (OSError, ValueError, http.client.HTTPException):
            status = None
        self.deliveries.append((sequence, status))
        return status is not None and 200 <= status < 300  # noqa: PLR2004


class _Handler(simulator.SimulatorHandler):
    server_version = f"ggzy-bank/{__version__}"
    get_elsewhere = "GET /health"
    post_elsewhere = "POST /v1/sub-accounts, /v1/refunds, /v1/statement or /v1/interest"
    too_large = "a request is at most 1 MiB of JSON"


class BankServer(simulator.SimulatorServer[Bank]):
    """The HTTP service of a `Bank` on (host, port) (port 0: a free one), by `ggzy_sm.simulator`.
    `clock` is the bank's own: the system's by default; tests inject theirs."""

    handler = _Handler
    default_port = DEFAULT_PORT
