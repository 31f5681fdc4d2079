"""Pages: my events (the operation log as I may see it), my inbox, the delivery log."""

from __future__ import annotations

import uuid

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from ggzy.core.access import allow, signed_in
from ggzy.core.formatting import person_name
from ggzy.core.roles import Role
from ggzy.events import catalogue, notifications, selectors
from ggzy.events.states import DeliveryStatus, EventClass


@signed_in
def event_list(request: HttpRequest) -> HttpResponse:
    raw = request.GET.get("class", "")
    event_class = EventClass(raw) if raw in EventClass.values else None  # anything else: every class
    events = selectors.event_list(viewer=request.user, event_class=event_class).select_related("actor")
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    recorded = selectors.recordings_of(request.user, list(page))
    rows = [
        {
            "event": e,
            "title": catalogue.event_title(e.type),
            # who, by name, family name first (the label is kept for an actor without an account)
            "by": person_name(e.actor) if e.actor is not None else e.actor_label,
            "recordings": recorded.get(e.pk, []),
        }
        for e in page
    ]
    return render(
        request,
        "events/event_list.html",
        {"page": page, "rows": rows, "event_class": event_class or "", "classes": EventClass.choices},
    )


@signed_in
def inbox(request: HttpRequest) -> HttpResponse:
    messages = selectors.inbox(viewer=request.user)
    page = Paginator(messages, 30).get_page(request.GET.get("page"))
    return render(request, "events/inbox.html", {"page": page})


@require_POST
@signed_in
def inbox_read(request: HttpRequest, message_uid: uuid.UUID) -> HttpResponse:
    message = notifications.message_mark_read(viewer=request.user, message_uid=message_uid)
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "events/inbox.html#message", {"message": message})
    return redirect("events:inbox")


@allow(Role.CENTRE_STAFF, Role.SYSTEM_ADMIN)
def delivery_log(request: HttpRequest) -> HttpResponse:
    raw = request.GET.get("status", "")
    status = DeliveryStatus(raw) if raw in DeliveryStatus.values else None  # anything else: every status
    messages = selectors.delivery_log(viewer=request.user, status=status)
    page = Paginator(messages, 50).get_page(request.GET.get("page"))
    return render(request, "events/delivery_log.html", {"page": page})
