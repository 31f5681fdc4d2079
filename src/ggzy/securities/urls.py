"""The security pages (docs/guide/responder.md "投标保证金与电子保函", docs/guide/finance.md)."""

from django.urls import path

from ggzy.securities import views

app_name = "securities"

urlpatterns = [
    # the bidder's
    path("workspace/securities/", views.mine, name="mine"),
    path(
        "workspace/securities/guarantees/<uuid:guarantee_uid>/refresh/",
        views.guarantee_refresh,
        name="guarantee-refresh",
    ),
    path(
        "workspace/securities/guarantees/<uuid:guarantee_uid>/document/",
        views.guarantee_document,
        name="guarantee-document",
    ),
    path("workspace/securities/<str:section_code>/", views.bidder_section, name="bidder-section"),
    path(
        "workspace/securities/<str:section_code>/sub-account/",
        views.sub_account_open,
        name="sub-account-open",
    ),
    path(
        "workspace/securities/<str:section_code>/guarantees/apply/",
        views.guarantee_apply,
        name="guarantee-apply",
    ),
    path(
        "workspace/securities/<str:section_code>/guarantees/upload/",
        views.guarantee_upload,
        name="guarantee-upload",
    ),
    # the centre's finance staff
    path("centre/securities/", views.centre, name="centre"),
    path("centre/securities/reconcile/", views.reconcile, name="reconcile"),
    # after a section's opening: staff, supervisors, the initiator and its agent
    path("centre/securities/sections/", views.sections, name="sections"),
    path("centre/securities/sections/<str:section_code>/", views.section, name="section"),
    path(
        "centre/securities/sections/<str:section_code>/refunds/",
        views.refund_trigger,
        name="refund-trigger",
    ),
    path(
        "centre/securities/sections/<str:section_code>/refunds/order/",
        views.refund_order,
        name="refund-order",
    ),
    path("centre/securities/sections/<str:section_code>/forfeit/", views.forfeit, name="forfeit"),
    path(
        "centre/securities/sections/<str:section_code>/claim/", views.guarantee_claim, name="guarantee-claim"
    ),
]
