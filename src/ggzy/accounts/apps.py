from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "ggzy.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.db.models.signals import pre_save

        from ggzy.accounts import checks, messages  # noqa: F401  (start-up checks, message templates)

        pre_save.connect(_no_superuser, sender=get_user_model(), dispatch_uid="ggzy.accounts.no_superuser")


def _no_superuser(sender: object, instance: object, **kwargs: object) -> None:
    """No account is saved as a superuser (`ggzy createsuperuser` fails here): 三员分立."""
    if getattr(instance, "is_superuser", False):
        raise ValueError("the platform has no superusers: `ggzy bootstrap` makes the three administrators")
