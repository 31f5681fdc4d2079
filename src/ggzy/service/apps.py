from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceConfig(AppConfig):
    name = "ggzy.service"
    label = "service"
    verbose_name = _("Consultation and service quality")

    def ready(self) -> None:
        from ggzy.service import messages, tasks  # noqa: F401  (registers templates and tick jobs)
