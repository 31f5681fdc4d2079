"""The centre's preparation page (standard 6.5.1): the sections whose bid deadline or opening falls in the
coming days, each with what it still needs — tender documents, pauses, the custodians' readiness, the
certificates expiring before the deadline (the centre's and the initiator's and agent's people's, never a
bidder's) and the room (with venue management, issue 34). For the centre's staff and the supervisors of
its region; another centre (`?centre=`) is not found. Nothing here names or counts bidders, holders of the
documents or askers (docs/secrecy.md)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from ggzy.core.access import actor_of, allow
from ggzy.core.roles import Role
from ggzy.tendering import preparation as prep


@allow(Role.CENTRE_STAFF, Role.SUPERVISOR)
def preparation_page(request: HttpRequest) -> HttpResponse:
    user = actor_of(request)
    centre = prep.chosen_preparation_centre(viewer=user, code=request.GET.get("centre", ""))
    days, refused = prep.days_ahead(request.GET.get("days"))
    found = prep.centre_preparation(viewer=user, centre=centre, days=days) if centre is not None else None
    context = {
        "centre": centre,
        "centres": prep.preparation_centres(viewer=user),
        "days": days,
        "days_min": prep.DAYS_MIN,
        "days_max": prep.DAYS_MAX,
        "days_refused": (
            _("Look ahead from %(min)s to %(max)s days; showing the next %(days)s days.")
            % {"min": prep.DAYS_MIN, "max": prep.DAYS_MAX, "days": days}
            if refused
            else ""
        ),
        "rows": found.rows if found else (),
        "readiness": found.readiness if found else None,
        "seal_until": found.seal_until if found else None,
        "room_pending": prep.ROOM_PENDING,
        "rooms": prep.rooms_of([row.section for row in found.rows]) if found else None,
    }
    return render(request, "tendering/preparation.html", context)
