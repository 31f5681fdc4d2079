"""`{{ item.media_types|accept }}`: the `accept` attribute of a file input taking those media types."""

from __future__ import annotations

from django import template

from ggzy.registry.blobs import accept_attribute

register = template.Library()


@register.filter
def accept(media_types: list[str] | None) -> str:
    return accept_attribute(list(media_types or []))
