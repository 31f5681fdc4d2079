from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TenderingConfig(AppConfig):
    name = "ggzy.tendering"
    label = "tendering"
    verbose_name = _("Tendering procedures and documents")

    def ready(self) -> None:
        from ggzy.tendering import messages  # noqa: F401  (registers the notification templates)
