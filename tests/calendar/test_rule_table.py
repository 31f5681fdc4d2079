"""The statutory rule table, in both directions (issue 24): every seeded row at a boundary across a real
holiday of the official calendar.

Every expected date below is a LITERAL, worked out by hand from the article and the State Council's
arrangement, never computed by the code under test. The calendars used:

* 国庆/中秋 2025: 1–8 October off; Sunday 28 September and Saturday 11 October worked.
* 春节 2026: 15–23 February off; Saturdays 14 and 28 February worked.

The convention (ggzy.calendar.calc): the period is counted forward from the earlier event, its day not
counted (民法典 §201), a calendar-day period's last day on a holiday moves to the next working day
(§203), the last day ends at 24:00 (or at close of business, 17:00, where the row says so). "At least N"
— the later event is legal from 24:00 of the last day; "within N" — until then. An instant at exactly
00:00 is 24:00 of the day before.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from ggzy.calendar import services
from ggzy.calendar.calc import earliest_legal, latest_legal, legal_bound, rule_check
from ggzy.calendar.errors import CalendarError
from ggzy.calendar.models import LocalPeriodRule, PeriodRule
from ggzy.calendar.seed import RULES, seed
from ggzy.core.errors import DomainError
from ggzy.events.models import Event

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def t(text: str) -> dt.datetime:
    """'2025-10-10 09:30' in Beijing time."""
    return dt.datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=SH)


@dataclass(frozen=True)
class Case:
    code: str
    anchor: str  # the anchor instant
    kind: Literal["earliest", "latest"]  # of the act
    at: str  # the bound (inclusive); "…-10 00:00" for a latest bound is 24:00 of the 9th
    day: str  # the first legal day (earliest) / the last legal day (latest)
    legal: str  # an act at the boundary that is legal
    illegal: str  # an act at the boundary that is refused
    why: str


CASES = [
    # -- the platform's own rows: within N, after the anchor -------------------------------------------
    Case("registration-review", "2025-09-30 10:00", "latest", "2025-10-10 17:00", "2025-10-10",
         "2025-10-10 17:00", "2025-10-10 17:01", "2 working days: 9, 10 Oct; close of business"),
    Case("answer-within-24h", "2025-09-30 10:00", "latest", "2025-10-01 10:00", "2025-10-01",
         "2025-10-01 10:00", "2025-10-01 10:01", "hours ignore the holiday"),
    Case("consultation-online", "2025-09-30 10:00", "latest", "2025-10-09 17:00", "2025-10-09",
         "2025-10-09 17:00", "2025-10-09 17:01", "1st working day after the holiday"),
    Case("consultation-phone", "2025-09-30 10:00", "latest", "2025-10-09 17:00", "2025-10-09",
         "2025-10-09 17:00", "2025-10-09 17:01", "1st working day after the holiday"),
    Case("consultation-on-site", "2025-09-30 10:00", "latest", "2025-10-09 17:00", "2025-10-09",
         "2025-10-09 17:00", "2025-10-09 17:01", "1st working day after the holiday"),
    Case("service-feedback", "2025-09-30 10:00", "latest", "2025-10-14 17:00", "2025-10-14",
         "2025-10-14 17:00", "2025-10-14 17:01", "9, 10, 11 (worked Saturday), 13, 14 Oct"),
    Case("bad-rating-follow-up", "2025-09-30 10:00", "latest", "2025-10-28 17:00", "2025-10-28",
         "2025-10-28 17:00", "2025-10-28 17:01", "15th working day: 28 Oct"),
    # -- engineering ----------------------------------------------------------------------------------
    Case("tender-docs-on-sale", "2025-09-28 09:00", "earliest", "2025-10-10 00:00", "2025-10-10",
         "2025-10-10 00:00", "2025-10-09 23:59", "§16: 28 Sep + 5 = 3 Oct, a holiday → 9 Oct"),
    Case("prequal-docs-on-sale", "2026-02-12 09:00", "earliest", "2026-02-25 00:00", "2026-02-25",
         "2026-02-25 00:00", "2026-02-24 23:59", "§16: 12 Feb + 5 = 17 Feb, 春节 → 24 Feb"),
    Case("prequal-application-period", "2025-09-26 17:00", "earliest", "2025-10-10 00:00", "2025-10-10",
         "2025-10-10 09:30", "2025-10-09 09:30", "§17: 26 Sep + 5 = 1 Oct → 9 Oct"),
    Case("tender-bid-period", "2025-09-15 10:00", "earliest", "2025-10-10 00:00", "2025-10-10",
         "2025-10-10 09:30", "2025-10-09 09:30", "§24: 15 Sep + 20 = 5 Oct → 9 Oct"),
    Case("tender-clarification-notice", "2025-10-20 09:30", "latest", "2025-10-03 00:00", "2025-10-02",
         "2025-10-02 23:59", "2025-10-03 09:00",
         "§21: 2 Oct + 15 = 17 Oct (Fri); 3 Oct + 15 = 18 Oct (Sat) → 20 Oct, not before the deadline"),
    Case("prequal-clarification-notice", "2025-10-10 09:30", "latest", "2025-10-07 00:00", "2025-10-06",
         "2025-10-06 23:59", "2025-10-07 09:00", "§21: 6 Oct + 3 = 9 Oct; 7 Oct + 3 = 10 Oct"),
    Case("tender-objection-docs", "2025-10-20 09:30", "latest", "2025-10-08 00:00", "2025-10-07",
         "2025-10-07 23:59", "2025-10-08 09:00", "§22: 7 + 10 = 17 Oct; 8 + 10 = 18 Oct (Sat) → 20 Oct"),
    Case("prequal-objection-docs", "2025-10-10 09:30", "latest", "2025-10-08 00:00", "2025-10-07",
         "2025-10-07 23:59", "2025-10-08 09:00", "§22: 7 Oct + 2 = 9 Oct; 8 Oct + 2 = 10 Oct"),
    Case("objection-answer", "2025-09-29 10:00", "latest", "2025-10-10 00:00", "2025-10-09",
         "2025-10-09 23:59", "2025-10-10 09:00", "§22/§54: 29 Sep + 3 = 2 Oct → 9 Oct"),
    Case("candidate-publicity-start", "2026-02-12 15:00", "latest", "2026-02-25 00:00", "2026-02-24",
         "2026-02-24 23:59", "2026-02-25 09:00", "§54: 12 Feb + 3 = 15 Feb, 春节 → 24 Feb"),
    Case("candidate-publicity", "2025-09-30 10:00", "earliest", "2025-10-10 00:00", "2025-10-10",
         "2025-10-10 00:00", "2025-10-09 23:59", "§54: 30 Sep + 3 = 3 Oct → 9 Oct, to its 24:00"),
    Case("complaint-filing", "2025-09-26 10:00", "latest", "2025-10-10 00:00", "2025-10-09",
         "2025-10-09 23:59", "2025-10-10 09:00", "§60: 26 Sep + 10 = 6 Oct → 9 Oct"),
    Case("complaint-acceptance", "2025-09-26 10:00", "latest", "2025-10-01 00:00", "2025-09-30",
         "2025-09-30 23:59", "2025-10-01 09:00", "3 working days: 28 Sep (worked Sunday), 29, 30 Sep"),
    Case("award-report", "2025-09-20 10:00", "latest", "2025-10-10 00:00", "2025-10-09",
         "2025-10-09 23:59", "2025-10-10 09:00", "§47: 20 Sep + 15 = 5 Oct → 9 Oct"),
    Case("contract-signing", "2025-09-05 10:00", "latest", "2025-10-10 00:00", "2025-10-09",
         "2025-10-09 23:59", "2025-10-10 09:00", "§46: 5 Sep + 30 = 5 Oct → 9 Oct"),
    Case("security-refund-contract", "2025-09-28 10:00", "latest", "2025-10-10 00:00", "2025-10-09",
         "2025-10-09 23:59", "2025-10-10 09:00", "§57: 28 Sep + 5 = 3 Oct, a holiday → 9 Oct"),
    Case("security-refund-withdrawn", "2026-02-12 09:00", "latest", "2026-02-25 00:00", "2026-02-24",
         "2026-02-24 23:59", "2026-02-25 09:00", "§35: 12 Feb + 5 = 17 Feb, 春节 → 24 Feb"),
    Case("security-refund-terminated", "2025-09-30 10:00", "latest", "2025-10-10 00:00", "2025-10-09",
         "2025-10-09 23:59", "2025-10-10 09:00", "§31: 30 Sep + 5 = 5 Oct → 9 Oct"),
    # -- government procurement -----------------------------------------------------------------------
    Case("procurement-security-refund-award", "2025-09-26 10:00", "latest", "2025-10-11 00:00", "2025-10-10",
         "2025-10-10 23:59", "2025-10-11 09:00", "§33: 28 Sep (worked Sun), 29, 30 Sep, 9, 10 Oct"),
    Case("procurement-security-refund-contract", "2026-02-12 10:00", "latest", "2026-02-27 00:00",
         "2026-02-26", "2026-02-26 23:59", "2026-02-27 09:00", "§33: 13, 14 (worked Sat), 24–26 Feb"),
    Case("procurement-security-refund-withdrawn", "2025-09-30 10:00", "latest", "2025-10-15 00:00",
         "2025-10-14", "2025-10-14 23:59", "2025-10-15 09:00", "§38: 9, 10, 11 (worked Sat), 13, 14 Oct"),
    Case("procurement-docs-available", "2025-09-26 10:00", "earliest", "2025-10-11 00:00", "2025-10-11",
         "2025-10-11 00:00", "2025-10-10 23:59", "实施条例 §31: 28 Sep, 29, 30, 9 Oct, 10 Oct"),
    Case("procurement-bid-period", "2026-02-01 10:00", "earliest", "2026-02-25 00:00", "2026-02-25",
         "2026-02-25 09:30", "2026-02-24 09:30", "§35: 1 Feb + 20 = 21 Feb, 春节 → 24 Feb"),
    Case("procurement-clarification-notice", "2026-03-02 09:30", "latest", "2026-02-14 00:00", "2026-02-13",
         "2026-02-13 23:59", "2026-02-14 09:00",
         "实施条例 §31: 13 Feb + 15 = 28 Feb (worked Saturday); 14 Feb + 15 = 1 Mar (Sun) → 2 Mar"),
    Case("procurement-notice", "2026-02-12 10:00", "earliest", "2026-02-27 00:00", "2026-02-27",
         "2026-02-27 00:00", "2026-02-26 23:59", "13, 14 (worked Saturday), 24, 25, 26 Feb"),
    Case("procurement-invited-notice", "2026-02-12 10:00", "earliest", "2026-02-25 00:00", "2026-02-25",
         "2026-02-25 00:00", "2026-02-24 23:59", "13, 14, 24 Feb"),
    Case("single-source-publicity", "2025-09-30 10:00", "earliest", "2025-10-15 00:00", "2025-10-15",
         "2025-10-15 00:00", "2025-10-14 23:59", "实施条例 §38: 9, 10, 11, 13, 14 Oct"),
    Case("negotiation-response-period", "2025-09-30 10:00", "earliest", "2025-10-12 00:00", "2025-10-12",
         "2025-10-13 09:30", "2025-10-11 09:30", "9, 10, 11 Oct (worked Saturday)"),
    Case("competitive-consultation-response-period", "2025-09-25 10:00", "earliest", "2025-10-10 00:00",
         "2025-10-10", "2025-10-10 09:30", "2025-10-09 09:30", "25 Sep + 10 = 5 Oct → 9 Oct"),
    Case("procurement-result-notice", "2025-09-30 10:00", "earliest", "2025-10-10 00:00", "2025-10-10",
         "2025-10-10 00:00", "2025-10-09 23:59", "1 working day: 9 Oct, to its 24:00"),
    Case("procurement-challenge", "2025-10-10 00:00", "latest", "2025-10-18 00:00", "2025-10-17",
         "2025-10-17 23:59", "2025-10-18 09:00",
         "实施条例 §53(三): from the end of the announcement (9 Oct 24:00): 10, 11, 13, 14, 15, 16, 17 Oct"),
    Case("procurement-challenge-documents", "2025-09-26 10:00", "latest", "2025-10-14 00:00", "2025-10-13",
         "2025-10-13 23:59", "2025-10-14 09:00", "28, 29, 30 Sep, 9, 10, 11, 13 Oct"),
    Case("procurement-challenge-process", "2025-09-30 17:00", "latest", "2025-10-17 00:00", "2025-10-16",
         "2025-10-16 23:59", "2025-10-17 09:00", "9, 10, 11, 13, 14, 15, 16 Oct"),
    Case("procurement-challenge-answer", "2026-02-12 10:00", "latest", "2026-03-01 00:00", "2026-02-28",
         "2026-02-28 23:59", "2026-03-01 09:00", "§53: 13, 14, 24–28 Feb (two worked Saturdays)"),
    Case("procurement-inquiry-answer", "2026-02-13 10:00", "latest", "2026-02-26 00:00", "2026-02-25",
         "2026-02-25 23:59", "2026-02-26 09:00", "实施条例 §52: 14, 24, 25 Feb"),
    Case("procurement-complaint", "2025-09-22 10:00", "latest", "2025-10-18 00:00", "2025-10-17",
         "2025-10-17 23:59", "2025-10-18 09:00", "§55: 23–26, 28–30 Sep, 9–11, 13–17 Oct"),
    # -- land and state-owned property ----------------------------------------------------------------
    Case("land-transfer-notice", "2025-10-20 09:00", "latest", "2025-09-28 00:00", "2025-09-27",
         "2025-09-27 23:59", "2025-09-28 09:00", "27 Sep + 20 = 17 Oct; 28 Sep + 20 = 18 Oct (Sat) → 20 Oct"),
    Case("land-listing-period", "2025-09-26 09:00", "earliest", "2025-10-10 00:00", "2025-10-10",
         "2025-10-10 00:00", "2025-10-09 23:59", "26 Sep + 10 = 6 Oct → 9 Oct"),
    Case("assets-disclosure", "2025-09-22 10:00", "earliest", "2025-10-25 00:00", "2025-10-25",
         "2025-10-25 00:00", "2025-10-24 23:59", "20th working day: 24 Oct"),
    Case("assets-capital-increase-disclosure", "2025-09-22 10:00", "earliest", "2025-11-22 00:00",
         "2025-11-22", "2025-11-22 00:00", "2025-11-21 23:59", "40th working day: 21 Nov"),
    Case("assets-transfer-notice-small", "2025-09-26 10:00", "earliest", "2025-10-17 00:00", "2025-10-17",
         "2025-10-17 00:00", "2025-10-16 23:59", "10th working day: 16 Oct"),
    Case("assets-transfer-notice-large", "2026-02-12 10:00", "earliest", "2026-03-19 00:00", "2026-03-19",
         "2026-03-19 00:00", "2026-03-18 23:59", "20th working day: 18 Mar"),
    Case("assets-result-publicity", "2026-02-12 10:00", "earliest", "2026-02-27 00:00", "2026-02-27",
         "2026-02-27 00:00", "2026-02-26 23:59", "13, 14, 24, 25, 26 Feb"),
]  # fmt: skip


def test_every_seeded_row_has_a_boundary_case() -> None:
    assert sorted(c.code for c in CASES) == sorted(r.code for r in RULES)
    assert set(PeriodRule.objects.values_list("code", flat=True)) >= {r.code for r in RULES}
    for row in RULES:
        assert row.basis, row.code
        assert row.anchor, row.code
        assert row.act, row.code
        if "待核" in row.basis:
            assert row.certainty == "verify", row.code


@pytest.mark.parametrize("case", CASES, ids=[c.code for c in CASES])
def test_boundary_across_a_real_holiday(case: Case) -> None:
    rule = PeriodRule.objects.get(code=case.code)
    bound = legal_bound(rule, anchor_at=t(case.anchor))
    assert (bound.kind, bound.of) == (case.kind, "act")
    assert bound.at == t(case.at), case.why
    assert bound.day == dt.date.fromisoformat(case.day), case.why
    assert bound.provisional is False
    rule_check(case.code, act_at=t(case.legal), anchor_at=t(case.anchor))
    with pytest.raises(DomainError) as refused:
        rule_check(case.code, act_at=t(case.illegal), anchor_at=t(case.anchor))
    assert refused.value.code is CalendarError.PERIOD_RULE_BROKEN
    assert refused.value.detail["rule"] == case.code
    assert refused.value.detail[case.kind] == t(case.at).isoformat()


def test_a_challenge_counts_from_the_end_of_the_result_announcement() -> None:
    """政府采购法 §52, 实施条例 §53(三): 7 working days from the day the announcement period ends."""
    published = t("2025-09-30 10:00")
    announcement_end = earliest_legal("procurement-result-notice", anchor_at=published).at
    assert announcement_end == t("2025-10-10 00:00")  # 24:00 of 9 Oct, the one working day after the holiday
    last = latest_legal("procurement-challenge", anchor_at=announcement_end)
    assert last.at == t("2025-10-18 00:00")  # 24:00 of Fri 17 Oct: 10, 11 (worked Sat), 13, 14, 15, 16, 17
    rule_check("procurement-challenge", act_at=t("2025-10-17 16:00"), anchor_at=announcement_end)
    with pytest.raises(DomainError):
        rule_check("procurement-challenge", act_at=t("2025-10-20 09:00"), anchor_at=announcement_end)
    # the answer (§53, 7 working days) and the complaint (§55, 15 working days after the answer period)
    answer_by = latest_legal("procurement-challenge-answer", anchor_at=t("2025-10-17 16:00")).at
    assert answer_by == t("2025-10-29 00:00")  # 20, 21, 22, 23, 24, 27, 28 Oct
    complaint_by = latest_legal("procurement-complaint", anchor_at=answer_by).at
    assert complaint_by == t("2025-11-19 00:00")  # 29 Oct … 18 Nov, the 15th working day


def test_both_unknowns_of_a_rule() -> None:
    # the earliest legal deadline after a clarification issued on 9 Oct: 9 + 15 = 24 Oct (Fri)
    deadline = earliest_legal("tender-clarification-notice", act_at=t("2025-10-09 15:00"))
    assert (deadline.of, deadline.at) == ("anchor", t("2025-10-25 00:00"))
    # the latest first issue of the documents for a deadline on Mon 20 Oct 09:30 (§24, 20 days):
    # 27 Sep + 20 = 17 Oct (Fri); 28 Sep + 20 = 18 Oct (Sat) → 20 Oct, too late
    issue = latest_legal("tender-bid-period", act_at=t("2025-10-20 09:30"))
    assert (issue.of, issue.at, issue.day) == ("anchor", t("2025-09-28 00:00"), dt.date(2025, 9, 27))
    with pytest.raises(ValueError, match="latest"):
        earliest_legal("tender-clarification-notice", anchor_at=t("2025-10-20 09:30"))


def test_a_postponed_deadline_moves_every_period_counted_back_from_it() -> None:
    old, new = t("2025-10-20 09:30"), t("2025-10-27 09:30")
    assert latest_legal("tender-clarification-notice", anchor_at=old).at == t("2025-10-03 00:00")
    assert latest_legal("tender-objection-docs", anchor_at=old).at == t("2025-10-08 00:00")
    # 9 Oct + 15 = 24 Oct (Fri); 10 Oct + 15 = 25 Oct (Sat) → 27 Oct, not before the new deadline
    assert latest_legal("tender-clarification-notice", anchor_at=new).at == t("2025-10-10 00:00")
    # 16 Oct + 10 = 26 Oct (Sun) → 27 Oct and 15 Oct + 10 = 25 Oct (Sat) → 27 Oct: too late; 14 + 10 = 24
    assert latest_legal("tender-objection-docs", anchor_at=new).at == t("2025-10-15 00:00")
    clarification = t("2025-10-09 15:00")
    with pytest.raises(DomainError):
        rule_check("tender-clarification-notice", act_at=clarification, anchor_at=old)
    rule_check("tender-clarification-notice", act_at=clarification, anchor_at=new)


def test_a_refusal_names_the_rule_its_article_and_the_earliest_legal_date() -> None:
    with pytest.raises(DomainError) as refused:
        rule_check("tender-bid-period", act_at=t("2025-10-09 09:30"), anchor_at=t("2025-09-15 10:00"))
    error = refused.value
    assert error.code is CalendarError.PERIOD_RULE_BROKEN
    assert error.detail["rule"] == "tender-bid-period"
    assert error.detail["legal_basis"] == "招标投标法 §24"
    assert error.detail["earliest"] == "2025-10-10T00:00:00+08:00"
    with translation.override("zh-hans"):
        text = str(error.message)
    assert "招标文件开始发出至投标截止" in text
    assert "招标投标法 §24" in text
    assert "2025-10-10 00:00" in text
    assert "最早" in text
    with pytest.raises(DomainError) as late:
        rule_check("tender-objection-docs", act_at=t("2025-10-08 09:00"), anchor_at=t("2025-10-20 09:30"))
    with translation.override("zh-hans"):
        text = str(late.value.message)
    assert "2025-10-07 24:00" in text
    assert "最迟" in text


def test_a_local_rule_may_be_longer_never_shorter(make_user: Any) -> None:
    staff = make_user()
    ln = {"actor": staff, "centre": "ln-test"}
    start = t("2025-09-26 09:00")
    services.local_rule_set(
        actor=staff,
        centre="ln-test",
        code="land-listing-period",
        amount=10,
        unit="working_day",
        basis="本地规定：挂牌期 10 个工作日",
        compare_from=dt.date(2025, 9, 1),
    )
    # the law: 26 Sep + 10 = 6 Oct → 9 Oct; the centre: 10 working days, 28, 29, 30 Sep, 9, 10, 11, 13–16 Oct
    assert earliest_legal("land-listing-period", anchor_at=start).at == t("2025-10-10 00:00")
    local = earliest_legal("land-listing-period", anchor_at=start, centre="ln-test")
    assert local.at == t("2025-10-17 00:00")
    rule_check("land-listing-period", act_at=t("2025-10-12 10:00"), anchor_at=start)
    with pytest.raises(DomainError) as refused:
        rule_check("land-listing-period", act_at=t("2025-10-12 10:00"), anchor_at=start, centre="ln-test")
    assert refused.value.detail["unit"] == "working_day"
    assert refused.value.detail["earliest"] == "2025-10-17T00:00:00+08:00"
    for amount, unit in ((9, "calendar_day"), (240, "hour"), (7, "working_day")):
        with pytest.raises(DomainError) as shorter:
            services.local_rule_set(**ln, code="land-listing-period", amount=amount, unit=unit, basis="本地")
        assert shorter.value.code is CalendarError.LOCAL_RULE_SHORTER
    assert LocalPeriodRule.objects.get(centre="ln-test").unit == "working_day"  # unchanged
    # before the anchor: a notice 20 working days before the start is longer; 15 days shorter
    services.local_rule_set(**ln, code="land-transfer-notice", amount=20, unit="working_day", basis="本地")
    with pytest.raises(DomainError) as before:
        services.local_rule_set(
            actor=staff, centre="b", code="land-transfer-notice", amount=15, unit="calendar_day", basis="本地"
        )
    assert before.value.code is CalendarError.LOCAL_RULE_SHORTER
    with pytest.raises(DomainError) as limit:
        services.local_rule_set(**ln, code="objection-answer", amount=5, unit="calendar_day", basis="本地")
    assert limit.value.code is CalendarError.LOCAL_RULE_NOT_A_FLOOR
    with pytest.raises(DomainError) as unsourced:
        services.local_rule_set(**ln, code="land-listing-period", amount=20, unit="working_day", basis=" ")
    assert unsourced.value.code is CalendarError.LOCAL_RULE_INVALID
    # every accepted rule is an event of the centre; the refusals recorded nothing
    recorded = Event.objects.filter(type="calendar.local_rule.set").order_by("pk")
    assert [(e.centre, e.data["rule"]) for e in recorded] == [
        ("ln-test", "land-listing-period"),
        ("ln-test", "land-transfer-notice"),
    ]


def test_a_limit_before_the_anchor_counts_forward_too() -> None:
    """A "within N days before" row (none is seeded yet): the act no earlier than N days before."""
    rule = PeriodRule.objects.create(
        code="t-within-before",
        name="t",
        amount=5,
        unit="calendar_day",
        direction="before",
        bound="within",
        anchor="x",
        act="y",
        legal_basis="test",
        certainty="law",
    )
    bound = legal_bound(rule, anchor_at=t("2025-10-09 09:30"))
    # 25 Sep + 5 = 30 Sep ends at its 24:00, before 9 Oct; 26 Sep + 5 = 1 Oct → §203 9 Oct, reaches it
    assert (bound.kind, bound.day) == ("earliest", dt.date(2025, 9, 26))
    assert t("2025-09-26 00:00") < bound.at < t("2025-09-26 00:01")


def test_the_seed_upgrades_rows_seeded_before_the_table_once() -> None:
    PeriodRule.objects.filter(code="land-listing-period").update(anchor="", amount=10, unit="working_day")
    PeriodRule.objects.filter(code="tender-bid-period").update(name="changed by an administrator")
    seed()
    listing = PeriodRule.objects.get(code="land-listing-period")
    assert (listing.unit, listing.direction, listing.bound, listing.anchor) == (
        "calendar_day",
        "after",
        "at_least",
        "listing_start",
    )
    assert PeriodRule.objects.get(code="tender-bid-period").name == "changed by an administrator"


def test_the_calendar_page_shows_the_rule_table(client: Any) -> None:
    page = client.get("/calendar/", headers={"accept-language": "zh-hans"}).content.decode()
    assert "招标投标法实施条例 §21" in page
    assert "bid_deadline" not in page  # anchors are shown by name, not by code
    assert "投标截止时间" in page
    assert "不少于" in page
    assert "之前" in page
