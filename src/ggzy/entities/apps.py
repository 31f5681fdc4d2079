from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EntitiesConfig(AppConfig):
    name = "ggzy.entities"
    label = "entities"
    verbose_name = _("Market-entity library")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from ggzy.core import tick
        from ggzy.entities import messages  # noqa: F401  (registers the notification templates)
        from ggzy.entities.seed import seed_after_migrate
        from ggzy.entities.tasks import remind_expiring

        tick.register("entities.remind_expiring", remind_expiring)
        post_migrate.connect(seed_after_migrate, sender=self, dispatch_uid="ggzy.entities.seed")
