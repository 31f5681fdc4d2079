"""One home for how people's names, money and times are written (`ggzy.core.formatting`)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from ggzy.core.formatting import full_name, local_date, local_time, person_name, yuan


@pytest.mark.parametrize(
    ("given", "family", "shown"),
    [
        ("建国", "王", "王建国"),  # family name first, no space
        ("芳", "欧阳", "欧阳芳"),  # a two-character family name
        ("Ada", "Lovelace", "LOVELACE Ada"),  # family name first, in capitals
        ("Jean-Luc", "de la Tour", "DE LA TOUR Jean-Luc"),
        ("太郎", "山田", "山田太郎"),
        ("철수", "김", "김철수"),
        ("", "张", "张"),
        ("Ada", "", "Ada"),
        ("  建国 ", " 王 ", "王建国"),
        ("", "", ""),
    ],
)
def test_full_name_puts_the_family_name_first(given: str, family: str, shown: str) -> None:
    assert full_name(family=family, given=given) == shown


def test_person_name_falls_back_to_the_username() -> None:
    def user(first: str, last: str) -> Any:
        return SimpleNamespace(first_name=first, last_name=last, get_username=lambda: "login")

    assert person_name(user("建国", "王")) == "王建国"
    assert person_name(user("Ada", "Lovelace")) == "LOVELACE Ada"
    assert person_name(user("", "")) == "login"


def test_the_users_get_full_name_is_family_name_first() -> None:
    """Django's own `get_full_name()` wrote 王建国 as "建国 王" in messages (issue 20)."""
    users = get_user_model()
    assert users(username="w", first_name="建国", last_name="王").get_full_name() == "王建国"
    assert users(username="a", first_name="Ada", last_name="Lovelace").get_full_name() == "LOVELACE Ada"
    assert users(username="n").get_full_name() == ""  # callers fall back to the username


@pytest.mark.parametrize(
    ("fen", "grouped", "plain"),
    [
        (0, "0.00", "0.00"),
        (5, "0.05", "0.05"),
        (100, "1.00", "1.00"),
        (123456789, "1,234,567.89", "1234567.89"),
        (-1234, "-12.34", "-12.34"),
        (9007199254740993, "90,071,992,547,409.93", "90071992547409.93"),  # beyond a float's integers
    ],
)
def test_yuan_writes_fen_with_two_decimals(fen: int, grouped: str, plain: str) -> None:
    assert yuan(fen) == grouped
    assert yuan(fen, grouping=False) == plain


@pytest.mark.parametrize("bad", [12.5, "100", True])
def test_yuan_takes_only_integer_fen(bad: Any) -> None:
    with pytest.raises(TypeError):
        yuan(bad)


def test_times_are_written_in_beijing_time_whatever_the_active_zone(settings: Any) -> None:
    instant = dt.datetime(2026, 3, 1, 17, 30, tzinfo=dt.UTC)
    assert local_time(instant) == "2026-03-02 01:30"
    assert local_date(instant) == "2026-03-02"
    from django.utils import timezone

    with timezone.override("Europe/London"):
        assert local_time(instant) == "2026-03-02 01:30"
    with pytest.raises(ValueError, match="naive"):
        local_time(dt.datetime(2026, 3, 1, 17, 30))  # noqa: DTZ001
