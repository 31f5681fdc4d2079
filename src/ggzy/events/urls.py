from django.urls import path

from ggzy.events import views

app_name = "events"

urlpatterns = [
    path("events/", views.event_list, name="event-list"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<uuid:message_uid>/read/", views.inbox_read, name="inbox-read"),
    path("notifications/deliveries/", views.delivery_log, name="delivery-log"),
]
