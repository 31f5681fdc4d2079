from __future__ import annotations

import uuid

from django.http import HttpRequest

from ggzy.core.access import public
from ggzy.core.api import Router
from ggzy.core.types import JSONDict
from ggzy.randomness import selectors

router = Router(tags=["randomness"])


@router.get(
    "/randomness/draws/{draw_uid}",
    response=JSONDict,
    summary="A verifiable random draw as published (ggzy-random-draw-v1): what `ggzy-verify random` checks",
)
@public
def draw(request: HttpRequest, draw_uid: uuid.UUID) -> JSONDict:
    return selectors.draw_record(selectors.access_draw(viewer=request.user, uid=draw_uid))
