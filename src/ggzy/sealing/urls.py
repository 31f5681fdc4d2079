from django.urls import path

from ggzy.sealing import receipt_views, uploads, views

app_name = "sealing"

urlpatterns = [
    path("workspace/bids/", views.mine, name="mine"),
    path("workspace/bids/submit/", views.submit, name="submit"),
    path("workspace/bids/<uuid:bid_uid>/withdraw/", views.withdraw, name="withdraw"),
    path("workspace/bids/<uuid:bid_uid>/receipt.pdf", views.receipt_pdf, name="receipt_pdf"),
    path("receipts/verify/", receipt_views.receipt_verify, name="receipt_verify"),
    *uploads.urlpatterns,  # /api/v1/sealing/uploads/: tus 1.0, plain views (docs/submission.md)
]
