"""The market-entity library's pages: the bidder's own library, an organisation's public page, the
supervisor's reading of any library."""

from django.urls import URLPattern, URLResolver, path

from ggzy.entities import views

app_name = "entities"

urlpatterns: list[URLPattern | URLResolver] = [
    path("workspace/library/", views.library, name="library"),
    path("workspace/library/add/<slug:kind>/", views.item_add, name="add"),
    path("workspace/library/licence/", views.licence_intake, name="licence-intake"),
    path("workspace/library/snapshot/", views.snapshot, name="snapshot"),
    path("workspace/library/organisations/", views.organisations, name="organisations"),
    path(
        "workspace/library/organisations/<uuid:organisation_uid>/",
        views.organisation_library,
        name="organisation-library",
    ),
    path("workspace/library/<uuid:item_uid>/", views.item_detail, name="item"),
    path("workspace/library/<uuid:item_uid>/edit/", views.item_edit, name="edit"),
    path("workspace/library/<uuid:item_uid>/verify/", views.item_verify, name="verify"),
    path("workspace/library/<uuid:item_uid>/retire/", views.item_retire, name="retire"),
    path("workspace/library/<uuid:item_uid>/files/<slug:sm3>/", views.item_file, name="file"),
    path("organisations/<uuid:organisation_uid>/", views.organisation_public, name="organisation"),
]
