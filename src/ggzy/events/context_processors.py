from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from ggzy.events.selectors import inbox


def unread(request: HttpRequest) -> dict[str, Any]:
    """The number of unread inbox messages, for the header."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_messages": 0}
    return {"unread_messages": inbox(viewer=user, unread_only=True).count()}
