from django.urls import path

from ggzy.calendar import views

app_name = "calendar"

urlpatterns = [path("calendar/", views.calendar_page, name="calendar")]
