from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExpertsConfig(AppConfig):
    name = "ggzy.experts"
    label = "experts"
    verbose_name = _("Evaluation experts")

    def ready(self) -> None:
        from ggzy.events import embargo
        from ggzy.experts import (
            messages,  # noqa: F401  (registers the notification template)
            tasks,  # noqa: F401  (registers the tick jobs)
        )

        embargo.register(
            embargo.EmbargoKind(
                "experts.evaluation",
                "experts.DrawRequest",
                "ref",
                "evaluation_at",
                "an expert draw's calls and answers: until the evaluation it is for begins",
            )
        )
