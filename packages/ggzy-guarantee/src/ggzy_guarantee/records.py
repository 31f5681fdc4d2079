"""What an issuer does with applications, guarantees and claims (docs/guarantee-interface.md §2–§4), on
its `state.Store`, without HTTP: the service (`ggzy_guarantee.service`) authenticates the platform's
request, calls these under its lock, writes the store and signs the answer.

    application → under_review → awaiting_payment → issued      (apply, review or the clock, pay)
                               ↘ rejected                       (a rule at once, or the reviewer)

A request's fields are checked by `parse_apply` / `parse_claim` (GuaranteeError "malformed"); what the
issuer refuses of a well-formed request is a `Refusal` (its reason and HTTP status)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from ggzy_guarantee import pdf
from ggzy_guarantee.state import Identity, Store
from ggzy_sm import canonical
from ggzy_sm.guarantees import GuaranteeError, amount, code, cover, guarantee_make, party, text
from ggzy_sm.keys import SigningKey

SHANGHAI = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")  # no daylight saving since 1991
APPLY_FIELDS = (
    "application", "section", "tender_project", "applicant", "beneficiary", "amount_fen", "cover_from",
    "cover_until",
)  # fmt: skip
CLAIM_FIELDS = ("guarantee", "beneficiary", "reason", "amount_fen", "evidence")
CLAIM_REASONS = ("withdrawn_after_deadline", "refused_contract", "other")
EVIDENCE_LENGTH = 2000
NUMBER_PREFIX = {"bank": "BG", "insurer": "BX", "guarantor": "DB"}
UNDER_REVIEW, AWAITING_PAYMENT, ISSUED, REJECTED = "under_review", "awaiting_payment", "issued", "rejected"


class Refusal(Exception):  # noqa: N818  (a refusal, named as the answer's reason)
    """What the issuer refuses of a well-formed request: `reason` (a code), the message, the status."""

    def __init__(
        self,
        reason: str,
        message: str,
        status: HTTPStatus = HTTPStatus.CONFLICT,
        extras: dict[str, Any] | None = None,
    ) -> None:
        self.reason = reason
        self.status = status
        self.extras = extras or {}  # what the answer shows besides (the first claim of a second one)
        super().__init__(message)


def fields_check(request: Mapping[str, Any], names: tuple[str, ...], what: str) -> None:
    given = set(request) - {"format", "action", "issuer", "nonce"}
    missing, unknown = set(names) - given, given - set(names)
    if missing:
        raise GuaranteeError("malformed", f"the {what} lacks {sorted(missing)}")
    if unknown:
        raise GuaranteeError("malformed", f"the {what} has unknown fields {sorted(unknown)}")


def parse_apply(request: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of an application, checked (GuaranteeError "malformed" naming the first bad one): an
    amount that is not a JSON integer of fen, or a cover ending before it starts, is malformed."""
    fields_check(request, APPLY_FIELDS, "application")
    cover(request["cover_from"], request["cover_until"])
    return {
        "application": code(request["application"], "application"),
        "section": code(request["section"], "section"),
        "tender_project": code(request["tender_project"], "tender_project"),
        "applicant": party(request["applicant"], "applicant"),
        "beneficiary": party(request["beneficiary"], "beneficiary"),
        "amount_fen": amount(request["amount_fen"]),
        "cover_from": request["cover_from"],
        "cover_until": request["cover_until"],
    }


def parse_claim(request: Mapping[str, Any]) -> dict[str, Any]:
    fields_check(request, CLAIM_FIELDS, "claim")
    if request["reason"] not in CLAIM_REASONS:
        raise GuaranteeError("malformed", f"reason is one of {', '.join(CLAIM_REASONS)}")
    return {
        "guarantee": code(request["guarantee"], "guarantee"),
        "beneficiary": code(request["beneficiary"], "beneficiary"),
        "reason": request["reason"],
        "amount_fen": amount(request["amount_fen"]),
        "evidence": text(request["evidence"], "evidence", EVIDENCE_LENGTH),
    }


def _step(record: dict[str, Any], status: str, now: dt.datetime, reason: str | None = None) -> None:
    record["status"] = status
    record["history"].append({"status": status, "at": canonical.format_instant(now), "reason": reason})


def premium(amount_fen: int, rate_bp: int) -> int:
    """The premium in fen: `rate_bp` basis points of the amount, rounded up to the fen."""
    return -(-amount_fen * rate_bp // 10_000)


def application_find(store: Store, application: str) -> dict[str, Any]:
    record = store.applications.get(application)
    if record is None:
        raise Refusal("unknown_application", f"no application {application}", HTTPStatus.NOT_FOUND)
    return record


def apply(store: Store, fields: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
    """Take an application (idempotent on its id: the same fields answer it as it stands; others are a
    `conflict`), judged by the rules at once: over the amount limit or from a refused applicant, it is
    rejected; otherwise under review (approved at once when the rules say 0 seconds)."""
    known = store.applications.get(fields["application"])
    if known is not None:
        if {name: known[name] for name in APPLY_FIELDS} != fields:
            raise Refusal("conflict", f"application {fields['application']} was made with other fields")
        settle(store, now)
        return known
    rules = store.rules
    record = {
        **fields,
        "status": None,
        "premium_fen": premium(fields["amount_fen"], rules["premium_rate_bp"]),
        "guarantee_number": None,
        "history": [],
    }
    _step(record, "applied", now)
    _step(record, UNDER_REVIEW, now)
    limit = rules["amount_limit_fen"]
    if limit is not None and fields["amount_fen"] > limit:
        _step(record, REJECTED, now, f"amount_over_limit: the issuer guarantees at most {limit} fen")
    elif fields["applicant"]["code"] in rules["refused_applicants"]:
        _step(record, REJECTED, now, "applicant_refused: the issuer does not guarantee this applicant")
    store.applications[fields["application"]] = record
    settle(store, now)
    return record


def settle(store: Store, now: dt.datetime) -> bool:
    """Approve the applications under review for the rules' review_after_seconds by `now` (the issuer's
    clock: deterministic for a test that sets it); whether any was."""
    after = store.rules["review_after_seconds"]
    if after is None:
        return False
    changed = False
    for record in store.applications.values():
        if record["status"] != UNDER_REVIEW:
            continue
        since = dt.datetime.fromisoformat(record["history"][-1]["at"])
        if now - since >= dt.timedelta(seconds=after):
            _step(record, AWAITING_PAYMENT, now, f"approved automatically after {after} s")
            changed = True
    return changed


def review(store: Store, application: str, decision: Any, reason: Any, now: dt.datetime) -> dict[str, Any]:
    """The reviewer's decision (a test control): approve (awaiting payment) or reject, with its reason."""
    if decision not in ("approve", "reject"):
        raise GuaranteeError("malformed", "decision is approve or reject")
    why = text(reason, "reason", 500) if reason is not None else None
    record = application_find(store, application)
    if record["status"] != UNDER_REVIEW:
        raise Refusal("not_under_review", f"application {application} is {record['status']}")
    if decision == "approve":
        _step(record, AWAITING_PAYMENT, now, why or "approved by the reviewer")
    else:
        _step(record, REJECTED, now, why or "rejected by the reviewer")
    return record


def pay(
    store: Store, application: str, now: dt.datetime, *, identity: Identity, key: SigningKey
) -> dict[str, Any]:
    """The premium paid (a test control standing for the applicant's payment): the guarantee issued —
    its body signed with the issuing key, its PDF made — and the application issued."""
    settle(store, now)
    record = application_find(store, application)
    if record["status"] != AWAITING_PAYMENT:
        raise Refusal("not_awaiting_payment", f"application {application} is {record['status']}")
    store.sequence += 1
    number = f"{NUMBER_PREFIX[identity.kind]}-{identity.code[:18]}-{store.sequence:06d}"
    body = {
        "number": number,
        "issuer": identity.named(),
        "applicant": record["applicant"],
        "beneficiary": record["beneficiary"],
        "section": record["section"],
        "tender_project": record["tender_project"],
        "amount_fen": record["amount_fen"],
        "cover_from": record["cover_from"],
        "cover_until": record["cover_until"],
        "issued_at": canonical.format_instant(now),
    }
    store.guarantees[number] = guarantee_make(key, identity.certificate, body, pdf.guarantee_pdf(body))
    record["guarantee_number"] = number
    _step(record, ISSUED, now, f"premium of {record['premium_fen']} fen paid")
    return record


def cover_window(body: Mapping[str, Any]) -> tuple[dt.datetime, dt.datetime]:
    """The cover's start (cover_from 00:00) and end (the day after cover_until, 00:00), Asia/Shanghai."""
    start = dt.datetime.combine(dt.date.fromisoformat(body["cover_from"]), dt.time(), SHANGHAI)
    last = dt.date.fromisoformat(body["cover_until"]) + dt.timedelta(days=1)
    return start, dt.datetime.combine(last, dt.time(), SHANGHAI)


def claim(store: Store, fields: dict[str, Any], now: dt.datetime, identity: Identity) -> dict[str, Any]:
    """The beneficiary's claim, accepted once per guarantee, within its cover, up to its amount."""
    guarantee = store.guarantees.get(fields["guarantee"])
    if guarantee is None:
        raise Refusal("unknown_guarantee", f"no guarantee {fields['guarantee']}", HTTPStatus.NOT_FOUND)
    body = guarantee["guarantee"]
    if fields["beneficiary"] != body["beneficiary"]["code"]:
        raise Refusal("not_beneficiary", "only the guarantee's beneficiary may claim under it")
    first = first_claim(store, fields["guarantee"])
    if first is not None:
        raise Refusal(
            "claimed_already",
            f"guarantee {fields['guarantee']} was claimed under already ({first['claim']})",
            extras={"claim": first},
        )
    start, end = cover_window(body)
    if now < start:
        raise Refusal("cover_not_started", f"the guarantee covers from {body['cover_from']} (Asia/Shanghai)")
    if now >= end:
        raise Refusal(
            "cover_ended", f"the guarantee's cover ended with {body['cover_until']} (Asia/Shanghai)"
        )
    if fields["amount_fen"] > body["amount_fen"]:
        raise Refusal("over_amount", f"the guarantee is for {body['amount_fen']} fen")
    store.claim_sequence += 1
    number = f"CL-{identity.code[:18]}-{store.claim_sequence:06d}"
    accepted = {"claim": number, **fields, "claimed_at": canonical.format_instant(now), "status": "accepted"}
    store.claims[number] = accepted
    return accepted


def first_claim(store: Store, guarantee: str) -> dict[str, Any] | None:
    return next((c for c in store.claims.values() if c["guarantee"] == guarantee), None)


def view(record: Mapping[str, Any]) -> dict[str, Any]:
    """An application as answered."""
    return {
        name: record[name]
        for name in (
            *APPLY_FIELDS, "status", "premium_fen", "guarantee_number", "history",
        )
    }  # fmt: skip
