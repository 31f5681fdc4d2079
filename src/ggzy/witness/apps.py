from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WitnessConfig(AppConfig):
    name = "ggzy.witness"
    label = "witness"
    verbose_name = _("Witness log")

    def ready(self) -> None:
        from ggzy.witness import tasks  # noqa: F401  (registers the integrator with the tick loop)
