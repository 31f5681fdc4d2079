"""The criteria record as the platform checks it: the shared format (`ggzy_sm.criteria`: structure,
weights, formula parameters — docs/criteria-format.md), then the method table of each section the
documents cover (`registry.methods`: the bid security's cap against the section's budget). A refusal is
`DomainError` naming what is wrong; nothing is written."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ggzy.core.errors import DomainError
from ggzy.core.formatting import yuan
from ggzy.core.types import JSONDict
from ggzy.registry import methods
from ggzy.registry.models import Section
from ggzy.tendering.errors import TenderingError
from ggzy_sm import canonical
from ggzy_sm import criteria as criteria_format
from ggzy_sm.sm3 import sm3


def checked(records: JSONDict, sections: Sequence[Section]) -> JSONDict:
    """`records` — {section code: criteria record} for every section the documents cover — if each is a
    valid record for its section (the format, its section and method, the method table's caps); else the
    refusal, naming the section and the place."""
    codes = {s.code for s in sections}
    if not isinstance(records, dict) or set(records) != codes:
        raise DomainError(
            TenderingError.CRITERIA_INVALID,
            detail={"message": "one criteria record for each section: " + ", ".join(sorted(codes))},
        )
    for section in sections:
        record = records[section.code]
        try:
            criteria_format.check(record)
        except criteria_format.CriteriaError as exc:
            raise DomainError(
                TenderingError.CRITERIA_INVALID,
                detail={"message": f"{section.code}: {exc}", "path": f"/{section.code}{exc.path}"},
            ) from exc
        if record.get("section") != section.code or record.get("method") != section.method_id:
            raise DomainError(
                TenderingError.CRITERIA_INVALID,
                detail={"message": f"{section.code}: the record names another section or method"},
            )
        _security(record, section)
    return records


def _security(record: JSONDict, section: Section) -> None:
    security = record.get("bid_security") or {}
    amount = security.get("amount_fen") if isinstance(security, dict) else None
    if not isinstance(amount, int) or amount <= 0:
        return
    rules = methods.rules_of(section.method_id)
    cash = "cash" in (security.get("forms") or [])
    try:
        methods.bid_security_check(rules, amount_fen=amount, base_fen=section.budget_fen, cash=cash)
    except DomainError as exc:
        permille = rules.bid_security_cap_permille or 0
        cap = section.budget_fen * permille // 1000
        raise DomainError(
            TenderingError.SECURITY_CAP,
            detail={
                "cap": yuan(cap),
                "source": str(rules.sources.get("bid_security_cap_permille", "")),
                "section": section.code,
                "rule": str(exc.code),
            },
        ) from exc


def digest(records: JSONDict) -> str:
    """SM3 of the documents' criteria: the canonical JSON of {section code: the record's digest} (each
    record's digest is of its public view: a sealed 标底 enters only through its commitment)."""
    return sm3(canonical.dumps({code: criteria_format.digest(r) for code, r in records.items()})).hex()


def changes(old: JSONDict, new: JSONDict) -> list[Any]:
    """What a new version changed, section by section, as JSON-pointer entries of the public views."""
    out: list[Any] = []
    for code in sorted(set(old) | set(new)):
        before = criteria_format.public_view(old[code]) if code in old else {}
        after = criteria_format.public_view(new[code]) if code in new else {}
        for entry in criteria_format.diff(before, after):
            out.append({**entry, "path": f"/{code}{entry.get('path', '')}"})
    return out
