from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo data: sits above every app (it drives their services), never imported by them."""

    name = "ggzy.demo"
    label = "demo"
    verbose_name = _("Demo data")
