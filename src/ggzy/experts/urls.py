"""The experts pages (docs/guide/centre-staff.md, agent.md, expert.md, security-admin.md "评标专家")."""

from django.urls import path

from ggzy.experts import views

app_name = "experts"

urlpatterns = [
    # the centre's staff and the supervisors
    path("centre/experts/", views.requests, name="requests"),
    path("centre/experts/fees.csv", views.fees_csv, name="fees-csv"),
    # a request: its staff, supervisors and parties read it; each action is one role's
    path("experts/requests/<uuid:request_uid>/", views.request_detail, name="request"),
    path("experts/requests/<uuid:request_uid>/seed/", views.seed, name="seed"),
    path("experts/requests/<uuid:request_uid>/fix/", views.fix, name="fix"),
    path("experts/requests/<uuid:request_uid>/draw/", views.draw, name="draw"),
    path("experts/requests/<uuid:request_uid>/print/", views.roster_print, name="print"),
    path("experts/requests/<uuid:request_uid>/fees/<int:sequence>/", views.fee, name="fee"),
    path("experts/requests/<uuid:request_uid>/members/", views.member, name="member"),
    path("experts/requests/<uuid:request_uid>/ratings/<int:sequence>/", views.rate, name="rate"),
    # the initiator and its agent
    path("workspace/experts/", views.mine, name="mine"),
    path("workspace/experts/sections/<str:section_code>/request/", views.request_new, name="request-new"),
    # the expert
    path("workspace/expert/calls/", views.calls, name="calls"),
    path("workspace/expert/calls/<uuid:request_uid>/<int:sequence>/", views.answer, name="answer"),
    path("workspace/expert/profile/", views.profile, name="profile"),
    # the security administrator
    path("workspace/experts/keepers/", views.keepers, name="keepers"),
    path("workspace/experts/keepers/appoint/", views.keeper_appoint, name="keeper-appoint"),
    path("workspace/experts/keepers/revoke/", views.keeper_revoke, name="keeper-revoke"),
]
