from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpeningConfig(AppConfig):
    name = "ggzy.opening"
    label = "opening"
    verbose_name = _("Opening hall")

    def ready(self) -> None:
        from ggzy.opening import live, tasks  # noqa: F401  (registers the hall's live channel and tick jobs)
