"""Concrete URLs for every endpoint key of ggzy.core.access.walk_endpoints (for crawling tests)."""

from __future__ import annotations

import re
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver, reverse

SAMPLE_KWARGS = {
    "id": "1",
    "object_id": "1",
    "content_type_id": "1",
    "url": "x",
    "token_id": "1",
    "message_id": "1",
    "purpose": "webhook",
    "year": "2026",
    "uid": "00000000-0000-0000-0000-000000000000",
    "old": "1",
    "new": "2",
    "user_id": "1",
    "organisation_id": "1",
    "app_label": "auth",
    "ca_id": "1",
    "registration_id": "1",
    "bid_id": "1",
    "centre": "ln",
    "question_id": "1",
    "template_id": "1",
    "key": "application_form",
    "pk": "1",
    "grant_id": "1",
    "change_id": "1",
    "transition_id": "1",
    "action": "approve",
}


def _patterns(patterns: list[Any], namespaces: tuple[str, ...] = ()) -> dict[str, tuple[str, Any]]:
    """URL name (or route) -> (name to reverse, pattern)."""
    found: dict[str, tuple[str, Any]] = {}
    for p in patterns:
        if isinstance(p, URLResolver):
            found.update(_patterns(p.url_patterns, (*namespaces, p.namespace) if p.namespace else namespaces))
        elif isinstance(p, URLPattern):
            name = ":".join([*namespaces, p.name]) if p.name else ""
            found[name or ""] = (name, p)
    return found


def url_for(key: str) -> tuple[str, str]:
    """(method, url) for an endpoint key."""
    if key.startswith("api:"):
        method, route = key[4:].split(" ", 1)
        return method, re.sub(r"\{(\w+)\}", lambda m: SAMPLE_KWARGS[m.group(1)], route)
    name = key[5:]
    if not name.startswith("/"):
        pattern = _patterns(get_resolver().url_patterns)[name][1].pattern
        params = getattr(pattern, "converters", None) or dict.fromkeys(pattern.regex.groupindex)
        return "GET", reverse(name, kwargs={k: SAMPLE_KWARGS[k] for k in params})
    route = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: SAMPLE_KWARGS[m.group(1)], name)
    return "GET", re.sub(r"\(\?P<(\w+)>[^)]*\)\$?", lambda m: SAMPLE_KWARGS[m.group(1)], route)
