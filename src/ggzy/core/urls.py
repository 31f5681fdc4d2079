from django.urls import path

from ggzy.core import live_views, views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("workspace/", views.workspace, name="workspace"),
    path("workspace/access/", views.access_endpoints, name="access-endpoints"),
    path("live/<str:channel>/", live_views.live_stream, name="live"),
    *(
        path(f"workspace/{role.value}/", view, name=f"workspace-{role.value}")
        for role, view in views.WORKSPACE_VIEWS.items()
    ),
]
