"""Bid security and performance security (投标保证金、履约保证金; standard 11.2.6, docs/securities.md).

A security is given per section and organisation, for a purpose (a bid, or the contract's performance), in
one of two ways the documents allow: a **deposit** paid into a virtual sub-account the bank opened for that
section and organisation (`SubAccount`, its credits `Credit`, known to the platform only from the bank's
signed notifications and its signed day statements, `Statement`), or an **electronic guarantee**
(`Guarantee`) from any issuer whose certificate chains to a trusted root. Refunds (`Refund`) go back through
the bank; a forfeiture (`Forfeiture`) or a claim on a guarantee is recorded with its legal basis. The §40
payer flags (`Flag`) are computed once per section at its deadline (`FlagRun`) and read by evaluation and
analytics. Money is whole fen (integers) everywhere; payer names and account numbers are encrypted."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ggzy.core.fields import EncryptedField, Kind, LookupHashField


class Purpose(models.TextChoices):
    BID = "bid", _("Bid security")
    PERFORMANCE = "performance", _("Performance security")


class SubAccount(models.Model):
    """The virtual sub-account (子账户) a bank opened for one organisation's security on one section: the
    bank's signed answer kept as it came (`answer`)."""

    uid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    purpose = models.CharField(_("purpose"), max_length=16, choices=Purpose.choices, default=Purpose.BID)
    section = models.ForeignKey("registry.Section", on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    bank = models.CharField(_("bank"), max_length=64)  # its code in the bank trust file
    number = models.CharField(_("sub-account number"), max_length=32)
    required_fen = models.PositiveBigIntegerField(_("amount required (fen)"))
    deadline = models.DateTimeField(_("to arrive before"))
    opened_at = models.DateTimeField(_("opened at"))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answer = models.JSONField(_("the bank's signed answer"), default=dict)

    class Meta:
        verbose_name = _("sub-account")
        verbose_name_plural = _("sub-accounts")
        constraints = [
            models.UniqueConstraint(
                fields=["purpose", "section", "organisation"], name="one_sub_account_per_security"
            ),
            models.UniqueConstraint(fields=["bank", "number"], name="sub_account_number_unique"),
        ]

    def __str__(self) -> str:
        return self.number


class CreditSource(models.TextChoices):
    NOTIFICATION = "notification", _("the bank's signed notification")
    STATEMENT = "statement", _("the bank's signed statement")


class Credit(models.Model):
    """A transfer into a sub-account, booked by the bank at `instant` (its clock): counted only from a
    signed notification or a final signed statement (`source`, `evidence`). Once per bank transaction; a
    notification's sequence once per bank (a replay changes nothing). `late` when it arrived at or after
    the deadline: it does not count towards the security."""

    uid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    sub_account = models.ForeignKey(SubAccount, on_delete=models.PROTECT, related_name="credits")
    bank = models.CharField(_("bank"), max_length=64)
    transaction = models.CharField(_("bank transaction"), max_length=40)
    sequence = models.PositiveBigIntegerField(_("notification sequence"), null=True, blank=True)
    amount_fen = models.PositiveBigIntegerField(_("amount (fen)"))
    payer_name = EncryptedField(_("payer name"), kind=Kind.CONTACT)
    payer_account = EncryptedField(_("payer account"), kind=Kind.BANK_ACCOUNT)
    payer_account_lookup = LookupHashField(source="payer_account")
    instant = models.DateTimeField(_("booked at"))
    late = models.BooleanField(_("after the deadline"), default=False)
    source = models.CharField(_("source"), max_length=16, choices=CreditSource.choices)
    evidence = models.JSONField(_("signed evidence"), default=dict)
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("credit")
        verbose_name_plural = _("credits")
        ordering = ("instant", "id")
        constraints = [
            models.UniqueConstraint(fields=["bank", "transaction"], name="credit_once_per_transaction"),
            models.UniqueConstraint(
                fields=["bank", "sequence"],
                condition=models.Q(sequence__isnull=False),
                name="credit_once_per_sequence",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bank} {self.transaction}"


class Statement(models.Model):
    """A bank's final day statement (signed, kept as it came, with its SM3) and what reconciling it found:
    `mismatches` a list of {"kind", "transaction" | "refund", "detail"} (empty: the day agrees)."""

    uid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    bank = models.CharField(_("bank"), max_length=64)
    date = models.DateField(_("business day"))
    document = models.JSONField(_("the signed statement"))
    sm3 = models.CharField(_("SM3"), max_length=64)
    mismatches = models.JSONField(_("mismatches"), default=list)
    reconciled_at = models.DateTimeField(_("reconciled at"))

    class Meta:
        verbose_name = _("bank statement")
        verbose_name_plural = _("bank statements")
        ordering = ("-date", "bank")
        constraints = [models.UniqueConstraint(fields=["bank", "date"], name="one_statement_per_bank_day")]

    def __str__(self) -> str:
        return f"{self.bank} {self.date}"


class GuaranteeState(models.TextChoices):
    APPLIED = "applied", _("Applied")
    UNDER_REVIEW = "under_review", _("Under review by the issuer")
    AWAITING_PAYMENT = "awaiting_payment", _("Approved, premium to pay")
    ISSUED = "issued", _("Issued and checked")
    REJECTED = "rejected", _("Rejected by the issuer")
    REFUSED = "refused", _("Refused by the platform's check")
    CLAIMED = "claimed", _("Claimed")


class Guarantee(models.Model):
    """An electronic guarantee (电子保函) for one organisation's security on one section, from the issuer it
    chose (`issuer_code` in the guarantee trust file; none is designated). The application's flow is the
    issuer's; once issued the guarantee is checked (`ggzy_sm.guarantees.guarantee_check` against the
    trusted roots, then the section, beneficiary, amount and cover) and kept: the signed body (`body`,
    `signature`, `certificate`) and the document, stored by its SM3 (`document_sm3`, a `registry.Blob`)."""

    uid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    purpose = models.CharField(_("purpose"), max_length=16, choices=Purpose.choices, default=Purpose.BID)
    section = models.ForeignKey("registry.Section", on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    issuer_code = models.CharField(_("issuer"), max_length=64)
    issuer_kind = models.CharField(_("issuer kind"), max_length=16)  # bank, insurer, guarantor
    issuer_name = models.CharField(_("issuer name"), max_length=200)
    application = models.CharField(_("application id"), max_length=64, unique=True)
    state = models.CharField(_("state"), max_length=20, choices=GuaranteeState.choices)
    amount_fen = models.PositiveBigIntegerField(_("amount (fen)"))
    cover_from = models.DateField(_("cover from"))
    cover_until = models.DateField(_("cover until"))
    premium_fen = models.PositiveBigIntegerField(_("premium (fen)"), null=True, blank=True)
    number = models.CharField(_("guarantee number"), max_length=64, blank=True)
    body = models.JSONField(_("signed body"), default=dict, blank=True)
    signature = models.CharField(_("signature"), max_length=128, blank=True)
    certificate = models.TextField(_("issuing certificate (base64 DER)"), blank=True)
    document_sm3 = models.CharField(_("document SM3"), max_length=64, blank=True)
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    history = models.JSONField(_("the issuer's history"), default=list, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)  # a rejection's or refusal's
    applied_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    applied_at = models.DateTimeField(_("applied at"))
    updated_at = models.DateTimeField(_("updated at"))
    claim = models.JSONField(_("the issuer's answer to the claim"), default=dict, blank=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("electronic guarantee")
        verbose_name_plural = _("electronic guarantees")
        ordering = ("-applied_at",)
        constraints = [
            models.UniqueConstraint(
                fields=["issuer_code", "number"],
                condition=~models.Q(number=""),
                name="guarantee_number_once_per_issuer",
            ),
        ]

    def __str__(self) -> str:
        return self.number or self.application


class RefundTrigger(models.TextChoices):
    """Why a security is due back, each with its period rule (calendar) and article."""

    CONTRACT_SIGNED = "contract_signed", _("The contract was signed")  # 实施条例 §57; 政府采购法实施条例 §33
    AWARD_NOTICE = (
        "award_notice",
        _("The award notice was sent (a bidder not awarded)"),
    )  # 政府采购法实施条例 §33
    WITHDRAWN = "withdrawn", _("The bid was withdrawn before the deadline")  # 实施条例 §35; 87号令 §38
    TERMINATED = "terminated", _("The tender was terminated")  # 实施条例 §31
    PERFORMED = "performed", _("The contract was performed")  # performance security


class RefundState(models.TextChoices):
    DUE = "due", _("Due, not yet ordered")
    ORDERED = "ordered", _("Ordered from the bank")
    PAID = "paid", _("Paid by the bank")
    REFUSED = "refused", _("Refused by the bank")


class Refund(models.Model):
    """A deposit going back: the principal, the interest the regime owes (engineering: the bank's deposit
    interest, computed here and by the bank — the two must agree to the fen; procurement on time: none) and,
    when late under procurement rules, the overdue charge the purchaser owes (`late_charge_fen`, paid
    outside the sub-account). `refund_id` is the id the bank decides once."""

    uid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    refund_id = models.CharField(_("refund id"), max_length=64, unique=True)
    sub_account = models.ForeignKey(SubAccount, on_delete=models.PROTECT, related_name="refunds")
    trigger = models.CharField(_("trigger"), max_length=20, choices=RefundTrigger.choices)
    basis = models.CharField(_("legal basis"), max_length=200)
    triggered_at = models.DateTimeField(_("triggered at"))
    due_by = models.DateTimeField(_("due by"))
    principal_fen = models.PositiveBigIntegerField(_("principal (fen)"))
    interest_fen = models.PositiveBigIntegerField(_("interest (fen)"), default=0)
    bank_interest_fen = models.PositiveBigIntegerField(_("interest by the bank (fen)"), null=True, blank=True)
    late_charge_fen = models.PositiveBigIntegerField(_("overdue charge (fen)"), default=0)
    to_name = EncryptedField(_("payee name"), kind=Kind.CONTACT)
    to_account = EncryptedField(_("payee account"), kind=Kind.BANK_ACCOUNT)
    state = models.CharField(_("state"), max_length=12, choices=RefundState.choices, default=RefundState.DUE)
    transaction = models.CharField(_("bank transaction"), max_length=40, blank=True)
    answer = models.JSONField(_("the bank's signed answer"), default=dict, blank=True)
    tries = models.PositiveIntegerField(_("tries"), default=0)
    next_try_at = models.DateTimeField(_("next try at"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    reconciled_on = models.DateField(_("reconciled on"), null=True, blank=True)
    overdue_alerted_at = models.DateTimeField(_("overdue alerted at"), null=True, blank=True)
    ordered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        ordering = ("due_by", "id")
        constraints = [
            models.UniqueConstraint(
                fields=["sub_account"],
                condition=~models.Q(state="refused"),
                name="one_standing_refund_per_sub_account",
            ),
        ]

    def __str__(self) -> str:
        return self.refund_id


class ForfeitureReason(models.TextChoices):
    WITHDRAWN_AFTER_DEADLINE = "withdrawn_after_deadline", _("Withdrew the bid after the deadline")
    REFUSED_CONTRACT = "refused_contract", _("Refused to sign the contract or to give performance security")
    BREACH = "breach", _("Did not perform the contract")


class Forfeiture(models.Model):
    """A security kept (不予退还) or a guarantee claimed: only where the law and the documents say, with the
    basis recorded. One per security (a sub-account or a guarantee)."""

    uid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    sub_account = models.OneToOneField(
        SubAccount, null=True, blank=True, on_delete=models.PROTECT, related_name="forfeiture"
    )
    guarantee = models.OneToOneField(
        Guarantee, null=True, blank=True, on_delete=models.PROTECT, related_name="forfeiture"
    )
    reason = models.CharField(_("reason"), max_length=32, choices=ForfeitureReason.choices)
    basis = models.CharField(_("legal basis"), max_length=300)
    documents_clause = models.CharField(_("clause of the documents"), max_length=300)
    amount_fen = models.PositiveBigIntegerField(_("amount (fen)"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("forfeiture")
        verbose_name_plural = _("forfeitures")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(sub_account__isnull=False) ^ models.Q(guarantee__isnull=False),
                name="forfeiture_of_one_security",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reason} {self.recorded_at:%Y-%m-%d}"


class FlagKind(models.TextChoices):
    SAME_PAYER_ACCOUNT = "same_payer_account", _("Paid from the same account as another bidder")  # §40(五)
    PAYER_NOT_BIDDER = "payer_not_bidder", _("Paid by someone other than the bidder")
    NOT_BASIC_ACCOUNT = "not_basic_account", _("Not paid from the bidder's basic account")  # §26


class FlagRun(models.Model):
    """The one computation of a section's payer flags, at its deadline: evaluation and analytics read the
    flags it stored and never compute them again."""

    section = models.OneToOneField("registry.Section", on_delete=models.PROTECT, related_name="+")
    computed_at = models.DateTimeField(_("computed at"))
    deposits = models.PositiveIntegerField(_("deposits looked at"), default=0)

    class Meta:
        verbose_name = _("payer flag computation")
        verbose_name_plural = _("payer flag computations")

    def __str__(self) -> str:
        return f"{self.section_id} {self.computed_at:%Y-%m-%d %H:%M}"


class Flag(models.Model):
    """A payer flag for the evaluation committee and the supervisors (never shown to bidders): its kind, the
    organisations concerned and the evidence (the credits' transactions; account numbers masked)."""

    uid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    run = models.ForeignKey(FlagRun, on_delete=models.PROTECT, related_name="flags")
    section = models.ForeignKey("registry.Section", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=24, choices=FlagKind.choices)
    organisations = models.ManyToManyField("accounts.Organisation", related_name="+")
    basis = models.CharField(_("legal basis"), max_length=200)
    evidence = models.JSONField(_("evidence"), default=dict)

    class Meta:
        verbose_name = _("payer flag")
        verbose_name_plural = _("payer flags")
        ordering = ("kind", "id")

    def __str__(self) -> str:
        return self.kind


class PerformanceSecurity(models.Model):
    """The performance security (履约保证金) the initiator demands of the awarded bidder before the contract:
    at most the method's cap of the contract amount (实施条例 §58, 政府采购法实施条例 §48), in the forms the
    documents allow; then given and refunded as a bid security is (`purpose=performance`)."""

    uid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    section = models.ForeignKey("registry.Section", on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    contract_fen = models.PositiveBigIntegerField(_("contract amount (fen)"))
    amount_fen = models.PositiveBigIntegerField(_("amount (fen)"))
    forms = models.JSONField(_("forms accepted"), default=list)
    due_at = models.DateTimeField(_("to be given before"))
    cover_until = models.DateField(_("cover until"))
    demanded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    demanded_at = models.DateTimeField(_("demanded at"))

    class Meta:
        verbose_name = _("performance security")
        verbose_name_plural = _("performance securities")
        constraints = [
            models.UniqueConstraint(fields=["section", "organisation"], name="one_performance_security"),
        ]

    def __str__(self) -> str:
        return f"{self.section_id} {self.organisation_id}"
