from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "ggzy.notices"
    label = "notices"
    verbose_name = _("Notices")

    def ready(self) -> None:
        from ggzy.core import tick
        from ggzy.events import embargo
        from ggzy.notices import messages  # noqa: F401  (registers the notification templates)
        from ggzy.notices.tasks import published_catch_up

        tick.register("notices.record_published", published_catch_up)

        #: Before its instant nothing may show or let anyone infer a scheduled notice (docs/notices.md §3).
        embargo.register(
            embargo.EmbargoKind(
                "notice.publication",
                "notices.Notice",
                "reference",
                "publish_at",
                "until the notice's chosen publication instant",
            )
        )
