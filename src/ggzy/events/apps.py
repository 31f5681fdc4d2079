from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "ggzy.events"
    label = "events"
    verbose_name = _("Events and notifications")

    def ready(self) -> None:
        from ggzy.events import catalogue, checks, security  # noqa: F401  (registers checks and auth receivers)

        catalogue.autodiscover()  # every app's event_types.py: the catalogue the recorder checks
        from ggzy.events import tasks  # noqa: F401  (registers the tick job recovering deliveries)
