from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.i18n import set_language

from ggzy.api import api

admin.site.site_header = _("ggzy back office")
admin.site.site_title = _("ggzy back office")
admin.site.index_title = _("Administration")

urlpatterns = [
    path("", include("ggzy.core.urls")),
    path("", include("ggzy.accounts.urls")),
    path("", include("ggzy.events.urls")),
    path("", include("ggzy.ops.urls")),
    path("", include("ggzy.calendar.urls")),
    path("", include("ggzy.witness.urls")),
    path("", include("ggzy.randomness.urls")),
    path("", include("ggzy.opening.urls")),
    path("", include("ggzy.certs.urls")),
    path("", include("ggzy.registry.urls")),
    path("", include("ggzy.sealing.urls")),
    path("", include("ggzy.service.urls")),
    path("", include("ggzy.notices.urls")),
    path("", include("ggzy.tendering.urls")),
    path("", include("ggzy.analytics.urls")),
    path("", include("ggzy.entities.urls")),
    path("", include("ggzy.securities.urls")),
    path("", include("ggzy.experts.urls")),
    path("", include("ggzy.venues.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/setlang/", set_language, name="set_language"),
]

handler400 = "ggzy.core.views.handler400"
handler403 = "ggzy.core.views.handler403"
handler404 = "ggzy.core.views.handler404"
handler500 = "ggzy.core.views.handler500"
