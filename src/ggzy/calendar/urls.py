from django.urls import path

from ggzy.calendar import views

app_name = "calendar"

urlpatterns = [
    path("calendar/", views.calendar_page, name="calendar"),
    path("calendar/rules/", views.rules_page, name="rules"),
    path("workspace/calendar/local-rules/", views.local_rules_page, name="local-rules"),
    path("workspace/calendar/local-rules/set/", views.local_rule_set, name="local-rule-set"),
]
