"""`{{ text|marked:terms }}`: the text, escaped, with each search term (`ggzy.core.search.highlight_terms`:
normalised, lower-case) wrapped in `<mark>` where it occurs, compared as the search compares (NFKC,
case-insensitive). A text whose folded form changes length is shown unmarked rather than mis-marked."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.filter
def marked(text: str, terms: Sequence[str]) -> SafeString:
    shown = unicodedata.normalize("NFKC", text or "")
    folded = shown.lower()
    if not terms or len(folded) != len(shown):
        return escape(shown)
    marks = [False] * len(shown)
    for term in terms:
        start = folded.find(term) if term else -1
        while start >= 0:
            marks[start : start + len(term)] = [True] * len(term)
            start = folded.find(term, start + len(term))
    out, i = [], 0
    while i < len(shown):
        j = i
        while j < len(shown) and marks[j] == marks[i]:
            j += 1
        piece = escape(shown[i:j])
        out.append(f"<mark>{piece}</mark>" if marks[i] else piece)
        i = j
    return mark_safe("".join(out))  # noqa: S308  (every piece escaped above)


@register.filter
def fen_yuan(fen: int | None) -> str:
    """Integer fen as yuan with two decimals and thousands separators (`core.formatting.yuan`)."""
    from ggzy.core.formatting import yuan

    return "" if fen is None else yuan(fen)
