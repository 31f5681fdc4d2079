from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SecuritiesConfig(AppConfig):
    name = "ggzy.securities"
    label = "securities"
    verbose_name = _("Bid and performance security")

    def ready(self) -> None:
        from ggzy.securities import messages, tasks  # noqa: F401  (registers the templates and tick jobs)
