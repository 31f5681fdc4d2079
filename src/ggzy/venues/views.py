"""The venues pages (issue 34; standard 6.3, 7, 9.1.1; docs/venues.md, docs/guide/centre-staff.md and
agent.md "场地预约"), each declaring who may use it.

* The centre's staff (`/centre/venues/`): the rooms with what each lacks of what the standard requires and
  its overdue maintenance; a room's page with its equipment, maintenance and 14-day calendar; the bookings
  waiting for confirmation and those to come, with the overdue maintenance of the centre; the inspections.
* The supervisors of the centre's region read the same pages (no action).
* The initiator and its agent (`/workspace/venues/`): their sections' bookings, a booking's page with its
  change and cancellation, and the booking form, which suggests the free rooms for a purpose, a time and a
  number of people.

Every POST goes through `core.pages.page_action`: a refusal is an error message on the page it came from,
nothing changed."""

from __future__ import annotations

import datetime as dt
import uuid

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ggzy.accounts.selectors import chosen_centre, staff_centres
from ggzy.core import clock
from ggzy.core.access import actor_of, allow
from ggzy.core.errors import DomainError
from ggzy.core.formatting import PLATFORM_ZONE, local_time
from ggzy.core.pages import form_again, page_action
from ggzy.core.roles import Role
from ggzy.venues import selectors, services, video
from ggzy.venues.errors import VenuesError
from ggzy.venues.facilities import NEEDS, Item
from ggzy.venues.forms import (
    BookForm,
    CameraForm,
    ChangeForm,
    EquipmentForm,
    FindForm,
    InspectionForm,
    MaintenanceForm,
    ReasonForm,
    RoomForm,
)
from ggzy.venues.models import Booking, Room
from ggzy.venues.states import TRANSITIONS, BookingAction

#: Who reads the rooms: the centre's staff and its region's supervisors.
READERS = (Role.CENTRE_STAFF, Role.SUPERVISOR)
PARTIES = (Role.INITIATOR, Role.AGENT)
#: Who reads a booking: those and its section's parties.
BOOKING_READERS = (*READERS, *PARTIES)
CALENDAR_DAYS = 14


def _labels(items: list[str]) -> list[str]:
    return [str(Item(i).label) for i in items]


# --- rooms (staff, supervisors) -----------------------------------------------------------------------------


@allow(*READERS)
def rooms(request: HttpRequest) -> HttpResponse:
    rooms_seen = list(selectors.rooms_for(request.user))
    rows = selectors.room_rows(rooms_seen)
    used = selectors.usage(rooms_seen)
    staff = list(staff_centres(request.user))
    context = {
        "rows": [
            (r.room, _labels(r.missing), _labels(r.forbidden), r.overdue, used[r.room.pk]) for r in rows
        ],
        "usage_days": selectors.USAGE_DAYS,
        "staff": staff,
        "form": RoomForm(),
    }
    return render(request, "venues/rooms.html", context)


@require_POST
@allow(Role.CENTRE_STAFF)
def room_new(request: HttpRequest) -> HttpResponse:
    form = RoomForm(request.POST)
    centre = chosen_centre(viewer=request.user, code=request.POST.get("centre", ""))  # not staff there: 404
    if centre is None:
        raise DomainError(VenuesError.NOT_STAFF)
    return page_action(
        request,
        lambda: services.room_register(actor=actor_of(request), centre=centre, **form.cleaned_data),
        form=form,
        success=lambda room: _("Room %(code)s registered.") % {"code": room.code},
        to=lambda room: reverse("venues:room", args=[room.uid]),
        failure=reverse("venues:rooms"),
    )


@allow(*READERS)
def room(request: HttpRequest, room_uid: uuid.UUID) -> HttpResponse:
    found = selectors.access_room(viewer=request.user, uid=room_uid)
    needs = NEEDS[found.type]
    equipment = list(found.equipment.order_by("item", "id"))
    working = {e.item for e in equipment if e.working}
    listed = {e.item for e in equipment}
    today = clock.local_now().replace(hour=0, minute=0, second=0, microsecond=0)
    today_done = {"done_on": today.date(), "working": True}
    calendar: dict[str, list[Booking]] = {}
    for booking in selectors.room_bookings(found, today, CALENDAR_DAYS):
        calendar.setdefault(clock_day(booking.starts_at), []).append(booking)
    context = {
        "room": found,
        "must": [(str(Item(i).label), i in working) for i in needs.must],
        "may": [(str(Item(i).label), i in listed) for i in needs.may],
        "never": [(str(Item(i).label), i in listed) for i in needs.never],
        "clauses": needs.clauses,
        "equipment": [
            (
                e,
                services.overdue(e),
                e.maintenance.first(),
                MaintenanceForm(initial=today_done, auto_id=f"m{n}_%s"),
            )
            for n, e in enumerate(equipment)
        ],
        "staff": selectors.is_staff(request.user, found.centre),
        "equipment_form": EquipmentForm(),
        "cameras": [(c, video.live_url(c)) for c in found.cameras.all()],
        "camera_form": CameraForm(platforms=list(video.configured())),
        "platforms": bool(video.configured()),
        "calendar": sorted(calendar.items()),
        "days": CALENDAR_DAYS,
    }
    return render(request, "venues/room.html", context)


def clock_day(instant: dt.datetime) -> str:
    return local_time(instant)[:10]


@require_POST
@allow(Role.CENTRE_STAFF)
def equipment_add(request: HttpRequest, room_uid: uuid.UUID) -> HttpResponse:
    found = selectors.access_room(viewer=request.user, uid=room_uid)
    form = EquipmentForm(request.POST)
    to = reverse("venues:room", args=[room_uid])
    return page_action(
        request,
        lambda: services.equipment_add(actor=actor_of(request), room=found, **form.cleaned_data),
        form=form,
        success=_("The item is listed."),
        to=to,
    )


@require_POST
@allow(Role.CENTRE_STAFF)
def camera_add(request: HttpRequest, room_uid: uuid.UUID) -> HttpResponse:
    found = selectors.access_room(viewer=request.user, uid=room_uid)
    form = CameraForm(request.POST, platforms=list(video.configured()))
    return page_action(
        request,
        lambda: services.camera_add(actor=actor_of(request), room=found, **form.cleaned_data),
        form=form,
        success=_("The camera is listed."),
        to=reverse("venues:room", args=[room_uid]),
    )


@require_POST
@allow(Role.CENTRE_STAFF)
def maintain(request: HttpRequest, room_uid: uuid.UUID, equipment_uid: uuid.UUID) -> HttpResponse:
    found = selectors.access_room(viewer=request.user, uid=room_uid)
    equipment = selectors.access_equipment(viewer=request.user, room=found, uid=equipment_uid)
    form = MaintenanceForm(request.POST)
    return page_action(
        request,
        lambda: services.maintenance_record(
            actor=actor_of(request), equipment=equipment, **form.cleaned_data
        ),
        form=form,
        success=_("The maintenance is recorded."),
        to=reverse("venues:room", args=[room_uid]),
    )


# --- bookings (staff, supervisors) --------------------------------------------------------------------------


@allow(*READERS)
def bookings(request: HttpRequest) -> HttpResponse:
    now = clock.now()
    coming = (
        selectors.bookings_for(request.user)
        .filter(room__centre__in=selectors.centres_for(request.user), ends_at__gt=now)
        .order_by("starts_at")[: selectors.LIST_LIMIT]
    )
    context = {
        "waiting": list(selectors.waiting(request.user)),
        "decides": staff_centres(request.user).exists(),
        "live": selectors.under_way(request.user),
        "coming": list(coming),
        "overdue": selectors.overdue_equipment(request.user),
    }
    return render(request, "venues/bookings.html", context)


@allow(*BOOKING_READERS)
def booking(request: HttpRequest, booking_uid: uuid.UUID) -> HttpResponse:
    found = selectors.access_booking(viewer=request.user, uid=booking_uid)
    return _booking_page(request, found, ChangeForm(initial=_change_initial(found), rooms=_rooms_of(found)))


def _change_initial(found: Booking) -> dict[str, object]:
    return {
        "starts_at": found.starts_at.astimezone(PLATFORM_ZONE),
        "ends_at": found.ends_at.astimezone(PLATFORM_ZONE),
        "attendees": found.attendees,
        "room": str(found.room.uid),
    }


def _rooms_of(found: Booking) -> list[tuple[str, str]]:
    rooms_there = Room.objects.filter(centre=found.room.centre, in_use=True).order_by("code")
    return [(str(r.uid), f"{r.code} {r.name}（{r.get_type_display()}，{r.capacity}）") for r in rooms_there]


def _booking_page(request: HttpRequest, found: Booking, form: ChangeForm, status: int = 200) -> HttpResponse:
    viewer = request.user
    staff = selectors.is_staff(viewer, found.room.centre)
    party = selectors.is_party(viewer, found)
    now = clock.now()
    begun = found.starts_at <= now
    recorded_until = min(found.ends_at, now)
    cameras = [
        (c, video.live_url(c) if begun and found.ends_at > now else "",
         video.playback_url(c, found.starts_at, recorded_until) if begun else "")
        for c in found.room.cameras.all()
    ]  # fmt: skip
    context = {
        "booking": found,
        "cameras": cameras,
        "staff": staff,
        "may_decide": staff and (found.state, BookingAction.CONFIRM) in TRANSITIONS,
        "may_change": party and (found.state, BookingAction.CHANGE) in TRANSITIONS and found.ends_at > now,
        "may_cancel": party and (found.state, BookingAction.CANCEL) in TRANSITIONS and found.starts_at > now,
        "form": form,
        "refuse_form": ReasonForm(auto_id="refuse_%s"),
        "cancel_form": ReasonForm(auto_id="cancel_%s"),
    }
    return render(request, "venues/booking.html", context, status=status)


@require_POST
@allow(Role.CENTRE_STAFF)
def confirm(request: HttpRequest, booking_uid: uuid.UUID) -> HttpResponse:
    found = selectors.access_booking(viewer=request.user, uid=booking_uid)
    return page_action(
        request,
        lambda: services.booking_confirm(actor=actor_of(request), booking=found),
        success=_("The booking is confirmed."),
        to=reverse("venues:bookings")
        if request.POST.get("next") == "queue"
        else reverse("venues:booking", args=[booking_uid]),
    )


@require_POST
@allow(Role.CENTRE_STAFF)
def refuse(request: HttpRequest, booking_uid: uuid.UUID) -> HttpResponse:
    found = selectors.access_booking(viewer=request.user, uid=booking_uid)
    form = ReasonForm(request.POST)
    return page_action(
        request,
        lambda: services.booking_refuse(
            actor=actor_of(request), booking=found, reason=form.cleaned_data["reason"]
        ),
        form=form,
        success=_("The booking is refused."),
        to=reverse("venues:booking", args=[booking_uid]),
    )


@require_POST
@allow(Role.CENTRE_STAFF, *PARTIES)
def change(request: HttpRequest, booking_uid: uuid.UUID) -> HttpResponse:
    found = selectors.access_booking(viewer=request.user, uid=booking_uid)
    form = ChangeForm(request.POST, rooms=_rooms_of(found))

    def run() -> Booking:
        data = form.cleaned_data
        new_room = selectors.room_of_centre(centre=found.room.centre, uid=data["room"])
        return services.booking_change(
            actor=actor_of(request), booking=found, reason=data["reason"], room=new_room,
            starts_at=data["starts_at"], ends_at=data["ends_at"], attendees=data["attendees"],
        )  # fmt: skip

    return page_action(
        request,
        run,
        form=form,
        success=_("The booking is changed; it waits for the centre's confirmation again."),
        to=reverse("venues:booking", args=[booking_uid]),
        failure=form_again(form, lambda: _booking_page(request, found, form, status=400)),
    )


@require_POST
@allow(Role.CENTRE_STAFF, *PARTIES)
def cancel(request: HttpRequest, booking_uid: uuid.UUID) -> HttpResponse:
    found = selectors.access_booking(viewer=request.user, uid=booking_uid)
    form = ReasonForm(request.POST)
    return page_action(
        request,
        lambda: services.booking_cancel(
            actor=actor_of(request), booking=found, reason=form.cleaned_data["reason"]
        ),
        form=form,
        success=_("The booking is cancelled."),
        to=reverse("venues:booking", args=[booking_uid]),
    )


# --- inspections (staff, supervisors) -----------------------------------------------------------------------


def _inspection_page(request: HttpRequest, form: InspectionForm, status: int = 200) -> HttpResponse:
    context = {
        "inspections": list(selectors.inspections_for(request.user)),
        "staff": list(staff_centres(request.user)),
        "form": form,
    }
    return render(request, "venues/inspections.html", context, status=status)


def _room_choices(request: HttpRequest) -> list[tuple[str, str]]:
    staff = [c for c in selectors.centres_for(request.user) if selectors.is_staff(request.user, c)]
    return [
        (str(r.uid), f"{r.code} {r.name}") for r in Room.objects.filter(centre__in=staff).order_by("code")
    ]


@allow(*READERS)
def inspections(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        form = InspectionForm(initial={"checked_on": clock.local_now().date()}, rooms=_room_choices(request))
        return _inspection_page(request, form)
    if not staff_centres(request.user).exists():
        return _inspection_page(request, InspectionForm(rooms=_room_choices(request)), status=403)
    form = InspectionForm(request.POST, rooms=_room_choices(request))

    def run() -> object:
        data = form.cleaned_data
        staff = staff_centres(request.user)
        rooms = (
            Room.objects.filter(uid=data["room"], centre__in=staff) if data["room"] else Room.objects.none()
        )
        found = rooms.select_related("centre").first()
        centre = found.centre if found is not None else staff.first()
        if centre is None:
            raise DomainError(VenuesError.NOT_STAFF)
        return services.inspection_record(
            actor=actor_of(request), centre=centre, kind=data["kind"], checked_on=data["checked_on"],
            results=form.results(), fixed=data["fixed"], room=found,
        )  # fmt: skip

    return page_action(
        request,
        run,
        form=form,
        success=_("The inspection is recorded."),
        to=reverse("venues:inspections"),
        failure=form_again(form, lambda: _inspection_page(request, form, status=400)),
    )


# --- the parties' bookings ----------------------------------------------------------------------------------


@allow(*PARTIES)
def mine(request: HttpRequest) -> HttpResponse:
    sections = selectors.sections_for_party(request.user)
    found = (
        selectors.bookings_for(request.user)
        .filter(section__in=sections)
        .order_by("-starts_at")[: selectors.LIST_LIMIT]
    )
    return render(request, "venues/mine.html", {"sections": sections, "bookings": list(found)})


def _book_page(request: HttpRequest, section: object, find: FindForm, status: int = 200) -> HttpResponse:
    suggested = []
    if find.is_bound and find.is_valid():
        data = find.cleaned_data
        suggested = services.suggest(
            centre=section.centre, purpose=data["purpose"], starts_at=data["starts_at"],  # type: ignore[attr-defined]
            ends_at=data["ends_at"], attendees=data["attendees"],
        )  # fmt: skip
    context = {"section": section, "find": find, "suggested": suggested}
    return render(request, "venues/book.html", context, status=status)


@allow(*PARTIES)
def book(request: HttpRequest, section_code: str) -> HttpResponse:
    section = selectors.access_party_section(viewer=request.user, code=section_code)
    if request.method != "POST":
        find = FindForm(request.GET) if request.GET else FindForm()
        return _book_page(request, section, find)
    form = BookForm(request.POST)
    find = FindForm(request.POST)
    find.is_valid()  # (its errors and the refusal's are shown with it)

    def run() -> Booking:
        data = form.cleaned_data
        found = selectors.room_of_centre(centre=section.centre, uid=data["room"])
        return services.booking_request(
            actor=actor_of(request), room=found, section=section, purpose=data["purpose"],
            starts_at=data["starts_at"], ends_at=data["ends_at"], attendees=data["attendees"],
            note=data["note"],
        )  # fmt: skip

    return page_action(
        request,
        run,
        form=form,
        success=_("The room is requested; it is held for you until the centre confirms or refuses it."),
        to=lambda made: reverse("venues:booking", args=[made.uid]),
        failure=form_again(find, lambda: _book_page(request, section, find, status=400)),
    )
