from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VenuesConfig(AppConfig):
    name = "ggzy.venues"
    label = "venues"
    verbose_name = _("Venues and facilities")

    def ready(self) -> None:
        from ggzy.events import selectors as event_selectors
        from ggzy.opening import selectors as opening_selectors
        from ggzy.tendering import preparation
        from ggzy.venues import (
            messages,  # noqa: F401  (registers the notification template)
            selectors,
            tasks,  # noqa: F401  (registers the tick job)
        )

        # the rooms booked for a section, on the centre's preparation page (tendering sits below venues)
        preparation.ROOMS.provide(selectors.rooms_for_sections)
        # the recordings of an opening, in its hall, and of an event's moment, in the event log (opening
        # and events sit below venues too)
        opening_selectors.RECORDINGS.provide(selectors.opening_recordings)
        event_selectors.RECORDINGS.provide(selectors.event_recordings)
