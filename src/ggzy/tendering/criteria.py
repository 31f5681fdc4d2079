"""The criteria record as the platform checks it: the shared format (`ggzy_sm.criteria`: structure,
weights, formula parameters — docs/criteria-format.md), then the method table of each section the
documents cover (`registry.methods`: the bid security's cap against the section's budget). A refusal is
`DomainError` naming what is wrong; nothing is written."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

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
            detail={
                "message": _("give one criteria record for each section: %(codes)s")
                % {"codes": "、".join(sorted(codes))}
            },
        )
    for section in sections:
        record = records[section.code]
        try:
            criteria_format.check(record)
        except criteria_format.CriteriaError as exc:
            raise DomainError(
                TenderingError.CRITERIA_INVALID,
                detail={
                    "message": f"{section.code}: {explained(exc)}",
                    "path": f"/{section.code}{exc.path}",
                    "reason": exc.code,
                },
            ) from exc
        if record.get("section") != section.code or record.get("method") != section.method_id:
            raise DomainError(
                TenderingError.CRITERIA_INVALID,
                detail={
                    "message": _("%(section)s: the record names another section or trading method")
                    % {"section": section.code}
                },
            )
        if record.get("two_envelopes") and not methods.rules_of(section.method_id).two_envelopes:
            # the method table decides whether a method may open in two sessions (registry.methods); a record
            # asking for it under another method would have bidders seal envelopes the platform refuses
            raise DomainError(
                TenderingError.CRITERIA_INVALID,
                detail={
                    "message": _("%(section)s: this trading method does not open in two envelopes")
                    % {"section": section.code},
                    "path": f"/{section.code}/two_envelopes",
                },
            )
        _security(record, section)
    return records


def _security(record: JSONDict, section: Section) -> None:
    security = record.get("bid_security") or {}
    amount = security.get("amount_fen") if isinstance(security, dict) else None
    if not isinstance(amount, int) or amount <= 0:
        return
    rules = methods.rules_of(section.method_id)
    # "cash" is cash or a cheque (实施条例 §26 ¶2); "transfer", from the bidder's own account, is non-cash
    cash = "cash" in (security.get("forms") or [])
    try:
        methods.bid_security_check(rules, amount_fen=amount, base_fen=section.budget_fen, cash=cash)
    except DomainError as exc:
        cap = methods.bid_security_cap_fen(rules, base_fen=section.budget_fen) or 0
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


# -- the format's refusals in words (the pages show them in Chinese; the JSON pointer is kept) ---------

#: `ggzy_sm.criteria.CriteriaError.code` -> the refusal as people read it (English msgid, translated).
REFUSALS: dict[str, str] = {
    "criteria_json": gettext_noop("the text is not valid JSON"),
    "criteria_float": gettext_noop(
        'a number with a decimal point is not allowed: money is integer fen, decimals are strings like "0.05"'
    ),
    "criteria_schema": gettext_noop("a field is missing, not allowed here, or of the wrong kind"),
    "criteria_id": gettext_noop("an id is used twice"),
    "criteria_formula_parameter": gettext_noop(
        "the price formula's parameters do not match the formula (one it does not declare, one it needs"
        " that is missing, or a value of the wrong kind)"
    ),
    "criteria_k_range": gettext_noop("a K value lies outside 0 … 0.2"),
    "criteria_scoring": gettext_noop(
        "the scoring tree does not fit the price formula: exactly one item of kind price when the formula"
        " gives points, no scoring tree when it does not"
    ),
    "criteria_weights": gettext_noop("the scoring items' weights do not add up to 1000 ‰ (100 points)"),
    "criteria_price_kind": gettext_noop(
        "the price kind of the opening sheet or of the 标底 is not the documents' price kind"
    ),
    "criteria_range": gettext_noop(
        "a value lies outside its range (a percentage's bounds, the SME deduction, a 标底 above the"
        " ceiling price)"
    ),
}
#: Finer sentences where the format library's English message names something (a line, a key, a total, a
#: parameter): (code, what the message says, the sentence with the named parts as %(a)s, %(b)s).
_FINER: tuple[tuple[str, re.Pattern[str], str], ...] = (
    (
        "criteria_json",
        re.compile(r"the key '(?P<a>[^']*)' appears twice"),
        gettext_noop("the key “%(a)s” appears twice"),
    ),
    (
        "criteria_json",
        re.compile(r"line (?P<a>\d+) column (?P<b>\d+)"),
        gettext_noop("the text is not valid JSON (line %(a)s, column %(b)s)"),
    ),
    (
        "criteria_weights",
        re.compile(r"add up to (?P<a>\d+) ‰"),
        gettext_noop("the scoring items' weights add up to %(a)s ‰, not 1000 ‰ (100 points)"),
    ),
    (
        "criteria_formula_parameter",
        re.compile(r"has no parameter '(?P<a>[^']*)'"),
        gettext_noop("the price formula has no parameter “%(a)s”"),
    ),
    (
        "criteria_formula_parameter",
        re.compile(r"needs the parameter '(?P<a>[^']*)'"),
        gettext_noop("the price formula needs the parameter “%(a)s”"),
    ),
    ("criteria_schema", re.compile(r"is a required property"), gettext_noop("a required field is missing")),
    (
        "criteria_schema",
        re.compile(r"Additional properties are not allowed"),
        gettext_noop("a field the format does not have"),
    ),
)


def _sentence(error: criteria_format.CriteriaError) -> str:
    for code, pattern, sentence in _FINER:
        if error.code == code and (found := pattern.search(error.message)):
            return _(sentence) % found.groupdict()
    return _(REFUSALS.get(error.code, REFUSALS["criteria_schema"]))


def explained(error: criteria_format.CriteriaError) -> str:
    """A refusal of the format (`ggzy_sm.criteria.CriteriaError`) as a sentence in the active language,
    keeping its place (the JSON pointer) for whoever edits the record."""
    sentence = _sentence(error)
    if not error.path:
        return sentence
    return _("%(problem)s (at %(path)s)") % {"problem": sentence, "path": error.path}
