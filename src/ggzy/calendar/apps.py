from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CalendarConfig(AppConfig):
    name = "ggzy.calendar"
    label = "calendar"
    verbose_name = _("Official calendar and deadlines")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from ggzy.calendar import messages, tasks  # noqa: F401  (registers templates and tick jobs)
        from ggzy.calendar.seed import seed_after_migrate

        post_migrate.connect(seed_after_migrate, sender=self, dispatch_uid="ggzy.calendar.seed")
