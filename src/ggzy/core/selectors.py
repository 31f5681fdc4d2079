"""Reads of the shared kernel: health, the role table, the endpoint declarations."""

from __future__ import annotations

from django.db import connection
from django.utils import timezone

from ggzy.core.access import walk_endpoints
from ggzy.core.roles import ROLE_TABLE
from ggzy.core.schemas import EndpointOut, HealthOut, RoleOut


def health_get() -> HealthOut:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            ok = cursor.fetchone() == (1,)
    except Exception:  # noqa: BLE001  (health reports, it does not raise)
        ok = False
    return HealthOut(status="ok" if ok else "degraded", database=ok, time=timezone.localtime())


def role_list() -> list[RoleOut]:
    return [
        RoleOut(code=i.role.value, label=str(i.role.label), who=str(i.who), work=str(i.work))
        for i in ROLE_TABLE
    ]


def endpoint_list() -> list[EndpointOut]:
    return [
        EndpointOut(key=e.key, route=e.route, access=e.access.describe() if e.access else "UNDECLARED")
        for e in walk_endpoints()
    ]
