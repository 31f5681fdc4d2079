from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "ggzy.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from ggzy.core import (
            checks,  # noqa: F401  (registers the access check)
            live,
            tick,
        )

        tick.register("core.live_prune", live.live_prune)

        # Every platform key exists from installation on: a key made on first use would tell,
        # by appearing, that something was encrypted or signed.
        post_migrate.connect(keys_ensure_after_migrate, sender=self, dispatch_uid="ggzy.core.keys")


def keys_ensure_after_migrate(sender: AppConfig, using: str = "default", **kwargs: object) -> None:
    from ggzy.core.keystore import keys_ensure

    keys_ensure(using=using)
