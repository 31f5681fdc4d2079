"""The holidays' names as people read them.

The calendar stores each day under the English name the `chinesecalendar` package gives it (its
`Holiday` enum; `statutory.NAMES` uses the same names, so both sources compare directly). Those names
are keys, not text for people: pages show `holiday_name(name)`, in the reader's language (春节, not
"Spring Festival"). A name the mapping does not know (one typed with an official year the system
administrator loaded) is shown as it was given."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from ggzy.calendar.statutory import (
    DRAGON_BOAT_FESTIVAL,
    LABOUR_DAY,
    MID_AUTUMN_FESTIVAL,
    NATIONAL_DAY,
    NEW_YEARS_DAY,
    SPRING_FESTIVAL,
    TOMB_SWEEPING_DAY,
)

#: `chinese_calendar.Holiday.anti_fascist_70th_day`: the one-off day off of 3 September 2015.
ANTI_FASCIST_70TH_DAY: Final = "Anti-Fascist 70th Day"

HOLIDAY_NAMES: Final[Mapping[str, Promise]] = MappingProxyType(
    {
        NEW_YEARS_DAY: _("New Year's Day"),
        SPRING_FESTIVAL: _("Spring Festival"),
        TOMB_SWEEPING_DAY: _("Tomb-sweeping Day"),
        LABOUR_DAY: _("Labour Day"),
        DRAGON_BOAT_FESTIVAL: _("Dragon Boat Festival"),
        MID_AUTUMN_FESTIVAL: _("Mid-autumn Festival"),
        NATIONAL_DAY: _("National Day"),
        ANTI_FASCIST_70TH_DAY: _("70th anniversary of the victory in the War of Resistance"),
    }
)


def holiday_name(name: str) -> str:
    """The name of a holiday (or of the holiday an adjusted working day belongs to) to show."""
    label = HOLIDAY_NAMES.get(name)
    return name if label is None else str(label)
