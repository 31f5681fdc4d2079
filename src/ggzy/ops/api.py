from __future__ import annotations

from django.http import HttpRequest
from ninja import Status

from ggzy.core.access import actor_of, allow
from ggzy.core.api import Router, refuses
from ggzy.core.models import PlatformKey
from ggzy.core.roles import Role
from ggzy.ops import selectors, services
from ggzy.ops.errors import OpsError
from ggzy.ops.schemas import KeyOut

router = Router(tags=["ops"])


def key_out(key: PlatformKey) -> KeyOut:
    return KeyOut(
        purpose=key.purpose,
        key_id=key.key_id,
        algorithm=key.algorithm,
        public_key=key.public_key,
        created_at=key.created_at,
        retired_at=key.retired_at,
        active=key.retired_at is None,
    )


@router.get("/keys", response=list[KeyOut], summary="The key inventory (no secrets)")
@allow(Role.SECURITY_ADMIN)
def key_list(request: HttpRequest) -> list[KeyOut]:
    return [key_out(k) for k in selectors.key_list()]


@router.post("/keys/{purpose}/rotate", response={201: KeyOut}, summary="Rotate a platform key")
@allow(Role.SECURITY_ADMIN)
@refuses(OpsError.ROTATION_REFUSED)
def key_rotate(request: HttpRequest, purpose: str) -> Status[KeyOut]:
    return Status(201, key_out(services.key_rotate(actor=actor_of(request), purpose=purpose)))
