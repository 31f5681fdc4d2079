"""Administrative divisions (GB/T 2260), chosen by name and shown by name, never typed as a code.

The table is the GB2260 package's current revision (the Ministry of Civil Affairs' codes as that
package last published them). A division created after it is not offered by the picker and is shown
as its bare code; a newer table is a dependency upgrade, not a code change here.

- `name(code)`: "沈阳市" — `full_name(code)`: "辽宁省沈阳市" (province, prefecture, county).
- `RegionField(within=…, depth=…)`: a form field choosing one division, grouped by province or
  prefecture, refusing any code not in the table."""

from __future__ import annotations

import functools
from collections.abc import Iterator

from django import forms
from django.utils.translation import gettext_lazy as _

PROVINCE, PREFECTURE, COUNTY = 1, 2, 3


@functools.cache
def _table() -> dict[str, str]:
    from gb2260.data import data  # imported on first use: the module is a 2 MB literal

    return {f"{code:06d}": name for code, name in data[None].items()}


def known(code: str) -> bool:
    return code in _table()


def depth(code: str) -> int:
    """1 for a province (210000), 2 for a prefecture (210100), 3 for a county (210102)."""
    if code.endswith("0000"):
        return PROVINCE
    if code.endswith("00"):
        return PREFECTURE
    return COUNTY


def parents(code: str) -> list[str]:
    """The division and those above it, province first (only those in the table)."""
    chain = [code[:2] + "0000", code[:4] + "00", code]
    out: list[str] = []
    for c in chain[: depth(code)]:
        if c in _table() and c not in out:
            out.append(c)
    return out


def name(code: str) -> str:
    """The division's own name, or the code itself when it is not in the table (or empty)."""
    return _table().get(code or "", code or "")


def full_name(code: str) -> str:
    """Province, prefecture and county names joined ("辽宁省沈阳市和平区"); the code when unknown.
    A 市辖区 placeholder (a prefecture's "districts" line) is left out."""
    if not code or code not in _table():
        return code or ""
    return "".join(_table()[c] for c in parents(code) if _table()[c] != "市辖区")


def within(code: str, ancestor: str) -> bool:
    """Whether `code` lies in `ancestor` (a province covers its prefectures and counties)."""
    prefix = ancestor.rstrip("0")
    prefix += "0" * (len(prefix) % 2)
    return code.startswith(prefix)


def divisions(*, under: str = "", max_depth: int = COUNTY) -> Iterator[str]:
    """Codes in the table, in code order, under `under` (all when empty), at most `max_depth` deep;
    the 市辖区/县 placeholder lines are not divisions one can choose."""
    for code in sorted(_table()):
        if depth(code) > max_depth or (under and not within(code, under)):
            continue
        if _table()[code] in ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"):
            continue
        yield code


@functools.cache  # the table never changes while the process runs; a form is built per request
def grouped_choices(
    *, under: str = "", max_depth: int = COUNTY
) -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    """Choices for a select, grouped by province (prefecture for a province-wide `under` and
    county depth), each shown by its full name."""
    groups: dict[str, list[tuple[str, str]]] = {}
    group_depth = PREFECTURE if under and depth(under) == PROVINCE and max_depth == COUNTY else PROVINCE
    for code in divisions(under=under, max_depth=max_depth):
        group = parents(code)[min(group_depth, len(parents(code))) - 1]
        groups.setdefault(group, []).append((code, full_name(code)))
    return tuple((full_name(g), tuple(items)) for g, items in groups.items())


class RegionField(forms.ChoiceField):
    """One administrative division, chosen by name from GB/T 2260."""

    def __init__(self, *, under: str = "", max_depth: int = COUNTY, **kwargs: object) -> None:
        kwargs.setdefault("label", _("region"))
        kwargs.setdefault("error_messages", {"invalid_choice": _("Choose a region from the list.")})

        def choices() -> list[tuple[str, object]]:  # built when first shown or checked, not at import
            return [("", "——"), *grouped_choices(under=under, max_depth=max_depth)]

        super().__init__(choices=choices, **kwargs)  # type: ignore[arg-type]
