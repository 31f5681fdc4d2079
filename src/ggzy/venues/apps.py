from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VenuesConfig(AppConfig):
    name = "ggzy.venues"
    label = "venues"
    verbose_name = _("Venues and facilities")

    def ready(self) -> None:
        from ggzy.opening import selectors as opening_selectors
        from ggzy.tendering import preparation
        from ggzy.venues import (
            messages,  # noqa: F401  (registers the notification template)
            selectors,
            tasks,  # noqa: F401  (registers the tick job)
        )

        # the rooms booked for a section, on the centre's preparation page (tendering sits below venues)
        if selectors.rooms_for_sections not in preparation.ROOM_PROVIDERS:
            preparation.ROOM_PROVIDERS.append(selectors.rooms_for_sections)
        # the recordings of an opening, in its hall (opening sits below venues too)
        if selectors.opening_recordings not in opening_selectors.RECORDING_PROVIDERS:
            opening_selectors.RECORDING_PROVIDERS.append(selectors.opening_recordings)
