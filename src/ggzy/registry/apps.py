from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "ggzy.registry"
    label = "registry"
    verbose_name = _("Project registration")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from ggzy.registry import messages, tasks  # noqa: F401  (registers templates and tick jobs)
        from ggzy.registry.seed import seed_after_migrate

        post_migrate.connect(seed_after_migrate, sender=self, dispatch_uid="ggzy.registry.seed")
