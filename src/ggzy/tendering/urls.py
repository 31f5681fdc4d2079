"""The tendering pages; one block per seam, appended."""

from django.urls import URLPattern, URLResolver

app_name = "tendering"

urlpatterns: list[URLPattern | URLResolver] = []

# --- preparing the trade (6.5.1) ---
from django.urls import path  # noqa: E402

from ggzy.tendering.views import preparation as preparation_views  # noqa: E402

urlpatterns += [
    path("workspace/tendering/preparation/", preparation_views.preparation_page, name="preparation"),
]

# --- the tender documents' pages (6.5.1, 11.2.6, 11.2.7) ---
from ggzy.tendering.views import documents as documents_views  # noqa: E402

urlpatterns += [
    path("workspace/tendering/documents/", documents_views.documents, name="documents"),
    path(
        "workspace/tendering/documents/<uuid:documents_uid>/",
        documents_views.documents_detail,
        name="documents-detail",
    ),
    path(
        "workspace/tendering/documents/<uuid:documents_uid>/edit/",
        documents_views.documents_edit,
        name="documents-edit",
    ),
    path(
        "workspace/tendering/documents/<uuid:documents_uid>/issue/",
        documents_views.documents_issue,
        name="documents-issue",
    ),
    path(
        "workspace/tendering/documents/<uuid:documents_uid>/files/",
        documents_views.documents_file_add,
        name="documents-file-add",
    ),
    path(
        "workspace/tendering/documents/<uuid:documents_uid>/files/<uuid:file_uid>/remove/",
        documents_views.documents_file_remove,
        name="documents-file-remove",
    ),
    path(
        "workspace/tendering/documents/<uuid:documents_uid>/clarify/",
        documents_views.documents_clarify,
        name="documents-clarify",
    ),
    path("tendering/documents/", documents_views.obtainable, name="obtainable"),
    path(
        "tendering/documents/<uuid:documents_uid>/",
        documents_views.obtainable_detail,
        name="obtainable-detail",
    ),
    path("tendering/documents/<uuid:documents_uid>/obtain/", documents_views.documents_obtain, name="obtain"),
    path("tendering/documents/<uuid:documents_uid>/ask/", documents_views.documents_ask, name="ask"),
    path(
        "tendering/documents/<uuid:documents_uid>/files/<uuid:file_uid>/",
        documents_views.documents_file,
        name="documents-file",
    ),
]
