"""The criteria record of a section's tender documents, `ggzy-criteria-v1` (docs/criteria-format.md).

The structured part of 招标文件 / 采购文件, frozen and hashed when the documents are first issued and
changed only by a clarification or an amendment (a new version, its digest and its diff): the
qualification items, the scoring tree, the price formula and its parameters, the opening-sheet fields,
the bid validity, the decryption window and its remedy, the bid security, consortia, the library items
a bid must reference, the SME price deduction and a sealed 标底. The platform checks it when the
documents are issued; the bidder's client (`ggzy_bid.criteria`) turns it into the response checklist
and the opening-sheet form and checks the sheet against it before sealing. Same code, both sides.

* `check(record)` — the JSON Schema (`schemas/criteria-v1.schema.json`, structure), then the rules
  between fields; a refusal is a `CriteriaError(code, message, path)`, `path` a JSON pointer.
* `digest(record)` — hex SM3 of the canonical JSON (ggzy-canonical-v1) of the record's public view:
  the sealed 标底 enters only through its salted commitment, so publishing the digest lets nobody test
  a guess of it, and a bidder holding the public view computes the same digest as the platform.
* `public_view(record)` — the record with every sealed field replaced by its commitment.
* `diff(old, new)` — what a new version changed, as JSON-pointer entries.
* `price_scores(record, prices, k=…, sme=…)` — the reference computation of the price formula.

Money is integer fen; decimals (K, points, percentages) are strings in their shortest spelling; a
binary float anywhere is refused (`criteria_float`). Nothing here imports Django.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext
from functools import cache
from importlib import resources
from typing import Any

import jsonschema

from ggzy_sm import canonical
from ggzy_sm.sm3 import sm3

FORMAT = "ggzy-criteria-v1"
TOTAL_PERMILLE = 1000  # the leaf weights add up to 1000 ‰ = 100 points
K_RANGE = (Decimal(0), Decimal("0.2"))
SEALED_MARK = "x-ggzy-sealed"
POINTS = Decimal("0.01")  # price points are rounded half up to two decimals
#: A non-negative decimal in its shortest spelling: no sign, no leading zero, no trailing zero after the
#: point, at most 6 decimals ("0.05", "1", "12.5"; never "0.050", ".5", "05", "1e-2").
DECIMAL = re.compile(r"(0|[1-9][0-9]{0,8})(\.[0-9]{0,5}[1-9])?")


class CriteriaError(ValueError):
    """A criteria record was refused: `code` (criteria_…), `message` (English, for people) and `path`,
    the JSON pointer of the place (`""` is the whole record)."""

    def __init__(self, code: str, message: str, path: str = "") -> None:
        super().__init__(f"{code} at {path or '/'}: {message}")
        self.code = code
        self.message = message
        self.path = path


# -- the formulas: each declares its parameters, and nothing else may be given -------------------


@dataclass(frozen=True)
class Formula:
    """A price formula of the catalogue: whether it gives points (else the lowest evaluated price
    wins and there is no scoring tree) and its parameters, name → kind."""

    points: bool
    parameters: Mapping[str, str]  # kind: "decimal", "k_list", "count"


FORMULAS: Mapping[str, Formula] = {
    # benchmark = mean of the valid prices without the highest and the lowest × (1 − K); points off
    # per 1 % above / below it
    "benchmark_mean": Formula(
        True,
        {
            "k_choices": "k_list",
            "trim_min_bids": "count",
            "points_per_percent_above": "decimal",
            "points_per_percent_below": "decimal",
        },
    ),
    # benchmark = the lowest valid price (full points there); points off per 1 % above it
    "fixed_lowest": Formula(True, {"points_per_percent_above": "decimal"}),
    # points = lowest valid price ÷ price × weight (政府采购 低价优先法)
    "lowest_price": Formula(True, {}),
    # no points: the lowest evaluated price among the bids that pass wins (最低评标价法, 询价)
    "lowest_evaluated": Formula(False, {}),
}
TRIM_MIN_BIDS = (3, 100)


# -- the schema ------------------------------------------------------------------------------------


@cache
def schema() -> dict[str, Any]:
    """The JSON Schema of ggzy-criteria-v1 (published as is, for tool vendors)."""
    text = resources.files("ggzy_sm").joinpath("schemas/criteria-v1.schema.json").read_text("utf-8")
    return dict(json.loads(text))


def sealed_fields() -> tuple[str, ...]:
    """The top-level fields the schema marks sealed (the 标底): secret until the opening."""
    return tuple(name for name, sub in schema()["properties"].items() if sub.get(SEALED_MARK))


def _is_integer(checker: Any, instance: Any) -> bool:
    """JSON Schema counts 100.0 and True as integers; fen and counts are true integers only."""
    return isinstance(instance, int) and not isinstance(instance, bool)


@cache
def _validator() -> Any:
    base = jsonschema.Draft202012Validator
    base.check_schema(schema())
    strict = jsonschema.validators.extend(
        base, type_checker=base.TYPE_CHECKER.redefine("integer", _is_integer)
    )
    return strict(schema())


def _pointer(parts: Sequence[Any]) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def _schema_error(error: Any) -> CriteriaError:
    """The first schema problem, its path pointing at the field itself where one is missing or extra."""
    parts = list(error.absolute_path)
    instance = error.instance
    if error.validator == "required" and isinstance(instance, dict):
        missing = [name for name in error.validator_value if name not in instance]
        parts += missing[:1]
    elif error.validator == "additionalProperties" and isinstance(instance, dict):
        declared = error.schema.get("properties", {})
        extra = sorted(name for name in instance if name not in declared)
        parts += extra[:1]
    return CriteriaError("criteria_schema", f"does not follow {FORMAT}: {error.message}", _pointer(parts))


def _walk(value: Any, path: str) -> None:
    """Plain JSON only: a float is `criteria_float`; any other non-JSON value (a Decimal, a tuple, a
    date, an integer beyond ±(2^53 − 1), a key that is not a string) is `criteria_schema`."""
    if isinstance(value, float):
        raise CriteriaError(
            "criteria_float",
            'a binary float is not allowed: money is integer fen, decimals are strings like "0.05"',
            path,
        )
    if value is None or isinstance(value, bool | str):
        return
    if isinstance(value, int):
        if abs(value) > canonical.MAX_SAFE_INTEGER:
            raise CriteriaError("criteria_schema", "an integer beyond ±(2^53 − 1)", path)
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise CriteriaError("criteria_schema", f"the key {key!r} is not a string", path)
            _walk(item, _pointer([*_split(path), key]))
        return
    if isinstance(value, list):
        for i, item in enumerate(value):
            _walk(item, f"{path}/{i}")
        return
    raise CriteriaError(
        "criteria_schema",
        f"a {type(value).__name__} is not a JSON value (write decimals as strings, money as integer fen)",
        path,
    )


def _split(path: str) -> list[str]:
    return [p.replace("~1", "/").replace("~0", "~") for p in path.split("/")[1:]] if path else []


# -- the rules between fields ----------------------------------------------------------------------


def _decimal(text: Any) -> Decimal | None:
    if isinstance(text, str) and DECIMAL.fullmatch(text):
        return Decimal(text)
    return None


def _check_ids(record: dict[str, Any]) -> None:
    seen: set[str] = set()
    for i, item in enumerate(record["qualification"]):
        if item["id"] in seen:
            raise CriteriaError(
                "criteria_id", f"the id {item['id']!r} is used twice", f"/qualification/{i}/id"
            )
        seen.add(item["id"])
    seen = set()
    for g, group in enumerate(record.get("scoring", [])):
        places = [(f"/scoring/{g}/id", group["id"])]
        places += [(f"/scoring/{g}/items/{i}/id", item["id"]) for i, item in enumerate(group["items"])]
        for path, ident in places:
            if ident in seen:
                raise CriteriaError(
                    "criteria_id", f"the id {ident!r} is used twice in the scoring tree", path
                )
            seen.add(ident)


def _check_parameters(formula: dict[str, Any]) -> None:
    declared = FORMULAS[formula["name"]].parameters
    given = formula["parameters"]
    base = "/price_formula/parameters"
    for name in sorted(given):
        if name not in declared:
            allowed = ", ".join(sorted(declared)) or "none"
            raise CriteriaError(
                "criteria_formula_parameter",
                f"the formula {formula['name']} has no parameter {name!r} (it declares: {allowed})",
                f"{base}/{name}",
            )
    missing = sorted(set(declared) - set(given))
    if missing:
        raise CriteriaError(
            "criteria_formula_parameter",
            f"the formula {formula['name']} needs the parameter {missing[0]!r}",
            f"{base}/{missing[0]}",
        )
    for name, kind in declared.items():
        _check_parameter(kind, given[name], f"{base}/{name}")


def _check_parameter(kind: str, value: Any, path: str) -> None:
    if kind == "count":
        low, high = TRIM_MIN_BIDS
        if not (isinstance(value, int) and not isinstance(value, bool) and low <= value <= high):
            raise CriteriaError("criteria_formula_parameter", f"a whole number from {low} to {high}", path)
    elif kind == "decimal":
        if _decimal(value) is None:
            raise CriteriaError(
                "criteria_formula_parameter",
                'a non-negative decimal string in its shortest spelling, like "0.5" or "1"',
                path,
            )
    elif kind == "k_list":
        if not isinstance(value, list) or not value:
            raise CriteriaError(
                "criteria_formula_parameter", 'a list of K values like ["0.02", "0.03"]', path
            )
        k_low, k_high = K_RANGE
        for i, text in enumerate(value):
            k = _decimal(text)
            if k is None:
                raise CriteriaError(
                    "criteria_formula_parameter", 'K is a decimal string like "0.03"', f"{path}/{i}"
                )
            if not k_low <= k <= k_high:
                raise CriteriaError(
                    "criteria_k_range", f"K = {text} is outside {k_low} … {k_high}", f"{path}/{i}"
                )
            if text in value[:i]:
                raise CriteriaError(
                    "criteria_formula_parameter", f"K = {text} is listed twice", f"{path}/{i}"
                )


def _check_scoring(record: dict[str, Any]) -> None:
    formula = FORMULAS[record["price_formula"]["name"]]
    scoring = record.get("scoring")
    name = record["price_formula"]["name"]
    if not formula.points:
        if scoring is not None:
            raise CriteriaError(
                "criteria_scoring",
                f"the formula {name} gives no points: leave the scoring tree out",
                "/scoring",
            )
        return
    if scoring is None:
        raise CriteriaError(
            "criteria_scoring", f"the formula {name} gives points: a scoring tree is needed", "/scoring"
        )
    leaves = [(g, i, item) for g, group in enumerate(scoring) for i, item in enumerate(group["items"])]
    prices = [(g, i) for g, i, item in leaves if item["kind"] == "price"]
    if len(prices) != 1:
        where = f"/scoring/{prices[1][0]}/items/{prices[1][1]}/kind" if prices else "/scoring"
        raise CriteriaError(
            "criteria_scoring",
            f"exactly one scoring item of kind price (the formula's points), not {len(prices)}",
            where,
        )
    total = sum(item["weight_permille"] for _, _, item in leaves)
    if total != TOTAL_PERMILLE:
        raise CriteriaError(
            "criteria_weights",
            f"the item weights add up to {total} ‰, not {TOTAL_PERMILLE} ‰ (100 points)",
            "/scoring",
        )


def _check_sheet(record: dict[str, Any]) -> None:
    price = record["opening_sheet"]["price"]
    if price["kind"] != record["price_kind"]:
        raise CriteriaError(
            "criteria_price_kind",
            f"the opening sheet asks for a price of kind {price['kind']}, the documents' price kind is"
            f" {record['price_kind']}",
            "/opening_sheet/price/kind",
        )
    if price["kind"] != "amount" and Decimal(price["min_percent"]) > Decimal(price["max_percent"]):
        raise CriteriaError(
            "criteria_range",
            f"min_percent {price['min_percent']} is above max_percent {price['max_percent']}",
            "/opening_sheet/price/min_percent",
        )
    items = [entry["item"] for entry in record["opening_sheet"].get("custom", [])]
    for i, item in enumerate(items):
        if item in items[:i]:
            raise CriteriaError(
                "criteria_id", f"the custom field {item!r} is listed twice", f"/opening_sheet/custom/{i}/item"
            )


def _check_money(record: dict[str, Any]) -> None:
    if "sme_deduction_pct" in record and not 0 < Decimal(record["sme_deduction_pct"]) < 100:  # noqa: PLR2004
        raise CriteriaError(
            "criteria_range", "the SME price deduction is above 0 and below 100 %", "/sme_deduction_pct"
        )
    reserve = record.get("reserve_price")
    if reserve is None:
        return
    if record["price_kind"] != "amount":
        raise CriteriaError(
            "criteria_price_kind", "a 标底 in fen goes only with the price kind amount", "/reserve_price"
        )
    ceiling = record["opening_sheet"]["price"].get("ceiling_fen")
    if "fen" in reserve and ceiling is not None and reserve["fen"] > ceiling:
        raise CriteriaError(
            "criteria_range", "the 标底 is above the ceiling price (最高投标限价)", "/reserve_price/fen"
        )


def check(record: Any) -> None:
    """Nothing if `record` is a valid ggzy-criteria-v1 record (full, or its public view); else the
    first problem as a CriteriaError: plain JSON (`criteria_float`), the schema (`criteria_schema`),
    then the rules: `criteria_id`, `criteria_formula_parameter`, `criteria_k_range`,
    `criteria_scoring`, `criteria_weights`, `criteria_price_kind`, `criteria_range`."""
    _walk(record, "")
    first = jsonschema.exceptions.best_match(_validator().iter_errors(record))
    if first is not None:
        raise _schema_error(first)
    _check_ids(record)
    _check_parameters(record["price_formula"])
    _check_scoring(record)
    _check_sheet(record)
    _check_money(record)


def loads(raw: bytes) -> dict[str, Any]:
    """A record from its JSON text (UTF-8, no key twice), checked; CriteriaError otherwise."""

    def no_twice(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [key for key, _ in pairs]
        for key in keys:
            if keys.count(key) > 1:
                raise CriteriaError("criteria_json", f"the key {key!r} appears twice")
        return dict(pairs)

    try:
        record = json.loads(raw.decode("utf-8"), object_pairs_hook=no_twice)
    except UnicodeDecodeError as exc:
        raise CriteriaError("criteria_json", "the record is not UTF-8 text") from exc
    except json.JSONDecodeError as exc:
        raise CriteriaError(
            "criteria_json", f"not JSON: line {exc.lineno} column {exc.colno} ({exc.msg})"
        ) from exc
    except ValueError as exc:  # NaN, Infinity
        raise CriteriaError("criteria_json", str(exc)) from exc
    check(record)
    return dict(record)


# -- the sealed 标底, the public view, the digest -------------------------------------------------------


def reserve_price(fen: int) -> dict[str, Any]:
    """The `reserve_price` field for a 标底 of `fen`: the amount with a fresh 128-bit salt (so that its
    commitment, in the public view and the digest, cannot be tested against guesses)."""
    if not (isinstance(fen, int) and not isinstance(fen, bool)) or fen < 0:
        raise CriteriaError(
            "criteria_schema", "a 标底 is a non-negative integer of fen", "/reserve_price/fen"
        )
    return {"fen": fen, "salt": secrets.token_hex(16)}


def commitment(value: Mapping[str, Any]) -> str:
    """The commitment to a sealed field's value: hex SM3 of its canonical JSON (for the 标底,
    `{"fen", "salt"}`). At the opening the platform publishes the value; anyone recomputes this."""
    return sm3(canonical.dumps(value)).hex()


def public_view(record: dict[str, Any]) -> dict[str, Any]:
    """The record as everyone may see it before the opening: each sealed field (the 标底) replaced by
    `{"commitment": …}`. A public view stays as it is. The record is checked first."""
    check(record)
    view = dict(record)
    for name in sealed_fields():
        value = view.get(name)
        if isinstance(value, Mapping) and "commitment" not in value:
            view[name] = {"commitment": commitment(value)}
    return view


def digest(record: dict[str, Any]) -> str:
    """The record's digest: hex SM3 of `canonical.dumps(public_view(record))` — for a record without a
    sealed field simply the SM3 of its canonical JSON. A record and its public view have the same
    digest; key order and spelling of the Python value do not matter."""
    return sm3(canonical.dumps(public_view(record))).hex()


# -- the diff between two versions -------------------------------------------------------------------


def _ids(value: Any) -> list[str] | None:
    """The ids of a list of objects that all carry a distinct string `id`, else None."""
    if not isinstance(value, list) or not value:
        return None
    ids = [item.get("id") if isinstance(item, dict) else None for item in value]
    if any(not isinstance(i, str) for i in ids) or len(set(ids)) != len(ids):
        return None
    return [str(i) for i in ids]


def _diff(old: Any, new: Any, path: str, out: list[dict[str, Any]]) -> None:
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(set(old) | set(new)):
            here = _pointer([*_split(path), key])
            if key not in new:
                out.append({"op": "remove", "path": here, "old": old[key]})
            elif key not in old:
                out.append({"op": "add", "path": here, "new": new[key]})
            else:
                _diff(old[key], new[key], here, out)
        return
    old_ids, new_ids = _ids(old), _ids(new)
    if old_ids is not None and new_ids is not None:  # lists of items with ids: matched by id
        _diff_by_id(old, new, old_ids, new_ids, path, out)
        return
    if isinstance(old, list) and isinstance(new, list):
        for i in range(max(len(old), len(new))):
            if i >= len(new):
                out.append({"op": "remove", "path": f"{path}/{i}", "old": old[i]})
            elif i >= len(old):
                out.append({"op": "add", "path": f"{path}/{i}", "new": new[i]})
            else:
                _diff(old[i], new[i], f"{path}/{i}", out)
        return
    if type(old) is not type(new) or old != new:
        out.append({"op": "replace", "path": path, "old": old, "new": new})


def _diff_by_id(  # noqa: PLR0917  (one recursion step)
    old: list[Any],
    new: list[Any],
    old_ids: list[str],
    new_ids: list[str],
    path: str,
    out: list[dict[str, Any]],
) -> None:
    common_old = [i for i in old_ids if i in new_ids]
    common_new = [i for i in new_ids if i in old_ids]
    if common_old != common_new:
        out.append({"op": "reorder", "path": path, "old": old_ids, "new": new_ids})
    for i, ident in enumerate(old_ids):
        if ident not in new_ids:
            out.append({"op": "remove", "path": f"{path}/{i}", "old": old[i]})
    for j, ident in enumerate(new_ids):
        if ident not in old_ids:
            out.append({"op": "add", "path": f"{path}/{j}", "new": new[j]})
        else:
            _diff(old[old_ids.index(ident)], new[j], f"{path}/{j}", out)


def diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[dict[str, Any]]:
    """What changed from `old` to `new`: entries `{"op": "add" | "remove" | "replace" | "reorder",
    "path": JSON pointer, "old": …, "new": …}` (`old` absent for an addition, `new` for a removal).
    Lists of objects with ids (qualification items, scoring groups and items) are matched by id: an
    entry's path has the item's index in `new` (in `old` for a removal), and a change of their order
    is one `reorder` entry with both lists of ids. Empty exactly when the two are the same JSON value.
    Diff public views for anything published: a full record's diff shows a changed 标底."""
    out: list[dict[str, Any]] = []
    _diff(dict(old), dict(new), "", out)
    return out


def price_weight_permille(record: Mapping[str, Any]) -> int | None:
    """The price item's weight in per mille of the total (for a method's price-weight floor: goods
    ≥ 300 ‰), or None when the formula gives no points. For a checked record."""
    for group in record.get("scoring", []):
        for item in group["items"]:
            if item["kind"] == "price":
                return int(item["weight_permille"])
    return None


# -- the reference computation of the price formula ----------------------------------------------------


def evaluated_price(record: Mapping[str, Any], price: int | str, *, sme: bool = False) -> Decimal:
    """The value a formula compares, lower being cheaper: an amount in fen; a rate in percent; for a
    discount (下浮率) 100 − the discount; times (1 − sme_deduction_pct / 100) for a small or micro
    enterprise when the documents give a deduction."""
    kind = record["price_kind"]
    if kind == "amount":
        if not isinstance(price, int) or isinstance(price, bool) or price < 0:
            raise CriteriaError("criteria_price", "an amount is a non-negative integer of fen")
        value = Decimal(price)
    else:
        try:
            value = Decimal(price) if isinstance(price, str) else Decimal("NaN")
        except ArithmeticError:
            value = Decimal("NaN")
        if not value.is_finite() or not 0 <= value <= 100:  # noqa: PLR2004
            raise CriteriaError("criteria_price", f"a {kind} is a percentage string from 0 to 100")
        if kind == "discount":
            value = 100 - value
    if sme and "sme_deduction_pct" in record:
        value *= 1 - Decimal(record["sme_deduction_pct"]) / 100
    return value


def _half_up(value: Decimal, quantum: Decimal) -> Decimal:
    return value.quantize(quantum, rounding=ROUND_HALF_UP)


def price_scores(
    record: dict[str, Any], prices: Sequence[int | str], *, k: str | None = None, sme: Sequence[bool] = ()
) -> list[Decimal]:
    """The price points of each valid bid, in the order given (docs/criteria-format.md §4): `prices`
    as the opening sheets state them (fen; percent strings), `sme[i]` whether bid i gets the SME
    deduction, `k` the K drawn at the opening (one of `k_choices`, for benchmark_mean). Points are
    rounded half up to 0.01 at the end, never below 0; the benchmark is rounded half up to whole fen
    (amounts) or 4 decimals (percentages)."""
    check(record)
    formula = record["price_formula"]
    if not FORMULAS[formula["name"]].points:
        raise CriteriaError(
            "criteria_formula", f"the formula {formula['name']} gives no points", "/price_formula/name"
        )
    flags = list(sme) or [False] * len(prices)
    if len(flags) != len(prices):
        raise CriteriaError("criteria_price", "one SME flag per price")
    weight = Decimal(price_weight_permille(record) or 0) / 10
    parameters = formula["parameters"]
    with localcontext() as context:
        context.prec = 50
        values = [evaluated_price(record, p, sme=s) for p, s in zip(prices, flags, strict=True)]
        if not values:
            return []
        quantum = Decimal(1) if record["price_kind"] == "amount" else Decimal("0.0001")
        if formula["name"] == "lowest_price":
            lowest = min(values)
            return [_half_up(lowest / v * weight if v else weight, POINTS) for v in values]
        if formula["name"] == "benchmark_mean":
            if k not in parameters["k_choices"]:
                raise CriteriaError(
                    "criteria_k_range",
                    f"K = {k!r} is not one of the listed K",
                    "/price_formula/parameters/k_choices",
                )
            kept = sorted(values)
            if len(kept) >= parameters["trim_min_bids"]:
                kept = kept[1:-1]
            benchmark = _half_up(sum(kept, Decimal(0)) / len(kept) * (1 - Decimal(str(k))), quantum)
            below = Decimal(parameters["points_per_percent_below"])
        else:  # fixed_lowest
            benchmark = min(values)
            below = Decimal(0)
        above = Decimal(parameters["points_per_percent_above"])
        scores = []
        for v in values:
            if benchmark == 0:  # a benchmark of 0: full points at it, none above it
                scores.append(_half_up(weight if v == 0 else Decimal(0), POINTS))
                continue
            deviation = (v - benchmark) / benchmark * 100
            off = deviation * above if deviation > 0 else -deviation * below
            scores.append(_half_up(max(Decimal(0), weight - off), POINTS))
        return scores
