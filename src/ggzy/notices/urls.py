from django.urls import path

from ggzy.notices import views

app_name = "notices"

urlpatterns = [
    path("notices/", views.public_list, name="public-list"),
    path("notices/<uuid:notice_uid>/", views.public_detail, name="public-detail"),
    path("notices/<uuid:notice_uid>/pdf/", views.public_pdf, name="pdf"),
    path("workspace/notices/", views.mine, name="mine"),
    path("workspace/notices/new/", views.new, name="new"),
    path("workspace/notices/centre/", views.centre, name="centre"),
    path("workspace/notices/<uuid:notice_uid>/", views.detail, name="detail"),
    path("workspace/notices/<uuid:notice_uid>/edit/", views.edit, name="edit"),
    path("workspace/notices/<uuid:notice_uid>/schedule/", views.schedule, name="schedule"),
    path("workspace/notices/<uuid:notice_uid>/withdraw/", views.withdraw, name="withdraw"),
    path("workspace/notices/<uuid:notice_uid>/media/", views.medium, name="medium"),
    path("workspace/notices/<uuid:notice_uid>/remark/", views.remark, name="remark"),
]
