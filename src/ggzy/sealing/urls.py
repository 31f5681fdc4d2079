from django.urls import path

from ggzy.sealing import uploads, views

app_name = "sealing"

urlpatterns = [
    path("workspace/bids/", views.mine, name="mine"),
    path("workspace/bids/<uuid:bid_uid>/withdraw/", views.withdraw, name="withdraw"),
    *uploads.urlpatterns,  # /api/v1/sealing/uploads/: tus 1.0, plain views (docs/submission.md)
]
