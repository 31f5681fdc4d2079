from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RandomnessConfig(AppConfig):
    name = "ggzy.randomness"
    label = "randomness"
    verbose_name = _("Verifiable randomness")

    def ready(self) -> None:
        from ggzy.randomness import messages  # noqa: F401  (registers the notification template)
