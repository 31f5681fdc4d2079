"""django.contrib.admin's app config with the platform's site (ggzy.core.admin_site), in a module
of its own: app configs are imported before the models are ready."""

from django.contrib.admin.apps import AdminConfig


class GgzyAdminConfig(AdminConfig):
    default_site = "ggzy.core.admin_site.GgzyAdminSite"
