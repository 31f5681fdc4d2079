"""The method table (standard 6.5.1, 8.1.1): each trading method is a row of `TradingMethod` with its
flags, values and legal sources; `registry.methods.rules_of` reads it and the pure checks refuse exactly
at the law's boundaries. A method added as a row, or a row changed, changes what the checks do, with no
code; the public page lists every method's rules with their sources."""

from __future__ import annotations

import html
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import translation

from ggzy.core.errors import DomainError
from ggzy.registry import methods
from ggzy.registry.errors import RegistryError
from ggzy.registry.methods import (
    bid_security_check,
    bidders_enough,
    committee_check,
    evaluation_method_check,
    performance_security_check,
    price_weight_check,
    rules_of,
    sme_deduction_check,
)
from ggzy.registry.models import TradingMethod
from ggzy.registry.seed import METHOD_RULES, METHODS, SOURCE_KEYS, method_rules_fill
from tests.factories import signed_in
from tests.registry.conftest import World

pytestmark = pytest.mark.django_db

TEN_MILLION = 1_000_000_000  # fen: ¥10,000,000.00
TWO_MILLION = 200_000_000  # fen: ¥2,000,000.00


def refused(code: RegistryError) -> Any:
    """pytest.raises for a DomainError with this code."""
    return pytest.raises(DomainError, match=f"^{code.value}:")


# --- the seeded rows ---------------------------------------------------------------------------------------
def test_every_seeded_method_has_its_row_and_a_source_for_every_rule() -> None:
    assert set(TradingMethod.objects.values_list("code", flat=True)) >= {c for c, _n, _cat in METHODS}
    for code, _name, category in METHODS:
        rules = rules_of(code)
        assert rules.category == category
        assert set(rules.sources) == set(SOURCE_KEYS), code
        assert all(rules.sources[key] for key in SOURCE_KEYS), code
        if category in {"engineering", "procurement"}:  # configured, not "not yet configured"
            assert not any("未配置" in text for text in rules.sources.values()), code


@pytest.mark.clause("8.1.1")
def test_engineering_open_tender() -> None:
    rules = rules_of("open_tender")
    assert rules.name == "公开招标"
    assert (rules.committee_min, rules.committee_odd, rules.experts_share) == (5, True, Fraction(2, 3))
    assert rules.committee_min_large == 0
    assert rules.large_threshold_fen is None
    assert rules.min_bidders == 3
    assert not rules.same_brand_counts_once
    assert rules.public_opening
    assert rules.prequalification
    assert not rules.invited_only
    assert rules.quote_rounds == 0
    assert rules.result_flow == "candidates_publicity"
    assert (rules.bid_security_cap_permille, rules.bid_security_base) == (20, "estimate")
    assert rules.bid_security_cash_allowed
    assert rules.performance_security_cap_pct == 10
    assert set(rules.evaluation_methods) >= {"comprehensive", "lowest_evaluated"}
    assert rules.sme_deduction_min_pct is None
    assert rules.price_weight_floor_goods_pct is None
    assert rules.source("committee_min") == "招标投标法 §37（成员人数为五人以上单数）"
    assert "实施条例 §26" in rules.source("bid_security_cap_permille")
    assert "实施条例 §54" in rules.source("result_flow")


def test_engineering_invited_tender() -> None:
    rules = rules_of("invited_tender")
    assert rules.invited_only
    assert rules.min_invited == 3
    assert "招标投标法 §17" in rules.source("min_invited")
    assert rules.committee_min == 5
    assert rules.min_bidders == 3


def test_procurement_open_and_invited_tender() -> None:
    rules = rules_of("gp_open_tender")
    assert (rules.committee_min, rules.committee_min_large, rules.large_threshold_fen) == (5, 7, TEN_MILLION)
    assert rules.committee_odd
    assert rules.experts_share == Fraction(2, 3)
    assert rules.min_bidders == 3
    assert rules.same_brand_counts_once
    assert (rules.price_weight_floor_goods_pct, rules.price_weight_floor_services_pct) == (30, 10)
    assert (rules.sme_deduction_min_pct, rules.sme_deduction_max_pct) == (10, 20)
    assert rules.result_flow == "result_announcement"
    assert (rules.bid_security_cap_permille, rules.bid_security_base) == (20, "budget")
    assert not rules.bid_security_cash_allowed
    assert not rules.performance_security_cash_allowed
    assert set(rules.evaluation_methods) == {"comprehensive", "lowest_price"}
    assert "待核" in rules.source("committee_min_large")  # 87号令 §47 not read in the text
    assert "政府采购法实施条例 §33" in rules.source("bid_security_cap_permille")
    invited = rules_of("gp_invited_tender")
    assert invited.invited_only
    assert invited.min_invited == 3
    assert "政府采购法 §34" in invited.source("min_invited")


def test_procurement_non_tender_methods() -> None:
    negotiation = rules_of("competitive_negotiation")
    assert (negotiation.committee_min, negotiation.committee_odd, negotiation.experts_share) == (
        3,
        True,
        Fraction(2, 3),
    )
    assert (negotiation.committee_min_large, negotiation.large_threshold_fen) == (5, TWO_MILLION)
    assert negotiation.quote_rounds > 0
    assert not negotiation.public_opening
    assert negotiation.evaluation_methods == ("lowest_price",)
    assert "政府采购法 §38" in negotiation.source("committee_min")
    inquiry = rules_of("inquiry")
    assert inquiry.quote_rounds == 0  # 一次报出不得更改的价格
    assert "政府采购法 §40" in inquiry.source("quote_rounds")
    consultation = rules_of("competitive_consultation")
    assert consultation.committee_min == 3
    assert consultation.evaluation_methods == ("comprehensive",)
    assert (consultation.price_weight_floor_goods_pct, consultation.price_weight_ceiling_goods_pct) == (
        30,
        60,
    )
    assert consultation.quote_rounds > 0
    single = rules_of("single_source")
    assert single.min_bidders == 1
    assert single.committee_min == 0
    assert single.bid_security_cap_permille is None
    assert single.performance_security_cap_pct == 10


def test_land_assets_and_medicine_rows_are_valid_and_mostly_not_configured() -> None:
    listing = rules_of("land_listing")
    assert listing.min_bidders == 1
    assert "待核" in listing.source("min_bidders")
    assert rules_of("asset_auction").evaluation_methods == ("highest_price",)
    medical = rules_of("medical_central")
    assert medical.committee_min == 0
    assert medical.bid_security_cap_permille is None
    assert all("未配置" in text for text in medical.sources.values())


def test_an_unknown_method_is_not_found() -> None:
    with pytest.raises(DomainError) as caught:
        rules_of("no_such_method")
    assert caught.value.code is RegistryError.METHOD_UNKNOWN
    assert caught.value.status == 404


# --- the checks at their boundaries ------------------------------------------------------------------------
def test_committee_size_odd_and_experts_at_the_boundary() -> None:
    rules = rules_of("open_tender")
    with refused(RegistryError.METHOD_COMMITTEE_SIZE):
        committee_check(rules, size=4, experts=4, amount_fen=100)
    committee_check(rules, size=5, experts=4, amount_fen=100)
    with refused(RegistryError.METHOD_COMMITTEE_ODD):
        committee_check(rules, size=6, experts=6, amount_fen=100)
    committee_check(rules, size=7, experts=5, amount_fen=100)  # 5/7 ≥ 2/3
    with refused(RegistryError.METHOD_COMMITTEE_EXPERTS):
        committee_check(rules, size=5, experts=3, amount_fen=100)  # 3/5 < 2/3
    committee_check(rules, size=5, experts=4, amount_fen=100)
    with refused(RegistryError.METHOD_COMMITTEE_EXPERTS):
        committee_check(rules, size=9, experts=5, amount_fen=100)  # 5/9 < 2/3
    committee_check(rules, size=9, experts=6, amount_fen=100)  # exactly 2/3
    committee_check(rules, size=5, experts=4, amount_fen=10 * TEN_MILLION)  # engineering: no larger committee


def test_the_refusal_names_the_rule_and_its_article_in_chinese() -> None:
    rules = rules_of("open_tender")
    with pytest.raises(DomainError) as caught:
        committee_check(rules, size=4, experts=4, amount_fen=100)
    with translation.override("zh-hans"):
        message = str(caught.value.message)
    assert "公开招标" in message
    assert "招标投标法 §37" in message
    assert "5" in message
    assert "评标委员会" in message
    assert caught.value.detail["rule"] == "committee_min"


def test_procurement_committee_grows_at_ten_million_yuan() -> None:
    rules = rules_of("gp_open_tender")
    committee_check(rules, size=5, experts=4, amount_fen=TEN_MILLION - 1)  # ¥9,999,999.99
    with refused(RegistryError.METHOD_COMMITTEE_SIZE) as caught:
        committee_check(rules, size=5, experts=4, amount_fen=TEN_MILLION)  # ¥10,000,000.00
    assert caught.value.detail["rule"] == "committee_min_large"
    committee_check(rules, size=7, experts=5, amount_fen=TEN_MILLION)
    with refused(RegistryError.METHOD_COMMITTEE_SIZE):  # technically complex: 7 whatever the amount
        committee_check(rules, size=5, experts=4, amount_fen=100, large=True)
    negotiation = rules_of("competitive_negotiation")
    committee_check(negotiation, size=3, experts=2, amount_fen=TWO_MILLION - 1)
    with refused(RegistryError.METHOD_COMMITTEE_SIZE):
        committee_check(negotiation, size=3, experts=2, amount_fen=TWO_MILLION)
    committee_check(negotiation, size=5, experts=4, amount_fen=TWO_MILLION)
    with refused(RegistryError.METHOD_COMMITTEE_ODD):
        committee_check(negotiation, size=4, experts=3, amount_fen=100)


def test_bid_security_cap_is_two_percent_rounded_down_in_fen() -> None:
    rules = rules_of("open_tender")
    base = 1_234_567_890  # ¥12,345,678.90
    assert methods.bid_security_cap_fen(rules, base_fen=base) == 24_691_357  # ¥246,913.57 (…57.8 down)
    bid_security_check(rules, amount_fen=24_691_357, base_fen=base, cash=True)
    with refused(RegistryError.METHOD_BID_SECURITY_CAP) as caught:
        bid_security_check(rules, amount_fen=24_691_358, base_fen=base, cash=True)
    with translation.override("zh-hans"):
        message = str(caught.value.message)
    assert "246,913.57" in message
    assert "2%" in message
    assert "招标投标法实施条例 §26" in message
    bid_security_check(rules, amount_fen=0, base_fen=base, cash=True)  # none asked
    with pytest.raises(TypeError):
        bid_security_check(rules, amount_fen=24_691_357.0, base_fen=base, cash=True)  # type: ignore[arg-type]


def test_procurement_bid_security_is_never_cash_and_single_source_takes_none() -> None:
    rules = rules_of("gp_open_tender")
    bid_security_check(rules, amount_fen=2_000, base_fen=100_000, cash=False)
    with refused(RegistryError.METHOD_SECURITY_CASH):
        bid_security_check(rules, amount_fen=2_000, base_fen=100_000, cash=True)
    with refused(RegistryError.METHOD_BID_SECURITY_CAP):
        bid_security_check(rules, amount_fen=2_001, base_fen=100_000, cash=False)
    single = rules_of("single_source")
    with refused(RegistryError.METHOD_BID_SECURITY_NONE):
        bid_security_check(single, amount_fen=1, base_fen=100_000, cash=False)


def test_performance_security_at_ten_percent() -> None:
    rules = rules_of("open_tender")
    performance_security_check(rules, amount_fen=123_456_789, contract_fen=1_234_567_890)  # cap …789.0
    with refused(RegistryError.METHOD_PERFORMANCE_SECURITY_CAP):
        performance_security_check(rules, amount_fen=123_456_790, contract_fen=1_234_567_890)
    performance_security_check(rules, amount_fen=100, contract_fen=1_009)  # 100.9 → 100
    with refused(RegistryError.METHOD_PERFORMANCE_SECURITY_CAP):
        performance_security_check(rules, amount_fen=101, contract_fen=1_009)
    with refused(RegistryError.METHOD_SECURITY_CASH):
        performance_security_check(rules_of("gp_open_tender"), amount_fen=1, contract_fen=100, cash=True)
    with refused(RegistryError.METHOD_PERFORMANCE_SECURITY_NONE):
        performance_security_check(rules_of("medical_central"), amount_fen=1, contract_fen=100)


def test_price_weight_floors_and_ceilings() -> None:
    rules = rules_of("gp_open_tender")
    with refused(RegistryError.METHOD_PRICE_WEIGHT):
        price_weight_check(rules, weight_pct=29, kind="goods")
    price_weight_check(rules, weight_pct=30, kind="goods")
    with refused(RegistryError.METHOD_PRICE_WEIGHT):
        price_weight_check(rules, weight_pct=Decimal("9.99"), kind="services")
    price_weight_check(rules, weight_pct=10, kind="services")
    price_weight_check(rules, weight_pct=100, kind="goods")  # no ceiling in a tender
    price_weight_check(rules, weight_pct=0, kind="works")  # no bound for works in the table
    consultation = rules_of("competitive_consultation")
    price_weight_check(consultation, weight_pct=60, kind="goods")
    with refused(RegistryError.METHOD_PRICE_WEIGHT):
        price_weight_check(consultation, weight_pct=61, kind="goods")
    with refused(RegistryError.METHOD_PRICE_WEIGHT):
        price_weight_check(consultation, weight_pct=Fraction(301, 10), kind="services")
    with refused(RegistryError.METHOD_AMOUNT_INVALID):
        price_weight_check(rules, weight_pct=101, kind="goods")


def test_sme_deduction_between_ten_and_twenty_percent() -> None:
    rules = rules_of("gp_open_tender")
    with refused(RegistryError.METHOD_SME_DEDUCTION):
        sme_deduction_check(rules, pct=9)
    sme_deduction_check(rules, pct=10)
    sme_deduction_check(rules, pct=20)
    with refused(RegistryError.METHOD_SME_DEDUCTION):
        sme_deduction_check(rules, pct=Decimal("20.01"))
    engineering = rules_of("open_tender")
    sme_deduction_check(engineering, pct=0)
    with refused(RegistryError.METHOD_SME_DEDUCTION):
        sme_deduction_check(engineering, pct=10)


def test_bidders_enough_counts_one_brand_once_in_procurement() -> None:
    engineering = rules_of("open_tender")
    assert not bidders_enough(engineering, bidders=2)
    assert bidders_enough(engineering, bidders=3)
    assert bidders_enough(engineering, bidders=3, brands=1)  # engineering counts bidders
    procurement = rules_of("gp_open_tender")
    assert bidders_enough(procurement, bidders=3, brands=3)
    assert not bidders_enough(procurement, bidders=4, brands=2)  # two offer the same brand
    assert bidders_enough(rules_of("single_source"), bidders=1)


def test_evaluation_methods_allowed() -> None:
    evaluation_method_check(rules_of("open_tender"), "lowest_evaluated")
    evaluation_method_check(rules_of("gp_open_tender"), "comprehensive")
    with refused(RegistryError.METHOD_EVALUATION) as caught:
        evaluation_method_check(rules_of("inquiry"), "comprehensive")
    with translation.override("zh-hans"):
        assert "政府采购法 §40" in str(caught.value.message)
    with refused(RegistryError.METHOD_EVALUATION):
        evaluation_method_check(rules_of("gp_open_tender"), "made_up")


# --- a method is a row -------------------------------------------------------------------------------------
@pytest.mark.clause("8.1.1")
def test_a_method_added_as_a_row_is_followed_with_no_code() -> None:
    TradingMethod.objects.create(
        code="framework_agreement",
        name="框架协议采购",
        category_id="procurement",
        min_bidders=2,
        committee_min=3,
        committee_min_large=5,
        large_threshold_fen=50_000_000,
        committee_odd=True,
        experts_share_num=1,
        experts_share_den=2,
        evaluation_methods=["lowest_price"],
        price_weight_floor_goods_pct=40,
        sme_deduction_min_pct=5,
        sme_deduction_max_pct=8,
        bid_security_cap_permille=15,
        bid_security_base="budget",
        bid_security_cash_allowed=False,
        performance_security_cap_pct=5,
        sources={"committee_min": "测试办法 §1", "bid_security_cap_permille": "测试办法 §2"},
    )
    rules = rules_of("framework_agreement")
    assert rules.name == "框架协议采购"
    assert rules.experts_share == Fraction(1, 2)
    assert bidders_enough(rules, bidders=2)
    assert not bidders_enough(rules, bidders=1)
    committee_check(rules, size=3, experts=2, amount_fen=49_999_999)
    with refused(RegistryError.METHOD_COMMITTEE_SIZE):
        committee_check(rules, size=3, experts=2, amount_fen=50_000_000)
    committee_check(rules, size=5, experts=3, amount_fen=50_000_000)  # 3/5 ≥ 1/2
    with refused(RegistryError.METHOD_COMMITTEE_EXPERTS):
        committee_check(rules, size=5, experts=2, amount_fen=100)
    assert methods.bid_security_cap_fen(rules, base_fen=1_000_001) == 15_000  # 1.5 %, rounded down
    bid_security_check(rules, amount_fen=15_000, base_fen=1_000_001, cash=False)
    with refused(RegistryError.METHOD_BID_SECURITY_CAP) as caught:
        bid_security_check(rules, amount_fen=15_001, base_fen=1_000_001, cash=False)
    with translation.override("zh-hans"):
        message = str(caught.value.message)
    assert "框架协议采购" in message
    assert "测试办法 §2" in message
    assert "1.5%" in message
    with refused(RegistryError.METHOD_PERFORMANCE_SECURITY_CAP):
        performance_security_check(rules, amount_fen=6, contract_fen=100)
    with refused(RegistryError.METHOD_PRICE_WEIGHT):
        price_weight_check(rules, weight_pct=39, kind="goods")
    sme_deduction_check(rules, pct=8)
    with refused(RegistryError.METHOD_SME_DEDUCTION):
        sme_deduction_check(rules, pct=9)
    evaluation_method_check(rules, "lowest_price")
    with refused(RegistryError.METHOD_EVALUATION):
        evaluation_method_check(rules, "comprehensive")
    page = Client().get("/registry/methods/").content.decode()
    assert "框架协议采购" in page
    assert "测试办法 §1" in page


def test_changing_a_rows_value_changes_the_checks() -> None:
    rules = rules_of("open_tender")
    committee_check(rules, size=5, experts=4, amount_fen=100)
    assert bidders_enough(rules, bidders=3)
    TradingMethod.objects.filter(code="open_tender").update(
        committee_min=7, min_bidders=4, bid_security_cap_permille=10, evaluation_methods=["comprehensive"]
    )
    changed = rules_of("open_tender")
    with refused(RegistryError.METHOD_COMMITTEE_SIZE):
        committee_check(changed, size=5, experts=4, amount_fen=100)
    assert not bidders_enough(changed, bidders=3)
    with refused(RegistryError.METHOD_BID_SECURITY_CAP):
        bid_security_check(changed, amount_fen=20, base_fen=1_000, cash=True)  # was allowed at 2 %
    bid_security_check(changed, amount_fen=10, base_fen=1_000, cash=True)
    with refused(RegistryError.METHOD_EVALUATION):
        evaluation_method_check(changed, "lowest_evaluated")
    assert rules.committee_min == 5  # a record read before keeps its values (frozen)


def test_the_database_refuses_an_inconsistent_row() -> None:
    bad_rows: list[dict[str, Any]] = [
        {"min_bidders": 0},
        {"invited_only": True, "min_invited": 0},
        {"experts_share_num": 3, "experts_share_den": 2},
        {"committee_min": 5, "committee_min_large": 7},  # a larger committee without its threshold
        {"committee_min": 5, "committee_min_large": 3, "large_threshold_fen": 100},
        {"bid_security_cap_permille": 20},  # a cap of nothing
        {"bid_security_cap_permille": 1001, "bid_security_base": "budget"},
        {"bid_security_base": "budget"},  # a base without a cap
        {"sme_deduction_min_pct": 20, "sme_deduction_max_pct": 10},
        {"sme_deduction_max_pct": 10},
        {"price_weight_floor_goods_pct": 40, "price_weight_ceiling_goods_pct": 30},
        {"performance_security_cap_pct": 0},
        {"result_flow": "whatever"},
    ]
    for n, values in enumerate(bad_rows):
        with pytest.raises(IntegrityError), transaction.atomic():
            TradingMethod.objects.create(code=f"bad{n}", name="坏", category_id="procurement", **values)


def test_the_migration_fills_rows_never_configured_and_keeps_changed_ones() -> None:
    TradingMethod.objects.filter(code="open_tender").update(
        committee_min=0, committee_odd=False, experts_share_num=0, min_bidders=1, sources={}
    )
    TradingMethod.objects.filter(code="inquiry").update(min_bidders=5)  # a centre's change, sources kept
    method_rules_fill(TradingMethod)
    rules = rules_of("open_tender")
    assert (rules.committee_min, rules.committee_odd, rules.experts_share, rules.min_bidders) == (
        5,
        True,
        Fraction(2, 3),
        3,
    )
    assert rules.sources == METHOD_RULES["open_tender"].fields()["sources"]
    assert rules_of("inquiry").min_bidders == 5


# --- the public page ---------------------------------------------------------------------------------------
def test_the_public_page_lists_every_method_with_its_rules_and_sources_in_chinese() -> None:
    page = Client().get("/registry/methods/")
    assert page.status_code == 200
    text = page.content.decode()
    for code, name, _category in METHODS:
        assert f'data-testid="method-{code}"' in text
        assert html.escape(name) in text
    assert "工程建设" in text
    assert "政府采购" in text
    assert "评标委员会" in text or "评审委员会" in text
    assert html.escape("招标投标法 §37（成员人数为五人以上单数）") in text
    assert "待核" in text
    assert "不超过" in text or "至多" in text  # the bid security in words, in Chinese
    assert "Minimum number of bidders" not in text  # the labels are translated


def test_the_registration_links_each_sections_method_to_its_rules(world: World) -> None:
    registration = world.file()
    page = signed_in(Client(), world.agent_user).get(f"/registrations/{registration.uid}/").content.decode()
    assert 'href="/registry/methods/#method-open_tender"' in page
    must_enter = Client().get("/registry/must-enter/").content.decode()
    assert 'href="/registry/methods/"' in must_enter
