"""Reads of the shared kernel: health, the role table, the endpoint declarations."""

from __future__ import annotations

import shutil
import subprocess

from django.db import connection
from django.utils import timezone

from ggzy.core import clock
from ggzy.core.access import walk_endpoints
from ggzy.core.roles import ROLE_TABLE
from ggzy.core.schemas import ClockOut, EndpointOut, HealthOut, RoleOut

#: Above this, the health check warns that clocks disagree (a deadline must mean the same everywhere).
CLOCK_WARN_MS = 500.0


def chrony_offset_ms() -> float | None:
    """This host's offset to its NTP source as chrony sees it (None where chrony is not running)."""
    chronyc = shutil.which("chronyc")
    if chronyc is None:
        return None
    try:
        out = subprocess.run(  # noqa: S603  (chronyc found on PATH, fixed arguments)
            [chronyc, "-c", "tracking"], capture_output=True, text=True, timeout=2, check=True
        )
        return float(out.stdout.split(",")[4]) * 1000  # "System time" offset, seconds
    except (subprocess.SubprocessError, OSError, IndexError, ValueError):
        return None


def clock_get() -> ClockOut:
    host_before = timezone.now()
    authority = clock.authority_now()
    host_after = timezone.now()
    is_pg = connection.vendor == "postgresql"
    offset = (
        (authority - (host_before + (host_after - host_before) / 2)).total_seconds() * 1000 if is_pg else 0.0
    )
    ntp = chrony_offset_ms()
    warnings = []
    if abs(offset) > CLOCK_WARN_MS:
        warnings.append(f"database and host clocks differ by {offset:.0f} ms")
    if ntp is not None and abs(ntp) > CLOCK_WARN_MS:
        warnings.append(f"host clock is {ntp:.0f} ms off its NTP source")
    return ClockOut(
        authority="postgresql clock_timestamp()" if is_pg else "host clock",
        offset_ms_to_host=round(offset, 3),
        ntp_offset_ms=None if ntp is None else round(ntp, 3),
        sandbox=clock.sandbox_enabled(),
        warning="; ".join(warnings),
    )


def health_get() -> HealthOut:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            ok = cursor.fetchone() == (1,)
        clock_state = clock_get()
    except Exception:  # noqa: BLE001  (health reports, it does not raise)
        ok = False
        clock_state = ClockOut(
            authority="unavailable",
            offset_ms_to_host=None,
            ntp_offset_ms=None,
            sandbox=clock.sandbox_enabled(),
            warning="database unreachable",
        )
    status = "ok" if ok and not clock_state.warning else "degraded"
    return HealthOut(
        status=status,
        database=ok,
        time=timezone.localtime(clock.now()) if ok else timezone.localtime(),
        clock=clock_state,
    )


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
