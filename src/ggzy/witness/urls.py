from django.urls import path

from ggzy.witness import views

app_name = "witness"

urlpatterns = [path("witness/", views.witness_page, name="witness")]
