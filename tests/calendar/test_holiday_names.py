"""The calendar page names holidays in the reader's language: 春节, never the stored key "Spring Festival"."""

from __future__ import annotations

import chinese_calendar
import pytest
from django.test import Client
from django.utils import translation

from ggzy.calendar.names import HOLIDAY_NAMES, holiday_name
from ggzy.calendar.statutory import NAMES

pytestmark = pytest.mark.django_db

CHINESE = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "Mid-autumn Festival": "中秋节",
    "National Day": "国庆节",
}


def test_every_holiday_of_chinesecalendar_and_of_the_statutory_rules_has_a_name() -> None:
    keys = {holiday.value for holiday in chinese_calendar.Holiday} | set(NAMES)
    assert keys <= set(HOLIDAY_NAMES)
    with translation.override("zh-hans"):
        for key in keys:
            shown = holiday_name(key)
            assert shown != key
            assert not any("a" <= ch.lower() <= "z" for ch in shown), shown
        assert {key: holiday_name(key) for key in CHINESE} == CHINESE
    with translation.override("en"):
        assert holiday_name("Spring Festival") == "Spring Festival"
    assert holiday_name("春节（补）") == "春节（补）"  # a name typed with an official year: as given


def test_the_calendar_page_shows_chinese_holiday_names(client: Client) -> None:
    page = client.get("/calendar/?year=2026").content.decode()
    for name in CHINESE.values():
        assert f"<td>{name}</td>" in page
    for key in CHINESE:
        assert f"<td>{key}</td>".replace("'", "&#x27;") not in page
    client.cookies["django_language"] = "en"
    assert "<td>Spring Festival</td>" in client.get("/calendar/?year=2026").content.decode()
