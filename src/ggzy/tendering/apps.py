from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TenderingConfig(AppConfig):
    name = "ggzy.tendering"
    label = "tendering"
    verbose_name = _("Tendering procedures and documents")

    def ready(self) -> None:
        from ggzy.core import tick
        from ggzy.sealing import admission
        from ggzy.tendering import messages  # noqa: F401  (registers the notification templates)
        from ggzy.tendering.parties import bid_admission
        from ggzy.tendering.preparation import remind_parties  # (registers its system check too)
        from ggzy.tendering.preparation_messages import OPENING_REMINDER  # noqa: F401  (its template)

        tick.register("tendering.remind_parties", remind_parties)
        admission.register("tendering", bid_admission)  # who may bid: those who obtained the documents
