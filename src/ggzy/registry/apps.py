from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "ggzy.registry"
    label = "registry"
    verbose_name = _("Project registration")

    def ready(self) -> None:
        from ggzy.registry import messages, tasks  # noqa: F401  (registers templates and tick jobs)
