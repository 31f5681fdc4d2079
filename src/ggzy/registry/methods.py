"""The method table, read (standard 6.5.1, 8.1.1): a trading method's rules as a frozen record
(`rules_of`), and the pure checks every later step calls with them. A check raises `DomainError` with a
`method_*` code of `registry.errors` and a message naming the rule and its legal source (the row's
`sources`); it writes nothing. Money is integer fen; caps are computed in integers, rounding down.

Adding a method is adding a `TradingMethod` row with its values and sources: nothing here names a
method."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from types import MappingProxyType
from typing import Literal

from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from ggzy.core.errors import DomainError
from ggzy.core.formatting import yuan
from ggzy.registry.errors import RegistryError
from ggzy.registry.models import EvaluationMethod, ResultFlow, SecurityBase, TradingCategory, TradingMethod

UNVERIFIED = "待核"
HUNDRED = 100


@dataclass(frozen=True)
class MethodRules:
    """A method's row of the method table, as every later step reads it."""

    code: str
    name: str
    category: str
    prequalification: bool
    invited_only: bool
    min_invited: int
    two_envelopes: bool
    quote_rounds: int
    min_bidders: int
    same_brand_counts_once: bool
    public_opening: bool
    committee_min: int
    committee_min_large: int
    large_threshold_fen: int | None
    committee_odd: bool
    experts_share: Fraction
    evaluation_methods: tuple[str, ...]
    price_weight_floor_goods_pct: int | None
    price_weight_ceiling_goods_pct: int | None
    price_weight_floor_services_pct: int | None
    price_weight_ceiling_services_pct: int | None
    sme_deduction_min_pct: int | None
    sme_deduction_max_pct: int | None
    result_flow: str
    bid_security_cap_permille: int | None
    bid_security_base: str
    bid_security_cash_allowed: bool
    performance_security_cap_pct: int | None
    performance_security_cash_allowed: bool
    sources: Mapping[str, str]

    def source(self, key: str) -> str:
        """The legal source of a rule (keyed by its field, a rule of several fields by its first)."""
        return self.sources.get(key, "")

    def committee_required(self, amount_fen: int, *, large: bool = False) -> int:
        """The smallest committee for a project of this amount (or, with `large`, one the rules treat
        as large whatever its amount: technically complex or of large social impact)."""
        if self.committee_min_large and (
            large or (self.large_threshold_fen is not None and amount_fen >= self.large_threshold_fen)
        ):
            return self.committee_min_large
        return self.committee_min


def rules_of(method: TradingMethod | str) -> MethodRules:
    """The rules of a method (a row, or its code; an unknown code is not found)."""
    if isinstance(method, str):
        found = TradingMethod.objects.filter(code=method).first()
        if found is None:
            raise DomainError(RegistryError.METHOD_UNKNOWN, detail={"method": method})
        method = found
    return MethodRules(
        code=method.code,
        name=method.name,
        category=method.category_id,
        prequalification=method.prequalification,
        invited_only=method.invited_only,
        min_invited=method.min_invited,
        two_envelopes=method.two_envelopes,
        quote_rounds=method.quote_rounds,
        min_bidders=method.min_bidders,
        same_brand_counts_once=method.same_brand_counts_once,
        public_opening=method.public_opening,
        committee_min=method.committee_min,
        committee_min_large=method.committee_min_large,
        large_threshold_fen=method.large_threshold_fen,
        committee_odd=method.committee_odd,
        experts_share=Fraction(method.experts_share_num, method.experts_share_den),
        evaluation_methods=tuple(method.evaluation_methods or ()),
        price_weight_floor_goods_pct=method.price_weight_floor_goods_pct,
        price_weight_ceiling_goods_pct=method.price_weight_ceiling_goods_pct,
        price_weight_floor_services_pct=method.price_weight_floor_services_pct,
        price_weight_ceiling_services_pct=method.price_weight_ceiling_services_pct,
        sme_deduction_min_pct=method.sme_deduction_min_pct,
        sme_deduction_max_pct=method.sme_deduction_max_pct,
        result_flow=method.result_flow,
        bid_security_cap_permille=method.bid_security_cap_permille,
        bid_security_base=method.bid_security_base,
        bid_security_cash_allowed=method.bid_security_cash_allowed,
        performance_security_cap_pct=method.performance_security_cap_pct,
        performance_security_cash_allowed=method.performance_security_cash_allowed,
        sources=MappingProxyType(dict(method.sources or {})),
    )


# -- the checks -----------------------------------------------------------------------------------


def _refuse(
    error: RegistryError, rules: MethodRules, key: str, text: Promise, /, **values: object
) -> DomainError:
    basis = rules.source(key) or str(_("no source recorded"))
    message = format_lazy(text, method=rules.name, basis=basis, **values)
    detail = {"method": rules.code, "rule": key, "source": basis, **{k: str(v) for k, v in values.items()}}
    return DomainError(error, message, detail=detail)


def _fen(value: object) -> int:
    """Money is a whole number of fen, never a float; below zero is refused."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"money is an integer number of fen, not {type(value).__name__}")
    if value < 0:
        raise DomainError(RegistryError.METHOD_AMOUNT_INVALID)
    return value


def _count(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"a count is an integer, not {type(value).__name__}")
    if value < 0:
        raise DomainError(RegistryError.METHOD_AMOUNT_INVALID)
    return value


def _pct(value: object) -> Fraction:
    """A percentage as an exact number (an int, a Decimal or a Fraction — never a float), 0 to 100."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal | Fraction):
        raise TypeError(f"a percentage is exact (int, Decimal, Fraction), not {type(value).__name__}")
    exact = Fraction(value)
    if not 0 <= exact <= HUNDRED:
        raise DomainError(RegistryError.METHOD_AMOUNT_INVALID)
    return exact


def _permille_text(permille: int) -> str:
    """20 → "2%", 15 → "1.5%"."""
    return f"{Decimal(permille).scaleb(-1).normalize():f}%"


def _share_text(share: Fraction) -> str:
    return f"{share.numerator}/{share.denominator}"


def committee_check(
    rules: MethodRules, *, size: int, experts: int, amount_fen: int, large: bool = False
) -> None:
    """An evaluation committee of `size` members of whom `experts` are experts, for a project of
    `amount_fen` (`large`: technically complex or of large social impact, where the rules have a
    larger committee): at least the minimum (the larger one at or above the threshold), odd where
    required, and experts at least their share. A method without a committee (minimum 0) accepts any."""
    size, experts, amount_fen = _count(size), _count(experts), _fen(amount_fen)
    if experts > size:
        raise DomainError(RegistryError.METHOD_AMOUNT_INVALID)
    if rules.committee_min == 0:
        return
    needed = rules.committee_required(amount_fen, large=large)
    if size < needed:
        key = "committee_min" if needed == rules.committee_min else "committee_min_large"
        raise _refuse(
            RegistryError.METHOD_COMMITTEE_SIZE,
            rules,
            key,
            _("{method}: the evaluation committee needs at least {needed} members, not {size} ({basis})."),
            needed=needed,
            size=size,
        )
    if rules.committee_odd and size % 2 == 0:
        raise _refuse(
            RegistryError.METHOD_COMMITTEE_ODD,
            rules,
            "committee_odd",
            _("{method}: the evaluation committee must have an odd number of members, not {size} ({basis})."),
            size=size,
        )
    if Fraction(experts, size) < rules.experts_share:
        raise _refuse(
            RegistryError.METHOD_COMMITTEE_EXPERTS,
            rules,
            "experts_share_num",
            _(
                "{method}: experts must be at least {share} of the committee; "
                "{experts} of {size} are too few ({basis})."
            ),
            share=_share_text(rules.experts_share),
            experts=experts,
            size=size,
        )


def bid_security_cap_fen(rules: MethodRules, *, base_fen: int) -> int | None:
    """The largest bid security: base × permille / 1000, rounded down to the fen (None: none taken)."""
    if rules.bid_security_cap_permille is None:
        return None
    return _fen(base_fen) * rules.bid_security_cap_permille // 1000


def bid_security_check(rules: MethodRules, *, amount_fen: int, base_fen: int, cash: bool) -> None:
    """A bid security of `amount_fen` against its base (the estimate or the budget, as the rules say):
    none where the method takes none, at most the cap, and not in cash where the method forbids it.
    An amount of 0 (no security asked) is always allowed."""
    amount_fen = _fen(amount_fen)
    cap = bid_security_cap_fen(rules, base_fen=base_fen)
    if amount_fen == 0:
        return
    if cap is None:
        raise _refuse(
            RegistryError.METHOD_BID_SECURITY_NONE,
            rules,
            "bid_security_cap_permille",
            _("{method}: no bid security may be asked ({basis})."),
        )
    if amount_fen > cap:
        raise _refuse(
            RegistryError.METHOD_BID_SECURITY_CAP,
            rules,
            "bid_security_cap_permille",
            _(
                "{method}: the bid security may be at most {share} of {base}, {cap} yuan; "
                "{amount} yuan is too much ({basis})."
            ),
            share=_permille_text(rules.bid_security_cap_permille or 0),
            base=SecurityBase(rules.bid_security_base).label if rules.bid_security_base else "",
            cap=yuan(cap),
            amount=yuan(amount_fen),
        )
    if cash and not rules.bid_security_cash_allowed:
        raise _refuse(
            RegistryError.METHOD_SECURITY_CASH,
            rules,
            "bid_security_cash_allowed",
            _(
                "{method}: the bid security is given in a non-cash form — cheque, draft, "
                "promissory note or guarantee ({basis})."
            ),
        )


def performance_security_check(
    rules: MethodRules, *, amount_fen: int, contract_fen: int, cash: bool = False
) -> None:
    """A performance security of `amount_fen` for a contract of `contract_fen`: at most the cap
    (contract × pct / 100, rounded down), none where the method takes none, not in cash where the
    method forbids it. An amount of 0 is always allowed."""
    amount_fen, contract_fen = _fen(amount_fen), _fen(contract_fen)
    if amount_fen == 0:
        return
    if rules.performance_security_cap_pct is None:
        raise _refuse(
            RegistryError.METHOD_PERFORMANCE_SECURITY_NONE,
            rules,
            "performance_security_cap_pct",
            _("{method}: no performance security may be asked ({basis})."),
        )
    cap = contract_fen * rules.performance_security_cap_pct // 100
    if amount_fen > cap:
        raise _refuse(
            RegistryError.METHOD_PERFORMANCE_SECURITY_CAP,
            rules,
            "performance_security_cap_pct",
            _(
                "{method}: the performance security may be at most {pct} percent of the contract, "
                "{cap} yuan; {amount} yuan is too much ({basis})."
            ),
            pct=rules.performance_security_cap_pct,
            cap=yuan(cap),
            amount=yuan(amount_fen),
        )
    if cash and not rules.performance_security_cash_allowed:
        raise _refuse(
            RegistryError.METHOD_SECURITY_CASH,
            rules,
            "performance_security_cash_allowed",
            _(
                "{method}: the performance security is given in a non-cash form — cheque, draft, "
                "promissory note or guarantee ({basis})."
            ),
        )


def price_weight_bounds(
    rules: MethodRules, kind: Literal["goods", "services", "works"]
) -> tuple[int | None, int | None]:
    """The lowest and highest price weight (%) for a kind of procurement (None: no bound)."""
    if kind == "goods":
        return rules.price_weight_floor_goods_pct, rules.price_weight_ceiling_goods_pct
    if kind == "services":
        return rules.price_weight_floor_services_pct, rules.price_weight_ceiling_services_pct
    if kind == "works":
        return None, None
    raise ValueError(f"unknown kind of procurement {kind!r}")


def price_weight_check(
    rules: MethodRules, *, weight_pct: int | Decimal | Fraction, kind: Literal["goods", "services", "works"]
) -> None:
    """The weight of the price in a comprehensive evaluation (% of the total score), for goods or
    services; the table has no bound for works."""
    weight = _pct(weight_pct)
    floor, ceiling = price_weight_bounds(rules, kind)
    key = f"price_weight_floor_{kind}_pct"
    if floor is not None and weight < floor:
        raise _refuse(
            RegistryError.METHOD_PRICE_WEIGHT,
            rules,
            key,
            _("{method}: the price weight for {kind} must be at least {floor}%, not {weight}% ({basis})."),
            kind=KINDS[kind],
            floor=floor,
            weight=_number(weight),
        )
    if ceiling is not None and weight > ceiling:
        raise _refuse(
            RegistryError.METHOD_PRICE_WEIGHT,
            rules,
            key,
            _("{method}: the price weight for {kind} may be at most {ceiling}%, not {weight}% ({basis})."),
            kind=KINDS[kind],
            ceiling=ceiling,
            weight=_number(weight),
        )


def sme_deduction_check(rules: MethodRules, *, pct: int | Decimal | Fraction) -> None:
    """The price deduction given to small and micro enterprises where the project is not reserved for
    them: within the method's range; a method without one allows none (0)."""
    deduction = _pct(pct)
    low, high = rules.sme_deduction_min_pct, rules.sme_deduction_max_pct
    if low is None or high is None:
        if deduction != 0:
            raise _refuse(
                RegistryError.METHOD_SME_DEDUCTION,
                rules,
                "sme_deduction_min_pct",
                _("{method}: no price deduction for small and micro enterprises applies ({basis})."),
            )
        return
    if not low <= deduction <= high:
        raise _refuse(
            RegistryError.METHOD_SME_DEDUCTION,
            rules,
            "sme_deduction_min_pct",
            _(
                "{method}: the price deduction for small and micro enterprises is {low}% to {high}%, "
                "not {pct}% ({basis})."
            ),
            low=low,
            high=high,
            pct=_number(deduction),
        )


def bidders_enough(rules: MethodRules, *, bidders: int, brands: int | None = None) -> bool:
    """Whether there are enough bidders to go on (open, evaluate). Where bidders offering the same
    brand count once, `brands` is the count after merging them (None: no brands to merge)."""
    counted = _count(bidders)
    if rules.same_brand_counts_once and brands is not None:
        counted = min(counted, _count(brands))
    return counted >= rules.min_bidders


def evaluation_method_check(rules: MethodRules, code: str) -> None:
    """An evaluation method the documents name: one of the method's."""
    if code in rules.evaluation_methods:
        return
    allowed = "、".join(_evaluation_label(c) for c in rules.evaluation_methods) or "—"
    raise _refuse(
        RegistryError.METHOD_EVALUATION,
        rules,
        "evaluation_methods",
        _("{method}: the evaluation method “{code}” is not allowed; allowed: {allowed} ({basis})."),
        code=_evaluation_label(code),
        allowed=allowed,
    )


KINDS = {"goods": _("goods"), "services": _("services"), "works": _("works")}


def _number(value: Fraction) -> str:
    if value.denominator == 1:
        return str(value.numerator)
    return f"{Decimal(value.numerator) / Decimal(value.denominator):.2f}"


def _evaluation_label(code: str) -> str:
    try:
        return str(EvaluationMethod(code).label)
    except ValueError:
        return code


# -- the table as people read it ------------------------------------------------------------------


@dataclass(frozen=True)
class RuleRow:
    """One rule of a method, in words: what, the value, its source, and whether the source was read."""

    key: str
    label: str
    value: str
    source: str

    @property
    def unverified(self) -> bool:
        return UNVERIFIED in self.source


def _yes(value: bool) -> str:
    return str(_("Yes") if value else _("No"))


def _pct_range(low: int | None, high: int | None) -> str:
    if low is None and high is None:
        return "—"
    if high is None:
        return f"≥ {low}%"
    if low is None:
        return f"≤ {high}%"
    return f"{low}%–{high}%"


def rule_rows(rules: MethodRules) -> list[RuleRow]:
    """Every rule of a method in words, with its source (the page and the registration show these)."""

    def row(key: str, label: Promise, value: str) -> RuleRow:
        return RuleRow(key, str(label), value, rules.source(key))

    if rules.quote_rounds == 0:
        rounds = str(_("One price, final"))
    else:
        rounds = str(format_lazy(_("Up to {n} further quotes, the last one final"), n=rules.quote_rounds))
    if rules.committee_min == 0:
        committee = str(_("No evaluation committee"))
    else:
        committee = str(format_lazy(_("At least {n}"), n=rules.committee_min))
    if rules.committee_min_large and rules.large_threshold_fen is not None:
        large = str(
            format_lazy(
                _("At least {n} from {amount} yuan"),
                n=rules.committee_min_large,
                amount=yuan(rules.large_threshold_fen),
            )
        )
    else:
        large = "—"
    if rules.bid_security_cap_permille is None:
        security = str(_("None taken"))
    else:
        security = str(
            format_lazy(
                _("At most {share} of {base}"),
                share=_permille_text(rules.bid_security_cap_permille),
                base=SecurityBase(rules.bid_security_base).label if rules.bid_security_base else "",
            )
        )
    if rules.performance_security_cap_pct is None:
        performance = str(_("None taken"))
    else:
        performance = str(
            format_lazy(_("At most {pct} percent of the contract"), pct=rules.performance_security_cap_pct)
        )
    methods = "、".join(_evaluation_label(c) for c in rules.evaluation_methods) or "—"
    flow = (
        ResultFlow(rules.result_flow).label if rules.result_flow in ResultFlow.values else rules.result_flow
    )
    return [
        row("prequalification", _("Prequalification"), _yes(rules.prequalification)),
        row("invited_only", _("Only the invited may obtain the documents and bid"), _yes(rules.invited_only)),
        row(
            "min_invited", _("Minimum number invited"), str(rules.min_invited) if rules.invited_only else "—"
        ),
        row("two_envelopes", _("Two envelopes (technical first, price later)"), _yes(rules.two_envelopes)),
        row("quote_rounds", _("Quotes"), rounds),
        row("min_bidders", _("Minimum number of bidders"), str(rules.min_bidders)),
        row(
            "same_brand_counts_once",
            _("Bidders offering the same brand count once"),
            _yes(rules.same_brand_counts_once),
        ),
        row("public_opening", _("Public opening"), _yes(rules.public_opening)),
        row("committee_min", _("Evaluation committee"), committee),
        row("committee_min_large", _("Committee of a large project"), large),
        row(
            "committee_odd",
            _("Odd number of members"),
            _yes(rules.committee_odd) if rules.committee_min else "—",
        ),
        row(
            "experts_share_num",
            _("Experts at least"),
            _share_text(rules.experts_share) if rules.committee_min else "—",
        ),
        row("evaluation_methods", _("Evaluation methods allowed"), methods),
        row(
            "price_weight_floor_goods_pct",
            _("Price weight, goods"),
            _pct_range(rules.price_weight_floor_goods_pct, rules.price_weight_ceiling_goods_pct),
        ),
        row(
            "price_weight_floor_services_pct",
            _("Price weight, services"),
            _pct_range(rules.price_weight_floor_services_pct, rules.price_weight_ceiling_services_pct),
        ),
        row(
            "sme_deduction_min_pct",
            _("Price deduction for small and micro enterprises"),
            _pct_range(rules.sme_deduction_min_pct, rules.sme_deduction_max_pct)
            if rules.sme_deduction_min_pct is not None and rules.sme_deduction_max_pct is not None
            else "—",
        ),
        row("result_flow", _("How the result is published"), str(flow)),
        row("bid_security_cap_permille", _("Bid security"), security),
        row(
            "bid_security_cash_allowed",
            _("Bid security in cash"),
            _yes(rules.bid_security_cash_allowed) if rules.bid_security_cap_permille is not None else "—",
        ),
        row("performance_security_cap_pct", _("Performance security"), performance),
        row(
            "performance_security_cash_allowed",
            _("Performance security in cash"),
            _yes(rules.performance_security_cash_allowed)
            if rules.performance_security_cap_pct is not None
            else "—",
        ),
    ]


@dataclass(frozen=True)
class MethodEntry:
    rules: MethodRules
    rows: list[RuleRow]


def method_table() -> list[tuple[TradingCategory, list[MethodEntry]]]:
    """Every method by category (in the categories' order), with its rules in words (two queries)."""
    categories = list(TradingCategory.objects.order_by("order"))
    by_category: dict[str, list[MethodEntry]] = {c.code: [] for c in categories}
    for method in TradingMethod.objects.order_by("category__order", "name"):
        rules = rules_of(method)
        by_category.setdefault(method.category_id, []).append(MethodEntry(rules, rule_rows(rules)))
    return [(c, by_category[c.code]) for c in categories if by_category[c.code]]
