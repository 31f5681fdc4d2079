"""`{% load regions %}` … `{{ code|region }}` (辽宁省沈阳市) and `{{ code|region_short }}` (沈阳市)."""

from __future__ import annotations

from django import template

from ggzy.core import regions

register = template.Library()


@register.filter
def region(code: str) -> str:
    return regions.full_name(code)


@register.filter
def region_short(code: str) -> str:
    return regions.name(code)
