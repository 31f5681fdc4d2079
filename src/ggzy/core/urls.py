from django.urls import path

from ggzy.core import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("workspace/", views.workspace, name="workspace"),
    path("workspace/access/", views.access_endpoints, name="access-endpoints"),
    *(
        path(f"workspace/{role.value}/", view, name=f"workspace-{role.value}")
        for role, view in views.WORKSPACE_VIEWS.items()
    ),
]
