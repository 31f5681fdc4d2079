from django.urls import path

from ggzy.sealing import views

app_name = "sealing"

urlpatterns = [
    path("workspace/bids/", views.mine, name="mine"),
    path("workspace/bids/<uuid:bid_uid>/withdraw/", views.withdraw, name="withdraw"),
]
