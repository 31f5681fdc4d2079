from django.urls import path

from ggzy.certs import views

app_name = "certs"

urlpatterns = [
    path("workspace/certificates/", views.my_certificates, name="mine"),
    path("manage/certificate-authorities/", views.ca_list, name="ca-list"),
    path("manage/certificate-authorities/add/", views.ca_add, name="ca-add"),
    path("manage/certificate-authorities/<uuid:ca_uid>/", views.ca_detail, name="ca-detail"),
    path("manage/certificate-authorities/<uuid:ca_uid>/enabled/", views.ca_enabled, name="ca-enabled"),
    path("manage/certificate-authorities/<uuid:ca_uid>/settings/", views.ca_settings, name="ca-settings"),
    path("manage/certificate-authorities/<uuid:ca_uid>/crl/", views.ca_crl_upload, name="ca-crl-upload"),
    path("manage/certificate-authorities/<uuid:ca_uid>/crl/fetch/", views.ca_crl_fetch, name="ca-crl-fetch"),
]
