"""The published monthly trading information (standard 6.10.2 "通过电子服务系统定期向社会公开各类交易信息"):
one `DisclosureReport` per calendar month (Beijing time), computed once from the published notices and
stored as it was published — its rows, totals, the CSV file itself and the CSV's SM3. A report is
written once (`services.report_publish`) and never changed: what was published stays as published (the
database refuses an UPDATE, and on PostgreSQL a DELETE, by a trigger: migration 0001)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DisclosureReport(models.Model):
    """A month's published trading information. `month` is the month's first day (unique: one report a
    month). `rows`: one dict per trading category and region (city level), string and integer values
    only, money in fen (`selectors.FIGURE_KEYS`); `totals`: the same counts over every row. `csv` is the
    file as published (UTF-8 with BOM), `csv_sm3` the SM3 (hex) of exactly those bytes."""

    month = models.DateField(_("month"), unique=True)
    rows = models.JSONField(_("rows"), default=list)
    totals = models.JSONField(_("totals"), default=dict)
    csv = models.BinaryField(_("CSV file"), editable=False)
    csv_sm3 = models.CharField(_("SM3 of the CSV file"), max_length=64)
    published_at = models.DateTimeField(_("published at"))
    #: Who published it by hand; none for the tick job (and the demo).
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("disclosure report")
        verbose_name_plural = _("disclosure reports")
        ordering = ("-month",)

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"
