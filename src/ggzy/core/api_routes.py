"""The shared kernel's own API operations."""

from __future__ import annotations

from django.http import HttpRequest

from ggzy.core import selectors
from ggzy.core.access import allow, public
from ggzy.core.api import Router
from ggzy.core.roles import Role
from ggzy.core.schemas import EndpointOut, HealthOut, RoleOut

router = Router(tags=["core"])


@router.get("/health", response=HealthOut, summary="Is the service up and its database reachable")
@public
def health(request: HttpRequest) -> HealthOut:
    return selectors.health_get()


@router.get("/roles", response=list[RoleOut], summary="The platform's roles")
@public
def roles(request: HttpRequest) -> list[RoleOut]:
    return selectors.role_list()


@router.get("/access/endpoints", response=list[EndpointOut], summary="Who may use each endpoint")
@allow(Role.AUDIT_ADMIN, Role.SECURITY_ADMIN)
def endpoints(request: HttpRequest) -> list[EndpointOut]:
    return selectors.endpoint_list()
