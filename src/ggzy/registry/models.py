"""Project registration (项目登记, standard 6.2 and 12.1): trading categories a centre serves, versioned
checklists of required documents, projects → tender projects → sections with their codes, the
registration itself with its items (容缺 promises included), one-time return notices, the responsible
person and deputy, and staff leave. Files are stored once by their SM3 (`Blob`)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TradingCategory(models.Model):
    """A trading category (工程建设, 政府采购 …). `letter` opens the 17-character project code."""

    code = models.SlugField(_("code"), max_length=32, primary_key=True)
    name = models.CharField(_("name"), max_length=50)
    letter = models.CharField(_("code letter"), max_length=1, unique=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    routed_to = models.CharField(
        _("traded on"),
        max_length=200,
        blank=True,
        help_text=_("Registered here but traded on another platform (e.g. the provincial medicine platform)"),
    )
    external_codes = models.JSONField(
        _("codes from outside"),
        default=list,
        help_text=_("Which outside codes a project of this category carries"),
    )

    class Meta:
        verbose_name = _("trading category")
        verbose_name_plural = _("trading categories")
        ordering = ("order",)

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        """The category's name in the user's language (the stored name is the Chinese one)."""
        from ggzy.core.context_processors import TRADING_CATEGORIES

        return str(dict(TRADING_CATEGORIES).get(self.code, self.name))


class CentreCategory(models.Model):
    """A category a centre serves, what it tells an initiator after acceptance (6.2.4), and the
    projects that must enter the platform (应进必进, 12.1.5)."""

    centre = models.ForeignKey("accounts.Centre", on_delete=models.PROTECT, related_name="categories")
    category = models.ForeignKey(TradingCategory, on_delete=models.PROTECT, related_name="+")
    enabled = models.BooleanField(_("served"), default=True)
    next_steps = models.TextField(_("what to watch out for next"), blank=True)
    must_enter = models.TextField(_("projects that must enter (应进必进)"), blank=True)

    class Meta:
        verbose_name = _("category served")
        verbose_name_plural = _("categories served")
        constraints = [
            models.UniqueConstraint(fields=["centre", "category"], name="one_row_per_centre_category")
        ]

    def __str__(self) -> str:
        return f"{self.centre} {self.category}"


class ResultFlow(models.TextChoices):
    """How a method's result is made public: engineering publicises the winning candidates first
    (招标投标法实施条例 §54), procurement announces the result (政府采购法实施条例 §43)."""

    CANDIDATES_PUBLICITY = "candidates_publicity", _("Publicity of the winning candidates, then the award")
    RESULT_ANNOUNCEMENT = "result_announcement", _("Announcement of the result")


class SecurityBase(models.TextChoices):
    """What a bid security's cap is a share of."""

    ESTIMATE = "estimate", _("the estimated price of the tender project")
    BUDGET = "budget", _("the budget of the procurement project")


class EvaluationMethod(models.TextChoices):
    """The evaluation methods a method's row may allow (`TradingMethod.evaluation_methods`)."""

    COMPREHENSIVE = "comprehensive", _("Comprehensive evaluation (scoring)")
    LOWEST_EVALUATED = "lowest_evaluated", _("Lowest evaluated bid price")
    REASONABLE_LOWEST = "reasonable_lowest", _("Reasonable lowest price")
    LOWEST_PRICE = "lowest_price", _("Lowest price")
    NEGOTIATED = "negotiated", _("Price agreed with the one supplier")
    HIGHEST_PRICE = "highest_price", _("Highest price wins")


class TradingMethod(models.Model):
    """A trading method (公开招标, 邀请招标, 竞争性谈判, 拍卖 …) as a row of the method table (standard
    6.5.1, 8.1.1): the flags and values every later step reads (`registry.methods.rules_of`), each with
    its legal source in `sources` (field name → text; "待核" where the article was not read). A new
    method is a new row, not code. Values are the law's; the seed (`registry.seed.METHOD_RULES`) fills
    them."""

    code = models.SlugField(_("code"), max_length=32, primary_key=True)
    name = models.CharField(_("name"), max_length=50)
    category = models.ForeignKey(TradingCategory, on_delete=models.PROTECT, related_name="methods")
    prequalification = models.BooleanField(_("prequalification allowed"), default=False)
    invited_only = models.BooleanField(_("only the invited may obtain the documents and bid"), default=False)
    min_invited = models.PositiveSmallIntegerField(_("minimum number invited"), default=0)
    two_envelopes = models.BooleanField(_("two envelopes allowed"), default=False)
    quote_rounds = models.PositiveSmallIntegerField(
        _("further rounds of quotes"),
        default=0,
        help_text=_("0: the first price is final; N: up to N further quotes, the last one final"),
    )
    min_bidders = models.PositiveSmallIntegerField(_("minimum number of bidders"), default=1)
    same_brand_counts_once = models.BooleanField(_("bidders of one brand count once"), default=False)
    public_opening = models.BooleanField(_("public opening"), default=False)
    committee_min = models.PositiveSmallIntegerField(
        _("minimum committee size"), default=0, help_text=_("0: the method has no evaluation committee")
    )
    committee_min_large = models.PositiveSmallIntegerField(
        _("minimum committee size for a large project"), default=0
    )
    large_threshold_fen = models.BigIntegerField(
        _("large project from (fen)"),
        null=True,
        blank=True,
        help_text=_("Amount at or above which the larger committee is needed"),
    )
    committee_odd = models.BooleanField(_("odd number of committee members"), default=False)
    experts_share_num = models.PositiveSmallIntegerField(_("experts' share, numerator"), default=0)
    experts_share_den = models.PositiveSmallIntegerField(_("experts' share, denominator"), default=1)
    evaluation_methods = models.JSONField(_("evaluation methods allowed"), default=list, blank=True)
    price_weight_floor_goods_pct = models.PositiveSmallIntegerField(
        _("lowest price weight for goods (%)"), null=True, blank=True
    )
    price_weight_ceiling_goods_pct = models.PositiveSmallIntegerField(
        _("highest price weight for goods (%)"), null=True, blank=True
    )
    price_weight_floor_services_pct = models.PositiveSmallIntegerField(
        _("lowest price weight for services (%)"), null=True, blank=True
    )
    price_weight_ceiling_services_pct = models.PositiveSmallIntegerField(
        _("highest price weight for services (%)"), null=True, blank=True
    )
    sme_deduction_min_pct = models.PositiveSmallIntegerField(
        _("lowest price deduction for small and micro enterprises (%)"), null=True, blank=True
    )
    sme_deduction_max_pct = models.PositiveSmallIntegerField(
        _("highest price deduction for small and micro enterprises (%)"), null=True, blank=True
    )
    result_flow = models.CharField(
        _("how the result is published"),
        max_length=24,
        choices=ResultFlow.choices,
        default=ResultFlow.RESULT_ANNOUNCEMENT,
    )
    bid_security_cap_permille = models.PositiveSmallIntegerField(
        _("bid security cap (‰)"),
        null=True,
        blank=True,
        help_text=_("Empty: the method takes no bid security"),
    )
    bid_security_base = models.CharField(
        _("bid security cap of"), max_length=12, choices=SecurityBase.choices, blank=True
    )
    bid_security_cash_allowed = models.BooleanField(_("bid security in cash allowed"), default=True)
    performance_security_cap_pct = models.PositiveSmallIntegerField(
        _("performance security cap (percent of the contract)"),
        null=True,
        blank=True,
        help_text=_("Empty: the method takes no performance security"),
    )
    performance_security_cash_allowed = models.BooleanField(
        _("performance security in cash allowed"), default=True
    )
    sources = models.JSONField(
        _("legal sources"),
        default=dict,
        blank=True,
        help_text=_("Field name → the article it comes from; 待核 where the article was not read"),
    )

    class Meta:
        verbose_name = _("trading method")
        verbose_name_plural = _("trading methods")
        ordering = ("category", "name")  # 公开招标 first
        constraints = [
            models.CheckConstraint(condition=models.Q(min_bidders__gte=1), name="method_min_bidders"),
            models.CheckConstraint(
                condition=models.Q(invited_only=False) | models.Q(min_invited__gte=1),
                name="method_invited_need_a_number",
            ),
            models.CheckConstraint(
                condition=models.Q(experts_share_den__gte=1)
                & models.Q(experts_share_num__lte=models.F("experts_share_den")),
                name="method_experts_share_a_fraction",
            ),
            models.CheckConstraint(
                condition=(models.Q(large_threshold_fen__isnull=True) & models.Q(committee_min_large=0))
                | (
                    models.Q(large_threshold_fen__isnull=False)
                    & models.Q(large_threshold_fen__gt=0)
                    & models.Q(committee_min_large__gte=models.F("committee_min"))
                ),
                name="method_large_committee_with_threshold",
            ),
            models.CheckConstraint(
                condition=models.Q(price_weight_floor_goods_pct__isnull=True)
                | models.Q(price_weight_floor_goods_pct__lte=100),
                name="method_goods_floor_pct",
            ),
            models.CheckConstraint(
                condition=models.Q(price_weight_floor_services_pct__isnull=True)
                | models.Q(price_weight_floor_services_pct__lte=100),
                name="method_services_floor_pct",
            ),
            models.CheckConstraint(
                condition=models.Q(price_weight_ceiling_goods_pct__isnull=True)
                | (
                    models.Q(price_weight_ceiling_goods_pct__lte=100)
                    & (
                        models.Q(price_weight_floor_goods_pct__isnull=True)
                        | models.Q(
                            price_weight_ceiling_goods_pct__gte=models.F("price_weight_floor_goods_pct")
                        )
                    )
                ),
                name="method_goods_ceiling_pct",
            ),
            models.CheckConstraint(
                condition=models.Q(price_weight_ceiling_services_pct__isnull=True)
                | (
                    models.Q(price_weight_ceiling_services_pct__lte=100)
                    & (
                        models.Q(price_weight_floor_services_pct__isnull=True)
                        | models.Q(
                            price_weight_ceiling_services_pct__gte=models.F("price_weight_floor_services_pct")
                        )
                    )
                ),
                name="method_services_ceiling_pct",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(sme_deduction_min_pct__isnull=True)
                    & models.Q(sme_deduction_max_pct__isnull=True)
                )
                | (
                    models.Q(sme_deduction_min_pct__isnull=False)
                    & models.Q(sme_deduction_max_pct__isnull=False)
                    & models.Q(sme_deduction_max_pct__lte=100)
                    & models.Q(sme_deduction_min_pct__lte=models.F("sme_deduction_max_pct"))
                ),
                name="method_sme_deduction_range",
            ),
            models.CheckConstraint(
                condition=(models.Q(bid_security_cap_permille__isnull=True) & models.Q(bid_security_base=""))
                | (
                    models.Q(bid_security_cap_permille__isnull=False)
                    & models.Q(bid_security_cap_permille__gte=1)
                    & models.Q(bid_security_cap_permille__lte=1000)
                    & models.Q(bid_security_base__in=SecurityBase.values)
                ),
                name="method_bid_security_cap_and_base",
            ),
            models.CheckConstraint(
                condition=models.Q(performance_security_cap_pct__isnull=True)
                | (
                    models.Q(performance_security_cap_pct__gte=1)
                    & models.Q(performance_security_cap_pct__lte=100)
                ),
                name="method_performance_security_cap",
            ),
            models.CheckConstraint(
                condition=models.Q(result_flow__in=ResultFlow.values), name="method_result_flow_known"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Blob(models.Model):
    """A file stored once, named by its SM3 (the same upload twice is one blob)."""

    sm3 = models.CharField(max_length=64, primary_key=True)
    size = models.PositiveBigIntegerField(_("size"))
    media_type = models.CharField(_("type"), max_length=100)
    created_at = models.DateTimeField(_("stored at"))

    class Meta:
        verbose_name = _("stored file")
        verbose_name_plural = _("stored files")

    def __str__(self) -> str:
        return self.sm3


class Checklist(models.Model):
    """The documents a category's registration needs, in a version (a registration keeps its version).

    The platform's versions (no centre; version 1 is the seed) apply everywhere; a centre's own version,
    made by its staff from the one in force there (number + 1), applies at that centre. A version is
    never edited: a change is a new version."""

    category = models.ForeignKey(TradingCategory, on_delete=models.PROTECT, related_name="checklists")
    centre = models.ForeignKey(
        "accounts.Centre",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty: the platform's version, in force at every centre without its own"),
    )
    version = models.PositiveSmallIntegerField(_("version"))
    published_at = models.DateTimeField(_("published at"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    basis = models.CharField(_("basis"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("checklist")
        verbose_name_plural = _("checklists")
        constraints = [
            models.UniqueConstraint(
                fields=["category", "version"],
                condition=models.Q(centre__isnull=True),
                name="one_checklist_version",
            ),
            models.UniqueConstraint(
                fields=["category", "centre", "version"],
                condition=models.Q(centre__isnull=False),
                name="one_centre_checklist_version",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category} v{self.version}"


class Need(models.TextChoices):
    MANDATORY = "mandatory", _("Required")
    OPTIONAL = "optional", _("Optional")
    CONDITIONAL = "conditional", _("Required if it applies")


class ChecklistItem(models.Model):
    checklist = models.ForeignKey(Checklist, on_delete=models.PROTECT, related_name="items")
    key = models.SlugField(_("key"), max_length=64)
    name = models.CharField(_("name"), max_length=200)
    need = models.CharField(_("need"), max_length=16, choices=Need.choices)
    condition = models.CharField(_("applies when"), max_length=200, blank=True)
    may_defer = models.BooleanField(
        _("may be supplied later (容缺)"), default=False, help_text=_("Accepted on a written promise")
    )
    needed_before = models.CharField(
        _("needed before"), max_length=32, blank=True, help_text=_("The step that cannot pass without it")
    )
    media_types = models.JSONField(_("accepted types"), default=list)
    max_bytes = models.PositiveBigIntegerField(_("largest size"), default=50 * 1024 * 1024)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        ordering = ("checklist", "order")
        constraints = [models.UniqueConstraint(fields=["checklist", "key"], name="one_item_per_key")]

    def __str__(self) -> str:
        return self.name


class Project(models.Model):
    """项目: the platform's 17-character code, and the outside codes it carries (stored, validated)."""

    code = models.CharField(_("project code"), max_length=17, unique=True)
    name = models.CharField(_("project name"), max_length=200)
    category = models.ForeignKey(TradingCategory, on_delete=models.PROTECT, related_name="+")
    centre = models.ForeignKey("accounts.Centre", on_delete=models.PROTECT, related_name="+")
    region = models.CharField(_("region"), max_length=6)
    initiator = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    agent = models.ForeignKey(
        "accounts.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    investment_code = models.CharField(_("investment project code"), max_length=24, blank=True)
    approval_number = models.CharField(_("approval or filing number"), max_length=100, blank=True)
    procurement_plan = models.CharField(_("procurement plan number"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class TenderProject(models.Model):
    """招标项目 / 采购项目 / 出让项目: project code + 3 digits."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="tender_projects")
    code = models.CharField(_("tender project code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        verbose_name = _("tender project")
        verbose_name_plural = _("tender projects")
        ordering = ("code",)

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class PriceForm(models.TextChoices):
    AMOUNT = "amount", _("Amount")
    RATE = "rate", _("Rate (费率)")
    DISCOUNT = "discount", _("Discount (下浮率)")


class Section(models.Model):
    """标段 / 包: tender-project code + 3 digits (`001` when not split). Money in fen."""

    tender_project = models.ForeignKey(TenderProject, on_delete=models.PROTECT, related_name="sections")
    code = models.CharField(_("section code"), max_length=23, unique=True)
    name = models.CharField(_("name"), max_length=200)
    budget_fen = models.PositiveBigIntegerField(_("budget or ceiling price (fen)"))
    price_form = models.CharField(_("price form"), max_length=16, choices=PriceForm.choices)
    method = models.ForeignKey(TradingMethod, on_delete=models.PROTECT, related_name="+")
    centre = models.ForeignKey("accounts.Centre", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("section")
        verbose_name_plural = _("sections")
        ordering = ("code",)

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class State(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted, under review")
    RETURNED = "returned", _("Returned for completion")
    ACCEPTED = "accepted", _("Accepted")
    ROUTED = "routed", _("Registered, traded on another platform")


class RegistrationChannel(models.TextChoices):
    """How a registration was filed: online by a party, or entered by staff for a walk-in."""

    ONLINE = "online", _("Online")
    ON_SITE = "on_site", _("On site (entered by staff)")


class Registration(models.Model):
    """项目登记: one per project; keeps the checklist version it was filed under."""

    uid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    project = models.OneToOneField(Project, on_delete=models.PROTECT, related_name="registration")
    checklist = models.ForeignKey(Checklist, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(_("state"), max_length=16, choices=State.choices)
    channel = models.CharField(_("channel"), max_length=16, choices=RegistrationChannel.choices)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    entrustment = models.ForeignKey(
        "accounts.Entrustment", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted at"))
    #: When the file became complete (or was accepted with 容缺 items): the 2-working-day clock starts.
    complete_at = models.DateTimeField(_("complete at"), null=True, blank=True)
    deadline = models.ForeignKey(
        "calendar.Deadline", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    deputy = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")

    def __str__(self) -> str:
        return f"{self.project.code} {self.get_state_display()}"


class Item(models.Model):
    """What the registration holds for one checklist item: a file, or a 容缺 promise with a due date."""

    registration = models.ForeignKey(Registration, on_delete=models.PROTECT, related_name="items")
    checklist_item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="+")
    blob = models.ForeignKey(Blob, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    not_applicable = models.BooleanField(_("does not apply"), default=False)
    promise = models.CharField(_("written promise"), max_length=500, blank=True)
    promised_by = models.DateField(_("to be supplied by"), null=True, blank=True)
    supplied_at = models.DateTimeField(_("supplied at"), null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("registration item")
        verbose_name_plural = _("registration items")
        constraints = [
            models.UniqueConstraint(fields=["registration", "checklist_item"], name="one_entry_per_item")
        ]

    def __str__(self) -> str:
        return f"{self.registration_id} {self.checklist_item.key}"


class ReturnNotice(models.Model):
    """一次性告知: every missing or faulty item at once. Its lines keep the state each item was in."""

    registration = models.ForeignKey(Registration, on_delete=models.PROTECT, related_name="returns")
    number = models.PositiveSmallIntegerField(_("number"))
    issued_at = models.DateTimeField(_("issued at"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    #: Every item's state when the first notice was given: {key: sm3 or ""} (only on number 1).
    snapshot = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("one-time notice")
        verbose_name_plural = _("one-time notices")
        constraints = [models.UniqueConstraint(fields=["registration", "number"], name="one_notice_number")]

    def __str__(self) -> str:
        return f"{self.registration_id} #{self.number}"


class ReturnLine(models.Model):
    notice = models.ForeignKey(ReturnNotice, on_delete=models.PROTECT, related_name="lines")
    checklist_item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("what is missing or wrong"), max_length=500)

    class Meta:
        verbose_name = _("notice line")
        verbose_name_plural = _("notice lines")

    def __str__(self) -> str:
        return self.reason


class Leave(models.Model):
    """A staff member's leave: the deputy (AB角) handles their registrations meanwhile (12.1.2)."""

    uid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    covered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("covered by"),
        help_text=_("The colleague who covers their other work (a staff member of the same centre)"),
    )
    recorded_at = models.DateTimeField()

    class Meta:
        verbose_name = _("leave")
        verbose_name_plural = _("leave")
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")), name="leave_period")
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.starts_at:%Y-%m-%d}–{self.ends_at:%Y-%m-%d}"


class DeskHead(models.Model):
    """The head of a centre's service desk (服务责任人) and the deputy (AB角): what is overdue escalates to
    the head, or to the deputy while the head is on leave (`registry.escalation.desk_head`)."""

    centre = models.OneToOneField("accounts.Centre", on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    deputy = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("deputy (AB角)"),
    )

    class Meta:
        verbose_name = _("head of the service desk")
        verbose_name_plural = _("heads of the service desk")

    def __str__(self) -> str:
        return f"{self.centre}: {self.user}"


class Template(models.Model):
    """A standard document template offered on request (6.2.6) — never an approval of documents.

    One row per version: a new version is a new row naming the one it replaces (`previous`); the
    version offered is the one neither replaced nor withdrawn. A centre's staff keep their centre's
    templates; one without a centre is the platform's (kept in the back office)."""

    uid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    centre = models.ForeignKey(
        "accounts.Centre", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    category = models.ForeignKey(TradingCategory, on_delete=models.PROTECT, related_name="templates")
    name = models.CharField(_("name"), max_length=200)
    blob = models.ForeignKey(Blob, on_delete=models.PROTECT, related_name="+")
    file_name = models.CharField(_("file name"), max_length=200)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    previous = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="next_version"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    class Meta:
        verbose_name = _("document template")
        verbose_name_plural = _("document templates")

    def __str__(self) -> str:
        return self.name


class CodeCounter(models.Model):
    """The last sequence number issued under a code prefix (locked while a code is issued)."""

    prefix = models.CharField(max_length=20, primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.prefix}:{self.last}"


class PauseBasis(models.TextChoices):
    """Why a procedure is paused (standard 6.5.8, 6.5.9); every pause names one, with its text."""

    OBJECTION = "objection", _("An objection awaiting its answer (招标投标法实施条例 §22, §54)")
    CHALLENGE = "challenge", _("A challenge that may affect the result (政府采购法实施条例 §54)")
    SUPERVISOR_ORDER = "supervisor_order", _("The supervising department's order (政府采购法 §57)")
    PLATFORM_FAULT = "platform_fault", _("A fault of the platform (standard 6.5.9)")
    FORCE_MAJEURE = "force_majeure", _("Force majeure (standard 6.5.9)")
    OTHER = "other", _("Another reason the initiator gives")
    TERMINATION = "termination", _("The procedure is terminated (招标投标法实施条例 §31)")


class PauseStep(models.TextChoices):
    """The steps of a procedure a pause refuses (the services of each step ask `pause_check`)."""

    OPENING = "opening", _("opening")
    EVALUATION = "evaluation", _("evaluation")
    AWARD = "award", _("award")
    CONTRACT = "contract", _("contract signing")


class PauseState(models.TextChoices):
    ACTIVE = "active", _("In force")
    RESUMED = "resumed", _("Resumed")
    TERMINATED = "terminated", _("Terminated")


class Pause(models.Model):
    """A pause of a tender project's procedure, or of some of its sections (`sections` empty: all):
    while `active`, each step in `steps` is refused (`selectors.pause_check`). A termination is a pause
    that never ends (state `terminated`). Written by `registry.services.pauses` only."""

    uid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    tender_project = models.ForeignKey(
        TenderProject, on_delete=models.PROTECT, related_name="pauses", verbose_name=_("tender project")
    )
    sections = models.ManyToManyField(Section, blank=True, related_name="pauses")
    basis = models.CharField(_("basis"), max_length=20, choices=PauseBasis.choices)
    reason = models.TextField(_("reason"))
    #: What caused it, e.g. "notices.objection:<uid>" (an objection's pause ends with its answer).
    cause = models.CharField(_("cause"), max_length=100, blank=True, db_index=True)
    steps = models.JSONField(_("steps refused"), default=list)
    state = models.CharField(_("state"), max_length=12, choices=PauseState.choices, default=PauseState.ACTIVE)
    started_at = models.DateTimeField(_("paused at"))
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    #: The latest end a supervisor's order allows (政府采购法 §57: at most 30 days); empty otherwise.
    until = models.DateTimeField(_("at the latest until"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    end_reason = models.TextField(_("why it ended"), blank=True)

    class Meta:
        verbose_name = _("pause of a procedure")
        verbose_name_plural = _("pauses of procedures")
        ordering = ("-started_at",)

    def __str__(self) -> str:
        return f"{self.tender_project.code} {self.basis} {self.state}"
