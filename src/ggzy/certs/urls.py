from django.urls import path

from ggzy.certs import views

app_name = "certs"

urlpatterns = [path("workspace/certificates/", views.my_certificates, name="mine")]
