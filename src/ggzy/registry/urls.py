from django.urls import path

from ggzy.registry import views

app_name = "registry"

urlpatterns = [
    path("workspace/registrations/", views.registration_list, name="list"),
    path("workspace/registrations/leave/", views.leave, name="leave"),
    path("registrations/new/", views.registration_new, name="new"),
    path("registrations/<uuid:registration_uid>/", views.registration_detail, name="detail"),
    path("registrations/<uuid:registration_uid>/resubmit/", views.resubmit, name="resubmit"),
    path("registrations/<uuid:registration_uid>/return/", views.notice_issue, name="return"),
    path("registrations/<uuid:registration_uid>/accept/", views.accept, name="accept"),
    path("registrations/<uuid:registration_uid>/items/<slug:key>/", views.item_download, name="download"),
    path("registrations/<uuid:registration_uid>/items/<slug:key>/supply/", views.item_supply, name="supply"),
    path(
        "registrations/<uuid:registration_uid>/items/<slug:key>/confirm/", views.item_confirm, name="confirm"
    ),
]
