from __future__ import annotations

import datetime as dt

from ninja import Field, Schema


class DayOut(Schema):
    date: dt.date
    kind: str
    name: str


class YearOut(Schema):
    year: int
    official: bool
    source: str
    days: list[DayOut]


class YearIn(Schema):
    year: int = Field(..., ge=2004, le=2100)
    source: str = Field(..., min_length=4, max_length=300, description="The State Council notice")
    holidays: dict[dt.date, str]
    workdays: dict[dt.date, str] = Field(default_factory=dict, description="Adjusted working weekend days")


class RuleOut(Schema):
    code: str
    name: str
    amount: int
    unit: str
    start_day_counts: bool
    holiday_rollover: bool
    day_end: str
    legal_basis: str
    certainty: str


class PeriodOut(Schema):
    rule: str
    start: dt.datetime
    due_at: dt.datetime
    last_day: dt.date
    provisional: bool
    basis: str


class ClosureIn(Schema):
    centre: str = Field(..., min_length=1, max_length=32)
    date: dt.date
    reason: str = Field(..., min_length=2, max_length=200)


class ClosureOut(Schema):
    centre: str
    date: dt.date
    reason: str
