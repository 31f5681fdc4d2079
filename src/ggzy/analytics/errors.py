"""The analytics app's error codes (docs/architecture.md §5)."""

from django.utils.translation import gettext_lazy as _

from ggzy.core.errors import ErrorCodeBase


class AnalyticsError(ErrorCodeBase):
    REPORT_PUBLISHED = (
        "disclosure_report_published",
        409,
        _("The trading information of this month is published already; a published report never changes."),
    )
    MONTH_NOT_OVER = (
        "disclosure_month_not_over",
        409,
        _("The month is not over yet: its trading information is published after its end."),
    )
