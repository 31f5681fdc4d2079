"""The official calendar (holidays and adjusted working days), centre closures, period rules, and
stored deadlines (so that a provisional one can be recomputed when the official year arrives)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarYear(models.Model):
    """A year whose official arrangement (国务院办公厅 notice) is loaded."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    source = models.CharField(_("source"), max_length=300, help_text=_("The notice it comes from"))
    loaded_at = models.DateTimeField(_("loaded at"))
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("official calendar year")
        verbose_name_plural = _("official calendar years")
        ordering = ("year",)

    def __str__(self) -> str:
        return str(self.year)


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Public holiday")
    WORKDAY = "workday", _("Adjusted working day")


class CalendarDay(models.Model):
    """An exception to "Monday to Friday": a holiday, or a weekend day worked instead (调休)."""

    year = models.ForeignKey(CalendarYear, on_delete=models.PROTECT, related_name="days")
    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=8, choices=DayKind.choices)
    name = models.CharField(_("name"), max_length=50)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ("date",)

    def __str__(self) -> str:
        return f"{self.date} {self.kind} {self.name}"


class Closure(models.Model):
    """A day a centre is closed although it is a working day (e.g. a power cut, a relocation)."""

    centre = models.CharField(_("centre"), max_length=32)
    date = models.DateField(_("date"))
    reason = models.CharField(_("reason"), max_length=200)
    created_at = models.DateTimeField(_("created at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("closure")
        verbose_name_plural = _("closures")
        constraints = [models.UniqueConstraint(fields=["centre", "date"], name="one_closure_per_centre_day")]

    def __str__(self) -> str:
        return f"{self.centre} {self.date}"


class Unit(models.TextChoices):
    CALENDAR_DAY = "calendar_day", _("calendar days")
    WORKING_DAY = "working_day", _("working days")
    HOUR = "hour", _("hours")


class DayEnd(models.TextChoices):
    MIDNIGHT = "midnight", _("at 24:00")
    CLOSE_OF_BUSINESS = "close", _("at the centre's closing time")


class Direction(models.TextChoices):
    AFTER = "after", _("after the anchor")
    BEFORE = "before", _("before the anchor")


class Bound(models.TextChoices):
    AT_LEAST = "at_least", _("at least")
    WITHIN = "within", _("within")


class Sector(models.TextChoices):
    GENERAL = "general", _("general")
    ENGINEERING = "engineering", _("engineering construction")
    PROCUREMENT = "procurement", _("government procurement")
    LAND = "land", _("land")
    STATE_ASSETS = "state_assets", _("state-owned property")


class PeriodRule(models.Model):
    """A counting rule as data (民法典 §201, §203), in both directions.

    Two events are related by the rule: the *anchor* (an event or instant named by `anchor`, re-read
    whenever it moves) and the *act* (named by `act`). `direction` says which comes first: "after"
    (the act follows the anchor: documents first issued → bid deadline) or "before" (the act precedes
    the anchor: a clarification before the bid deadline). `bound` says what the period is: "at least"
    (a floor: the later of the two events may not come before the period counted from the earlier
    one has run out) or "within" (a limit: the later event may not come after it). See
    `ggzy.calendar.calc` for the one counting convention."""

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    amount = models.PositiveIntegerField(_("amount"))
    unit = models.CharField(_("unit"), max_length=16, choices=Unit.choices)
    start_day_counts = models.BooleanField(
        _("the start day counts"), default=False, help_text=_("民法典 §201: it does not")
    )
    holiday_rollover = models.BooleanField(
        _("a last day on a holiday moves to the next working day"), default=True, help_text=_("民法典 §203")
    )
    day_end = models.CharField(
        _("the last day ends"), max_length=16, choices=DayEnd.choices, default=DayEnd.MIDNIGHT
    )
    sector = models.CharField(_("sector"), max_length=16, choices=Sector.choices, default=Sector.GENERAL)
    direction = models.CharField(
        _("direction"), max_length=8, choices=Direction.choices, default=Direction.AFTER
    )
    bound = models.CharField(_("bound"), max_length=8, choices=Bound.choices, default=Bound.WITHIN)
    anchor = models.CharField(
        _("anchor"), max_length=64, blank=True, default="", help_text=_("The event the rule refers to")
    )
    act = models.CharField(
        _("act"), max_length=64, blank=True, default="", help_text=_("The event the period bounds")
    )
    legal_basis = models.CharField(_("legal basis"), max_length=300)
    certainty = models.CharField(
        _("certainty"),
        max_length=16,
        choices=[("law", _("law")), ("practice", _("seen in practice")), ("verify", _("to verify"))],
    )

    class Meta:
        verbose_name = _("period rule")
        verbose_name_plural = _("period rules")
        ordering = ("code",)

    def __str__(self) -> str:
        return f"{self.code}: {self.amount} {self.unit}"


class LocalPeriodRule(models.Model):
    """A centre's longer period for a floor ("at least") rule: never shorter than the law's
    (`calendar.services.local_rule_set` refuses a shorter one)."""

    centre = models.CharField(_("centre"), max_length=32)
    rule = models.ForeignKey(PeriodRule, on_delete=models.PROTECT, related_name="local_rules")
    amount = models.PositiveIntegerField(_("amount"))
    unit = models.CharField(_("unit"), max_length=16, choices=Unit.choices)
    basis = models.CharField(_("local basis"), max_length=300)
    set_at = models.DateTimeField(_("set at"))
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("local period rule")
        verbose_name_plural = _("local period rules")
        constraints = [models.UniqueConstraint(fields=["centre", "rule"], name="one_local_rule_per_centre")]

    def __str__(self) -> str:
        return f"{self.centre} {self.rule.code}: {self.amount} {self.unit}"


class Deadline(models.Model):
    """A deadline computed by a rule from a start, kept so it can be recomputed and shown."""

    uid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    owner = models.CharField(_("owner"), max_length=100, help_text=_('e.g. "registry.registration:42"'))
    rule = models.ForeignKey(PeriodRule, on_delete=models.PROTECT, related_name="deadlines")
    centre = models.CharField(_("centre"), max_length=32, blank=True)
    start = models.DateTimeField(_("start"))
    due_at = models.DateTimeField(_("due at"))
    provisional = models.BooleanField(_("provisional"), default=False)
    earlier_allowed_by = models.CharField(
        _("approved exception"),
        max_length=200,
        blank=True,
        help_text=_("An approved, recorded exception allowing the deadline to move earlier"),
    )
    parties = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    passed_recorded = models.BooleanField(default=False, help_text=_("side effects of passing caught up"))

    class Meta:
        verbose_name = _("deadline")
        verbose_name_plural = _("deadlines")
        ordering = ("due_at",)
        indexes = [models.Index(fields=["provisional", "due_at"])]

    def __str__(self) -> str:
        return f"{self.owner} {self.rule.code} {self.due_at:%Y-%m-%d %H:%M}"
