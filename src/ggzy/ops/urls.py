from django.urls import path

from ggzy.ops import views

app_name = "ops"

urlpatterns = [
    path("workspace/keys/", views.key_list, name="keys"),
    path("workspace/keys/<slug:purpose>/rotate/", views.key_rotate, name="key-rotate"),
]
