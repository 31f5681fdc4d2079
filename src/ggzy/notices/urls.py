from django.urls import path

from ggzy.notices.views import notices as views

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

from ggzy.notices.views import attachments, compare  # noqa: E402  (appended: one block per seam)

urlpatterns += [
    path(
        "notices/<uuid:notice_uid>/attachments/<uuid:attachment_uid>/",
        attachments.download,
        name="attachment",
    ),
    path("workspace/notices/<uuid:notice_uid>/attachments/", attachments.add, name="attachment-add"),
    path(
        "workspace/notices/<uuid:notice_uid>/attachments/<uuid:attachment_uid>/remove/",
        attachments.remove,
        name="attachment-remove",
    ),
    path("workspace/notices/<uuid:notice_uid>/compare/", compare.compare, name="compare"),
]

from ggzy.notices.views import objections, pauses  # noqa: E402  (appended: one block per seam)

urlpatterns += [
    path("notices/<uuid:notice_uid>/object/", objections.new, name="object"),
    path("workspace/objections/", objections.mine, name="objections"),
    path("workspace/objections/<uuid:objection_uid>/", objections.detail, name="objection"),
    path("workspace/objections/<uuid:objection_uid>/answer/", objections.answer, name="objection-answer"),
    path(
        "workspace/objections/<uuid:objection_uid>/withdraw/", objections.withdraw, name="objection-withdraw"
    ),
    path(
        "workspace/objections/<uuid:objection_uid>/complain/", objections.complain, name="objection-complain"
    ),
    path("workspace/procedures/", pauses.procedures, name="procedures"),
    path("workspace/procedures/<str:tender_project_code>/", pauses.procedure, name="procedure"),
    path("workspace/procedures/<str:tender_project_code>/pause/", pauses.pause, name="procedure-pause"),
    path(
        "workspace/procedures/<str:tender_project_code>/pauses/<uuid:pause_uid>/resume/",
        pauses.resume,
        name="procedure-resume",
    ),
    path(
        "workspace/procedures/<str:tender_project_code>/terminate/",
        pauses.terminate,
        name="procedure-terminate",
    ),
]

from ggzy.notices.views import atom  # noqa: E402  (appended: one block per seam)

urlpatterns += [path("notices/feed.atom", atom.feed, name="atom")]

from ggzy.notices.views import portal  # noqa: E402  (appended: one block per seam)

urlpatterns += [
    path("projects/<str:tender_project_code>/", portal.project, name="project"),
    path("notices/<uuid:notice_uid>/proof.json", portal.proof, name="proof"),
]
