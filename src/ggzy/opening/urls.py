from django.urls import path

from ggzy.opening import record_views, views

app_name = "opening"

urlpatterns = [
    path("halls/", views.halls, name="halls"),
    path("halls/<uuid:hall_uid>/", views.hall, name="hall"),
    path("halls/<uuid:hall_uid>/line/", views.line, name="line"),
    path("halls/<uuid:hall_uid>/release/", views.release, name="release"),
    path("halls/<uuid:hall_uid>/object/", views.hall_object, name="object"),
    path("halls/<uuid:hall_uid>/answer/", views.hall_answer, name="answer"),
    path("halls/<uuid:hall_uid>/attribute/", views.attribute, name="attribute"),
    path("halls/<uuid:hall_uid>/on-site/", views.on_site, name="on-site"),
    path("halls/<uuid:hall_uid>/avoidance/", views.avoidance_request, name="avoidance"),
    path("halls/<uuid:hall_uid>/avoidance/decide/", views.avoidance_decide, name="avoidance-decide"),
    path("halls/<uuid:hall_uid>/record.json", views.record, name="record"),
    path("halls/<uuid:hall_uid>/record.pdf", views.record_pdf, name="record-pdf"),
    path("halls/records/verify/", record_views.record_verify, name="record-verify"),
    path("halls/<uuid:hall_uid>/sign/", views.record_sign, name="sign"),
    path("halls/<uuid:hall_uid>/second/", views.second_schedule, name="second"),
    path("halls/<uuid:hall_uid>/second-record.json", views.second_record, name="second-record"),
]
