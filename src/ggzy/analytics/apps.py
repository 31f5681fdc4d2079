from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "ggzy.analytics"
    label = "analytics"
    verbose_name = _("Statistics and disclosure")

    def ready(self) -> None:
        from django.core import checks

        from ggzy.analytics import tasks  # registers the tick job `analytics.disclosure_publish`

        checks.register(tasks.disclosure_day_check)
