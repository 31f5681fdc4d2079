"""The hall's live channel (`core.live`): `hall:<uid>`, watched by whoever may enter the hall. Messages
say which step began; the page then shows what that step published (nothing secret is in a message)."""

from __future__ import annotations

from ggzy.core import live
from ggzy.core.errors import DomainError
from ggzy.core.types import Viewer


def _access(viewer: Viewer, name: str) -> bool:
    from ggzy.opening.selectors import access_hall

    try:
        access_hall(viewer=viewer, uid=name.partition(":")[2])
    except DomainError:
        return False
    return True


live.register_channel("hall:", _access)
