"""The venues pages (docs/venues.md; docs/guide/centre-staff.md and agent.md "场地预约")."""

from django.urls import path

from ggzy.venues import views

app_name = "venues"

urlpatterns = [
    # the centre's staff and the supervisors
    path("centre/venues/", views.rooms, name="rooms"),
    path("centre/venues/new/", views.room_new, name="room-new"),
    path("centre/venues/rooms/<uuid:room_uid>/", views.room, name="room"),
    path("centre/venues/rooms/<uuid:room_uid>/equipment/", views.equipment_add, name="equipment-add"),
    path("centre/venues/rooms/<uuid:room_uid>/cameras/", views.camera_add, name="camera-add"),
    path(
        "centre/venues/rooms/<uuid:room_uid>/equipment/<uuid:equipment_uid>/maintain/",
        views.maintain,
        name="maintain",
    ),
    path("centre/venues/bookings/", views.bookings, name="bookings"),
    path("centre/venues/inspections/", views.inspections, name="inspections"),
    # a booking: its centre's staff and supervisors, its section's parties
    path("venues/bookings/<uuid:booking_uid>/", views.booking, name="booking"),
    path("venues/bookings/<uuid:booking_uid>/confirm/", views.confirm, name="confirm"),
    path("venues/bookings/<uuid:booking_uid>/refuse/", views.refuse, name="refuse"),
    path("venues/bookings/<uuid:booking_uid>/change/", views.change, name="change"),
    path("venues/bookings/<uuid:booking_uid>/cancel/", views.cancel, name="cancel"),
    # the initiator and its agent
    path("workspace/venues/", views.mine, name="mine"),
    path("workspace/venues/sections/<str:section_code>/book/", views.book, name="book"),
]
