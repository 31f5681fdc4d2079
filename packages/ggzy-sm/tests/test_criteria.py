"""The tender documents' criteria record (ggzy-criteria-v1, docs/criteria-format.md): valid records
pass, each bad one is refused with its code and the place, the digest is pinned and does not depend on
key order or on the sealed 标底, the diff of two versions, the public view, and the price formulas'
worked examples of the spec."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from ggzy_sm import canonical, criteria
from ggzy_sm.criteria import CriteriaError
from ggzy_sm.sm3 import sm3

ENGINEERING: dict[str, Any] = {
    "profile": "ggzy-criteria-v1",
    "section": "A2101002026000001001001",
    "method": "open_tender",
    "price_kind": "amount",
    "qualification": [
        {"id": "Q1", "text": "具有建筑工程施工总承包三级及以上资质", "evidence": ["资质证书"]},
        {
            "id": "Q2",
            "text": "拟派项目经理具有建筑工程专业二级及以上注册建造师执业资格",
            "evidence": ["注册建造师证书", "安全生产考核合格证书（B证）"],
        },
    ],
    "scoring": [
        {
            "id": "T",
            "name": "技术标",
            "items": [
                {"id": "T1", "name": "施工组织设计", "kind": "subjective", "weight_permille": 400,
                 "standard": "优 40 分，良 30 分，中 20 分，差 10 分"},
                {"id": "T2", "name": "项目管理机构", "kind": "objective", "weight_permille": 100},
            ],
        },
        {
            "id": "C",
            "name": "商务标",
            "items": [
                {"id": "C1", "name": "投标报价", "kind": "price", "weight_permille": 450},
                {"id": "C2", "name": "类似工程业绩", "kind": "objective", "weight_permille": 50},
            ],
        },
    ],
    "price_formula": {
        "name": "benchmark_mean",
        "parameters": {
            "k_choices": ["0.01", "0.02", "0.03"],
            "trim_min_bids": 5,
            "points_per_percent_above": "1",
            "points_per_percent_below": "0.5",
        },
    },
    "opening_sheet": {
        "price": {"kind": "amount", "ceiling_fen": 1_100_000_000},
        "duration_days": {"required": True, "max_days": 365},
        "quality": {"required": True},
        "project_manager": {"required": True},
        "custom": [{"item": "安全文明施工费", "required": True}],
    },
    "bid_validity_days": 90,
    "decryption_window_minutes": 60,
    "release_remedy": "custodians",
    "bid_security": {"kind": "amount", "amount_fen": 10_000_000, "forms": ["cash", "guarantee", "insurance"]},
    "consortium_allowed": False,
    "library_items": ["qualification.construction", "person.builder"],
    "reserve_price": {"fen": 1_000_000_000, "salt": "00112233445566778899aabbccddeeff"},
}  # fmt: skip

PROCUREMENT: dict[str, Any] = {
    "profile": "ggzy-criteria-v1",
    "section": "B2101002026000002001001",
    "method": "gp_open_tender",
    "price_kind": "amount",
    "qualification": [
        {"id": "Q1", "text": "具有独立承担民事责任的能力", "evidence": ["营业执照"]},
        {"id": "Q2", "text": "参加政府采购活动前三年内无重大违法记录", "evidence": ["书面声明"]},
    ],
    "scoring": [
        {"id": "G", "name": "评分", "items": [
            {"id": "P", "name": "价格", "kind": "price", "weight_permille": 300},
            {"id": "S", "name": "技术参数响应", "kind": "objective", "weight_permille": 500},
            {"id": "A", "name": "售后服务方案", "kind": "subjective", "weight_permille": 200},
        ]},
    ],
    "price_formula": {"name": "lowest_price", "parameters": {}},
    "opening_sheet": {"price": {"kind": "amount"}, "duration_days": {"required": True}},
    "bid_validity_days": 60,
    "decryption_window_minutes": 30,
    "release_remedy": "custodians",
    "bid_security": {"kind": "none"},
    "consortium_allowed": True,
    "library_items": [],
    "sme_deduction_pct": "10",
}  # fmt: skip

#: The spec's test vector (docs/criteria-format.md §8): the smallest kind of record.
VECTOR: dict[str, Any] = {
    "profile": "ggzy-criteria-v1",
    "section": "B2101002026000002001001",
    "method": "inquiry",
    "price_kind": "amount",
    "qualification": [{"id": "Q1", "text": "具有独立承担民事责任的能力", "evidence": ["营业执照"]}],
    "price_formula": {"name": "lowest_evaluated", "parameters": {}},
    "opening_sheet": {"price": {"kind": "amount", "ceiling_fen": 50_000_000}},
    "bid_validity_days": 60,
    "decryption_window_minutes": 30,
    "release_remedy": "custodians",
    "bid_security": {"kind": "none"},
    "consortium_allowed": False,
    "library_items": [],
}
VECTOR_CANONICAL = (
    '{"bid_security":{"kind":"none"},"bid_validity_days":60,"consortium_allowed":false,'
    '"decryption_window_minutes":30,"library_items":[],"method":"inquiry",'
    '"opening_sheet":{"price":{"ceiling_fen":50000000,"kind":"amount"}},"price_formula":'
    '{"name":"lowest_evaluated","parameters":{}},"price_kind":"amount","profile":"ggzy-criteria-v1",'
    '"qualification":[{"evidence":["营业执照"],"id":"Q1","text":"具有独立承担民事责任的能力"}],'
    '"release_remedy":"custodians","section":"B2101002026000002001001"}'
)
VECTOR_DIGEST = "9b28e1214e048029d66fd58287be1aadd14299afb5a0e8e54d3e6f619ba89067"
RESERVE = {"fen": 45_000_000, "salt": "000102030405060708090a0b0c0d0e0f"}
RESERVE_COMMITMENT = "743efea9c78d44b61e697b5a80be49a515b778800d128894de9bd31c0b3859ac"
VECTOR_SEALED_DIGEST = "6a67c14fb8847ef279df03c3330e8272f1d0c1cbbb85fe4fc1feff077e874e0e"


def changed(record: dict[str, Any], change: Callable[[dict[str, Any]], object]) -> dict[str, Any]:
    out = copy.deepcopy(record)
    change(out)
    return out


def refused(record: Any) -> CriteriaError:
    with pytest.raises(CriteriaError) as caught:
        criteria.check(record)
    return caught.value


@pytest.mark.parametrize(
    "record", [ENGINEERING, PROCUREMENT, VECTOR], ids=["engineering", "procurement", "vector"]
)
def test_valid_records_pass_and_so_do_their_public_views(record: dict[str, Any]) -> None:
    criteria.check(record)
    criteria.check(criteria.public_view(record))


def set_at(path: str, value: Any) -> Callable[[dict[str, Any]], object]:
    """A change that puts `value` at the JSON pointer `path` (the last segment created or replaced)."""

    def change(record: dict[str, Any]) -> None:
        *parents, last = path.split("/")[1:]
        here: Any = record
        for part in parents:
            here = here[int(part)] if isinstance(here, list) else here[part]
        if isinstance(here, list):
            here[int(last)] = value
        else:
            here[last] = value

    return change


def drop(path: str) -> Callable[[dict[str, Any]], object]:
    def change(record: dict[str, Any]) -> None:
        *parents, last = path.split("/")[1:]
        here: Any = record
        for part in parents:
            here = here[int(part)] if isinstance(here, list) else here[part]
        del here[int(last) if isinstance(here, list) else last]

    return change


E, P, V = ENGINEERING, PROCUREMENT, VECTOR
PAR, SEC, EVIDENCE = "/price_formula/parameters", "/bid_security", "/qualification/1/evidence"
KS = f"{PAR}/k_choices"
FLOAT, SCHEMA, PARAMETER, SCORING = (
    "criteria_float",
    "criteria_schema",
    "criteria_formula_parameter",
    "criteria_scoring",
)


@pytest.mark.parametrize(
    ("base", "change", "code", "path"),
    [
        # weights that do not add up to 1000 ‰ (100 points): 99 and 101 points, 99.9 and 100.1
        (E, set_at("/scoring/0/items/0/weight_permille", 390), "criteria_weights", "/scoring"),
        (E, set_at("/scoring/0/items/0/weight_permille", 410), "criteria_weights", "/scoring"),
        (P, set_at("/scoring/0/items/2/weight_permille", 199), "criteria_weights", "/scoring"),
        (P, set_at("/scoring/0/items/2/weight_permille", 201), "criteria_weights", "/scoring"),
        # a formula naming a parameter it does not declare, or missing one it does, or misspelling one
        (E, set_at(f"{PAR}/lowest_weight", "0.2"), PARAMETER, f"{PAR}/lowest_weight"),
        (P, set_at(f"{PAR}/k_choices", ["0.02"]), PARAMETER, f"{PAR}/k_choices"),
        (E, drop(f"{PAR}/trim_min_bids"), PARAMETER, f"{PAR}/trim_min_bids"),
        (E, set_at(f"{PAR}/trim_min_bids", 2), PARAMETER, f"{PAR}/trim_min_bids"),
        (E, set_at(f"{PAR}/points_per_percent_above", "1.50"), PARAMETER, f"{PAR}/points_per_percent_above"),
        # floats, wherever they are
        (E, set_at(f"{SEC}/amount_fen", 10_000_000.0), FLOAT, f"{SEC}/amount_fen"),
        (E, set_at("/opening_sheet/price/ceiling_fen", 1.1e9), FLOAT, "/opening_sheet/price/ceiling_fen"),
        (E, set_at(f"{KS}/1", 0.02), FLOAT, f"{KS}/1"),
        (P, set_at("/sme_deduction_pct", 10.0), FLOAT, "/sme_deduction_pct"),
        # a Decimal is not JSON either: decimals are strings
        (P, set_at("/sme_deduction_pct", Decimal(10)), SCHEMA, "/sme_deduction_pct"),
        # a negative security, a boolean one, one without its forms or with an unknown one
        (E, set_at(f"{SEC}/amount_fen", -1), SCHEMA, f"{SEC}/amount_fen"),
        (E, set_at(f"{SEC}/amount_fen", True), SCHEMA, f"{SEC}/amount_fen"),
        (E, drop(f"{SEC}/forms"), SCHEMA, f"{SEC}/forms"),
        (E, set_at(f"{SEC}/forms", ["cheque"]), SCHEMA, f"{SEC}/forms/0"),
        # K outside 0 … 0.2, or listed twice
        (E, set_at(f"{KS}/2", "0.25"), "criteria_k_range", f"{KS}/2"),
        (E, set_at(f"{KS}/1", "0.01"), PARAMETER, f"{KS}/1"),
        # a qualification item without evidence (missing, or empty)
        (E, drop(EVIDENCE), SCHEMA, EVIDENCE),
        (E, set_at(EVIDENCE, []), SCHEMA, EVIDENCE),
        # an unknown price kind, a sheet of another kind than the documents
        (E, set_at("/price_kind", "lump_sum"), SCHEMA, "/price_kind"),
        (
            E,
            set_at("/opening_sheet/price", {"kind": "rate", "min_percent": "0", "max_percent": "5"}),
            "criteria_price_kind",
            "/opening_sheet/price/kind",
        ),
        # the scoring tree and the formula
        (E, set_at("/scoring/1/items/0/kind", "objective"), SCORING, "/scoring"),
        (E, set_at("/scoring/0/items/1/kind", "price"), SCORING, "/scoring/1/items/0/kind"),
        (E, drop("/scoring"), SCORING, "/scoring"),
        (V, set_at("/scoring", PROCUREMENT["scoring"]), SCORING, "/scoring"),
        (E, set_at("/scoring/1/items/1/id", "T1"), "criteria_id", "/scoring/1/items/1/id"),
        (E, set_at("/qualification/1/id", "Q1"), "criteria_id", "/qualification/1/id"),
        (E, set_at("/price_formula/name", "average"), SCHEMA, "/price_formula/name"),
        # the 标底: above the ceiling, without its salt
        (E, set_at("/reserve_price/fen", 1_200_000_000), "criteria_range", "/reserve_price/fen"),
        (E, drop("/reserve_price/salt"), SCHEMA, "/reserve_price"),
        # ranges and shapes
        (P, set_at("/sme_deduction_pct", "0"), "criteria_range", "/sme_deduction_pct"),
        (P, set_at("/sme_deduction_pct", "10.0"), SCHEMA, "/sme_deduction_pct"),
        (E, set_at("/release_remedy", "platform"), SCHEMA, "/release_remedy"),
        (E, set_at("/profile", "ggzy-criteria-v2"), SCHEMA, "/profile"),
        (E, set_at("/tender_fee_fen", 0), SCHEMA, "/tender_fee_fen"),
        (E, drop("/library_items"), SCHEMA, "/library_items"),
        (E, set_at("/bid_validity_days", 0), SCHEMA, "/bid_validity_days"),
    ],
)
def test_each_bad_record_is_refused_with_its_code_and_place(
    base: dict[str, Any], change: Callable[[dict[str, Any]], object], code: str, path: str
) -> None:
    error = refused(changed(base, change))
    assert (error.code, error.path) == (code, path), error
    assert isinstance(error, ValueError)
    assert code in str(error)


def test_rate_documents_bound_the_rate_and_refuse_a_reserve_price_in_fen() -> None:
    rate = changed(PROCUREMENT, set_at("/price_kind", "rate"))
    rate["opening_sheet"]["price"] = {"kind": "rate", "min_percent": "0.5", "max_percent": "3"}
    criteria.check(rate)
    upside_down = changed(rate, set_at("/opening_sheet/price/min_percent", "4"))
    assert refused(upside_down).code == "criteria_range"
    with_reserve = changed(rate, set_at("/reserve_price", criteria.reserve_price(100)))
    assert (refused(with_reserve).code, refused(with_reserve).path) == (
        "criteria_price_kind",
        "/reserve_price",
    )


def test_a_float_in_a_json_text_is_refused_by_loads_with_its_place() -> None:
    text = json.dumps(ENGINEERING, ensure_ascii=False).replace('"amount_fen": 10000000', '"amount_fen": 1e7')
    with pytest.raises(CriteriaError) as caught:
        criteria.loads(text.encode())
    assert (caught.value.code, caught.value.path) == ("criteria_float", "/bid_security/amount_fen")
    twice = b'{"profile": "ggzy-criteria-v1", "profile": "ggzy-criteria-v1"}'
    with pytest.raises(CriteriaError) as caught:
        criteria.loads(twice)
    assert caught.value.code == "criteria_json"
    assert criteria.loads(json.dumps(ENGINEERING).encode()) == ENGINEERING


def test_price_weight_for_the_method_tables_floor() -> None:
    assert criteria.price_weight_permille(ENGINEERING) == 450
    assert criteria.price_weight_permille(PROCUREMENT) == 300
    assert criteria.price_weight_permille(VECTOR) is None


def test_not_an_object_is_refused() -> None:
    assert refused([ENGINEERING]).code == "criteria_schema"
    assert refused(None).code == "criteria_schema"


# -- the digest --------------------------------------------------------------------------------------


def test_the_digest_is_the_pinned_vector() -> None:
    assert canonical.dumps(VECTOR).decode() == VECTOR_CANONICAL
    assert sm3(VECTOR_CANONICAL.encode()).hex() == VECTOR_DIGEST
    assert criteria.digest(VECTOR) == VECTOR_DIGEST


def test_the_digest_does_not_depend_on_key_order() -> None:
    def reverse(value: Any) -> Any:
        if isinstance(value, dict):
            return {key: reverse(value[key]) for key in reversed(list(value))}
        if isinstance(value, list):
            return [reverse(item) for item in value]
        return value

    shuffled = reverse(ENGINEERING)
    assert list(shuffled) != list(ENGINEERING)
    assert criteria.digest(shuffled) == criteria.digest(ENGINEERING)
    assert criteria.digest(changed(ENGINEERING, set_at("/bid_validity_days", 91))) != criteria.digest(
        ENGINEERING
    )


def test_the_sealed_reserve_price_enters_the_digest_only_through_its_salted_commitment() -> None:
    sealed = {**VECTOR, "reserve_price": RESERVE}
    assert criteria.commitment(RESERVE) == RESERVE_COMMITMENT
    assert sm3(b'{"fen":45000000,"salt":"000102030405060708090a0b0c0d0e0f"}').hex() == RESERVE_COMMITMENT
    view = criteria.public_view(sealed)
    assert view["reserve_price"] == {"commitment": RESERVE_COMMITMENT}
    assert criteria.digest(sealed) == criteria.digest(view) == VECTOR_SEALED_DIGEST
    assert sm3(canonical.dumps(view)).hex() == VECTOR_SEALED_DIGEST
    # another 标底 is another digest; another salt too (so the digest cannot be tested against guesses)
    assert (
        criteria.digest({**VECTOR, "reserve_price": {**RESERVE, "fen": 45_000_001}}) != VECTOR_SEALED_DIGEST
    )
    assert (
        criteria.digest({**VECTOR, "reserve_price": criteria.reserve_price(45_000_000)})
        != VECTOR_SEALED_DIGEST
    )


def test_public_view_drops_the_reserve_price_and_keeps_everything_else() -> None:
    view = criteria.public_view(ENGINEERING)
    assert set(view["reserve_price"]) == {"commitment"}
    assert "1000000000" not in canonical.dumps(view).decode()
    assert {k: v for k, v in view.items() if k != "reserve_price"} == {
        k: v for k, v in ENGINEERING.items() if k != "reserve_price"
    }
    assert criteria.public_view(view) == view
    assert criteria.sealed_fields() == ("reserve_price",)
    assert "reserve_price" not in criteria.public_view(PROCUREMENT)
    assert ENGINEERING["reserve_price"]["fen"] == 1_000_000_000  # the record itself is not changed


def test_a_fresh_reserve_price_has_a_fresh_salt() -> None:
    one, two = criteria.reserve_price(1), criteria.reserve_price(1)
    assert one["fen"] == two["fen"] == 1
    assert one["salt"] != two["salt"]
    with pytest.raises(CriteriaError):
        criteria.reserve_price(1.5)  # type: ignore[arg-type]


# -- the diff ---------------------------------------------------------------------------------------


def test_diff_finds_a_changed_weight_and_an_added_item() -> None:
    new = copy.deepcopy(ENGINEERING)
    new["scoring"][0]["items"][0]["weight_permille"] = 350
    added = {"id": "T3", "name": "BIM 应用", "kind": "objective", "weight_permille": 50}
    new["scoring"][0]["items"].insert(1, added)
    new["qualification"].append(
        {"id": "Q3", "text": "未被列入失信被执行人名单", "evidence": ["信用中国查询截图"]}
    )
    criteria.check(new)
    assert criteria.diff(ENGINEERING, new) == [
        {"op": "add", "path": "/qualification/2", "new": new["qualification"][2]},
        {"op": "replace", "path": "/scoring/0/items/0/weight_permille", "old": 400, "new": 350},
        {"op": "add", "path": "/scoring/0/items/1", "new": added},
    ]
    assert criteria.diff(ENGINEERING, copy.deepcopy(ENGINEERING)) == []


def test_diff_reports_removals_reorders_and_top_level_fields() -> None:
    new = copy.deepcopy(ENGINEERING)
    new["qualification"].reverse()
    del new["reserve_price"]
    new["sme_deduction_pct"] = "3"
    new["price_formula"]["parameters"]["k_choices"] = ["0.01", "0.02"]
    assert criteria.diff(ENGINEERING, new) == [
        {"op": "remove", "path": "/price_formula/parameters/k_choices/2", "old": "0.03"},
        {"op": "reorder", "path": "/qualification", "old": ["Q1", "Q2"], "new": ["Q2", "Q1"]},
        {"op": "remove", "path": "/reserve_price", "old": ENGINEERING["reserve_price"]},
        {"op": "add", "path": "/sme_deduction_pct", "new": "3"},
    ]
    # published diffs are of public views: a changed 标底 shows as a changed commitment only
    moved = changed(ENGINEERING, set_at("/reserve_price/fen", 990_000_000))
    public = criteria.diff(criteria.public_view(ENGINEERING), criteria.public_view(moved))
    assert [entry["path"] for entry in public] == ["/reserve_price/commitment"]


# -- the price formulas (docs/criteria-format.md §4) -----------------------------------------------------

FIVE_BIDS = [980_000_000, 950_000_000, 1_020_000_000, 900_000_000, 1_050_000_000]


def test_benchmark_mean_worked_example() -> None:
    # drop 1,050,000.00 and 900,000.00; mean 983,333,333.33… fen × (1 − 0.03) = 953,833,333.33… → 953,833,333
    scores = criteria.price_scores(ENGINEERING, FIVE_BIDS, k="0.03")
    assert scores == [Decimal(s) for s in ("42.26", "44.80", "38.06", "42.18", "34.92")]
    assert all(s.as_tuple().exponent == -2 for s in scores)
    with pytest.raises(CriteriaError) as caught:
        criteria.price_scores(ENGINEERING, FIVE_BIDS, k="0.04")  # not one of the listed K
    assert caught.value.code == "criteria_k_range"


def test_benchmark_mean_keeps_every_bid_below_trim_min_bids_and_never_goes_below_zero() -> None:
    scores = criteria.price_scores(
        ENGINEERING, [950_000_000, 980_000_000, 1_020_000_000, 2_000_000_000], k="0.01"
    )
    # mean of all four = 1,237,500,000 × 0.99 = 1,225,125,000; the last is 63.25 % above: 45 − 63.25 → 0
    assert scores[-1] == Decimal("0.00")
    # the first is 22.4569… % below: 45 − 11.2284… = 33.77
    assert scores[0] == Decimal("33.77")


def test_lowest_price_with_the_sme_deduction() -> None:
    # 1,000,000.00 by an SME is evaluated at 900,000.00: the lowest, 30 points; 950,000.00 gets 900/950 × 30
    scores = criteria.price_scores(
        PROCUREMENT, [100_000_000, 95_000_000, 120_000_000], sme=[True, False, False]
    )
    assert scores == [Decimal("30.00"), Decimal("28.42"), Decimal("22.50")]


def test_fixed_lowest_and_lowest_evaluated() -> None:
    fixed = changed(
        ENGINEERING,
        set_at("/price_formula", {"name": "fixed_lowest", "parameters": {"points_per_percent_above": "2"}}),
    )
    assert criteria.price_scores(fixed, [900_000_000, 918_000_000, 1_500_000_000]) == [
        Decimal("45.00"), Decimal("41.00"), Decimal("0.00"),
    ]  # fmt: skip
    with pytest.raises(CriteriaError) as caught:
        criteria.price_scores(VECTOR, [1, 2])
    assert caught.value.code == "criteria_formula"


def test_discounts_compare_what_is_paid() -> None:
    discount = changed(PROCUREMENT, set_at("/price_kind", "discount"))
    discount["opening_sheet"]["price"] = {"kind": "discount", "min_percent": "0", "max_percent": "20"}
    del discount["sme_deduction_pct"]
    # 10 % off pays 90, 5 % off pays 95: the bigger discount is the lowest price
    assert criteria.evaluated_price(discount, "10") == Decimal(90)
    assert criteria.price_scores(discount, ["10", "5"]) == [Decimal("30.00"), Decimal("28.42")]
