"""Concrete URLs for every endpoint key of ggzy.core.access.walk_endpoints (for crawling tests)."""

from __future__ import annotations

import re
from typing import Any

from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse

SAMPLE_KWARGS = {
    "id": "1",
    "month": "2026-03",
    "object_id": "1",
    "content_type_id": "1",
    "url": "x",
    "purpose": "webhook",
    "year": "2026",
    "old": "1",
    "new": "2",
    "app_label": "auth",
    "centre": "ln",
    "key": "application_form",
    "pk": "1",
    "action": "approve",
    "bid_uid": "00000000-0000-0000-0000-000000000000",
    "message_uid": "00000000-0000-0000-0000-000000000000",
    "event_uid": "00000000-0000-0000-0000-000000000000",
    "change_uid": "00000000-0000-0000-0000-000000000000",
    "application_uid": "00000000-0000-0000-0000-000000000000",
    "transition_uid": "00000000-0000-0000-0000-000000000000",
    "token_uid": "00000000-0000-0000-0000-000000000000",
    "grant_uid": "00000000-0000-0000-0000-000000000000",
    "organisation_uid": "00000000-0000-0000-0000-000000000000",
    "username": "nobody",
    "registration_uid": "00000000-0000-0000-0000-000000000000",
    "template_uid": "00000000-0000-0000-0000-000000000000",
    "question_uid": "00000000-0000-0000-0000-000000000000",
    "feedback_uid": "00000000-0000-0000-0000-000000000000",
    "rating_uid": "00000000-0000-0000-0000-000000000000",
    "ca_uid": "00000000-0000-0000-0000-000000000000",
    "guide_uid": "00000000-0000-0000-0000-000000000000",
    "commitment_uid": "00000000-0000-0000-0000-000000000000",
    "notice_uid": "00000000-0000-0000-0000-000000000000",
    "draw_uid": "00000000-0000-0000-0000-000000000000",
    "hall_uid": "00000000-0000-0000-0000-000000000000",
    "attachment_uid": "00000000-0000-0000-0000-000000000000",
    "objection_uid": "00000000-0000-0000-0000-000000000000",
    "pause_uid": "00000000-0000-0000-0000-000000000000",
    "tender_project_code": "A2101002026000001001",
    "documents_uid": "00000000-0000-0000-0000-000000000000",
    "file_uid": "00000000-0000-0000-0000-000000000000",
    "item_uid": "00000000-0000-0000-0000-000000000000",
    "kind": "qualification",
    "sm3": "0" * 64,
    "upload_uid": "00000000-0000-0000-0000-000000000000",
    "section_code": "A2101002026000001001001",
    "guarantee_uid": "00000000-0000-0000-0000-000000000000",
    "request_uid": "00000000-0000-0000-0000-000000000000",
    "expert_uid": "00000000-0000-0000-0000-000000000000",
    "call_uid": "00000000-0000-0000-0000-000000000000",
    "room_uid": "00000000-0000-0000-0000-000000000000",
    "equipment_uid": "00000000-0000-0000-0000-000000000000",
    "booking_uid": "00000000-0000-0000-0000-000000000000",
    "channel": "nothing:x",  # a live channel no app registers: the one 404, never an endless stream
}

#: What a back-office object's address may hold: a key (Django's own models), a uid, a key id, a code.
OBJECT_REFS = ("1", "00000000-0000-0000-0000-000000000000", "0" * 16, "x")


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
        if "object_id" in params:  # the back office: by key, or by a reference (core.admin_site.ByRefAdmin)
            for ref in OBJECT_REFS:
                try:
                    return "GET", reverse(
                        name, kwargs={k: ref if k == "object_id" else SAMPLE_KWARGS[k] for k in params}
                    )
                except NoReverseMatch:
                    continue
        return "GET", reverse(name, kwargs={k: SAMPLE_KWARGS[k] for k in params})
    route = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: SAMPLE_KWARGS[m.group(1)], name)
    return "GET", re.sub(r"\(\?P<(\w+)>[^)]*\)\$?", lambda m: SAMPLE_KWARGS[m.group(1)], route)
