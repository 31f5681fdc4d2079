from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertsConfig(AppConfig):
    name = "ggzy.certs"
    label = "certs"
    verbose_name = _("CA certificates")

    def ready(self) -> None:
        from ggzy.certs import checks, messages, tasks  # noqa: F401  (checks, templates, tick jobs)
