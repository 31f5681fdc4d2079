from django.urls import path

from ggzy.registry import views

app_name = "registry"

urlpatterns = [
    path("workspace/registrations/", views.registration_list, name="list"),
    path("workspace/registrations/leave/", views.leave, name="leave"),
    path("registrations/new/", views.registration_new, name="new"),
    path("registrations/<int:pk>/", views.registration_detail, name="detail"),
    path("registrations/<int:pk>/resubmit/", views.resubmit, name="resubmit"),
    path("registrations/<int:pk>/return/", views.notice_issue, name="return"),
    path("registrations/<int:pk>/accept/", views.accept, name="accept"),
    path("registrations/<int:pk>/items/<slug:key>/", views.item_download, name="download"),
    path("registrations/<int:pk>/items/<slug:key>/supply/", views.item_supply, name="supply"),
    path("registrations/<int:pk>/items/<slug:key>/confirm/", views.item_confirm, name="confirm"),
]
