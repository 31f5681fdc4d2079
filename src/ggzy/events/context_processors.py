from __future__ import annotations

from django.http import HttpRequest

from ggzy.core.types import Viewer
from ggzy.events.selectors import inbox


def unread(request: HttpRequest) -> dict[str, int]:
    """The number of unread inbox messages, for the header (none for the anonymous public)."""
    user: Viewer | None = getattr(request, "user", None)
    return {"unread_messages": inbox(viewer=user, unread_only=True).count()}
