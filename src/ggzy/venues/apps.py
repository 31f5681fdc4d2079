from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VenuesConfig(AppConfig):
    name = "ggzy.venues"
    label = "venues"
    verbose_name = _("Venues and facilities")

    def ready(self) -> None:
        from ggzy.venues import (
            messages,  # noqa: F401  (registers the notification template)
            tasks,  # noqa: F401  (registers the tick job)
        )
