"""The experts pages (docs/guide/centre-staff.md, agent.md, expert.md, security-admin.md "评标专家")."""

from django.urls import path

from ggzy.experts import views

app_name = "experts"

urlpatterns = [
    # the centre's staff and the supervisors
    path("centre/experts/", views.requests, name="requests"),
    path("centre/experts/fees.csv", views.fees_csv, name="fees-csv"),
    # the centre's own pool
    path("centre/experts/pool/", views.pool, name="pool"),
    path("centre/experts/pool/register/", views.pool_register, name="pool-register"),
    path("centre/experts/pool/changes/", views.pool_changes, name="pool-changes"),
    path("centre/experts/pool/changes/<uuid:change_uid>/review/", views.change_review, name="change-review"),
    path("centre/experts/pool/<uuid:expert_uid>/", views.pool_expert, name="pool-expert"),
    path("centre/experts/pool/<uuid:expert_uid>/status/", views.pool_status, name="pool-status"),
    # a request: its staff, supervisors and parties read it; each action is one role's
    path("experts/requests/<uuid:request_uid>/", views.request_detail, name="request"),
    path("experts/requests/<uuid:request_uid>/seed/", views.seed, name="seed"),
    path("experts/requests/<uuid:request_uid>/fix/", views.fix, name="fix"),
    path("experts/requests/<uuid:request_uid>/draw/", views.draw, name="draw"),
    path("experts/requests/<uuid:request_uid>/print/", views.roster_print, name="print"),
    path("experts/requests/<uuid:request_uid>/checkin/", views.checkin, name="checkin"),
    path(
        "experts/requests/<uuid:request_uid>/provincial/draw/", views.provincial_draw, name="provincial-draw"
    ),
    path(
        "experts/requests/<uuid:request_uid>/provincial/refresh/",
        views.provincial_refresh,
        name="provincial-refresh",
    ),
    path("experts/requests/<uuid:request_uid>/fees/<uuid:call_uid>/", views.fee, name="fee"),
    path("experts/requests/<uuid:request_uid>/members/", views.member, name="member"),
    path("experts/requests/<uuid:request_uid>/ratings/<uuid:call_uid>/", views.rate, name="rate"),
    # the initiator and its agent
    path("workspace/experts/", views.mine, name="mine"),
    path("workspace/experts/sections/<str:section_code>/request/", views.request_new, name="request-new"),
    # the expert
    path("workspace/expert/calls/", views.calls, name="calls"),
    path("workspace/expert/calls/<uuid:call_uid>/", views.answer, name="answer"),
    path("workspace/expert/calls/<uuid:call_uid>/declare/", views.declare, name="declare"),
    path("workspace/expert/profile/", views.profile, name="profile"),
    path("workspace/expert/profile/change/", views.profile_change, name="profile-change"),
    path("workspace/expert/profile/unavailable/", views.unavailable, name="unavailable"),
    # the security administrator
    path("workspace/experts/keepers/", views.keepers, name="keepers"),
    path("workspace/experts/keepers/appoint/", views.keeper_appoint, name="keeper-appoint"),
    path("workspace/experts/keepers/revoke/", views.keeper_revoke, name="keeper-revoke"),
]
