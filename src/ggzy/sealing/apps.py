from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SealingConfig(AppConfig):
    name = "ggzy.sealing"
    label = "sealing"
    verbose_name = _("Sealed bids")

    def ready(self) -> None:
        from ggzy.core import tick
        from ggzy.events import embargo
        from ggzy.sealing import checks, messages  # noqa: F401  (start-up checks, message templates)
        from ggzy.sealing.services import custodians_watch

        tick.register("sealing.watch_custodians", custodians_watch)
        tick.register("sealing.clean_uploads", _clean_uploads)

        #: Before a section's opening nothing may reveal who bid: every sealing event is embargoed on it.
        embargo.register(
            embargo.EmbargoKind(
                "section.opening",
                "sealing.BidWindow",
                "section_code",
                "opening_at",
                "until the section's bids are opened",
            )
        )


def _clean_uploads() -> int:
    """The tick job: expired bid uploads and their bytes removed (`sealing.uploads.uploads_clean`)."""
    from ggzy.sealing.uploads import uploads_clean

    return uploads_clean()
