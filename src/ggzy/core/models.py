"""The shared kernel's tables: platform keys, each wrapped (SM4-GCM) under the master key."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Purpose(models.TextChoices):
    WITNESS_SIGNING = "witness_signing", _("Witness log signing (SM2)")
    WEBHOOK = "webhook", _("Webhook signatures (HMAC-SM3)")
    FIELD_ENCRYPTION = "field_encryption", _("Encrypted fields (SM4-GCM)")
    FIELD_LOOKUP = "field_lookup", _("Search hashes of encrypted fields (HMAC-SM3)")
    BID_OPENING = "bid_opening", _("Receiving custodians' key shares at openings (SM2)")
    DEADLINE_NOTICE = "deadline_notice", _("Signing bid deadline and opening notices for custodians (SM2)")
    BID_RECEIPT = "bid_receipt", _("Signing receipts of sealed bids (SM2)")
    SECURITY_REQUEST = "security_request", _("Signing requests to banks and guarantee issuers (SM2)")
    EXPERT_ROSTER = "expert_roster", _("Signing expert rosters for the evaluation area (SM2)")
    EXPERT_POOL = "expert_pool", _("Signing requests to the provincial expert pool (SM2)")
    EXPERT_POOL_LIST = "expert_pool_list", _("Reading the lists the provincial expert pool encrypts (SM2)")


class Algorithm(models.TextChoices):
    SM2 = "sm2", "SM2"
    SM4 = "sm4", "SM4"
    HMAC_SM3 = "hmac-sm3", "HMAC-SM3"


class PlatformKey(models.Model):
    purpose = models.CharField(_("purpose"), max_length=32, choices=Purpose.choices)
    key_id = models.CharField(_("key id"), max_length=16, unique=True)
    algorithm = models.CharField(_("algorithm"), max_length=16, choices=Algorithm.choices)
    public_key = models.CharField(_("public key"), max_length=130, blank=True)
    wrapped_secret = models.BinaryField(_("wrapped secret"))
    master_key_id = models.CharField(_("master key id"), max_length=16)
    created_at = models.DateTimeField(_("created at"))
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)

    class Meta:
        verbose_name = _("platform key")
        verbose_name_plural = _("platform keys")
        ordering = ("purpose", "-created_at")
        constraints = [
            models.UniqueConstraint(
                fields=["purpose"],
                condition=models.Q(retired_at__isnull=True),
                name="one_active_key_per_purpose",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.purpose}:{self.key_id}"


class SandboxAnchor(models.Model):
    """The sandbox clock of the whole instance: one row (see ggzy.core.clock)."""

    real_at = models.DateTimeField(_("real time at the anchor"))
    virtual_at = models.DateTimeField(_("sandbox time at the anchor"))
    speed = models.PositiveIntegerField(_("speed"), default=1, help_text=_("sandbox seconds per real second"))

    class Meta:
        verbose_name = _("sandbox clock")
        verbose_name_plural = _("sandbox clock")

    def __str__(self) -> str:
        return f"sandbox ×{self.speed} from {self.virtual_at:%Y-%m-%d %H:%M}"


class SearchEntry(models.Model):
    """One searchable object of any app, tokenised for Chinese (see ggzy.core.search, docs/search.md).

    `tokens` is what the database's full-text index reads: on SQLite the FTS5 table
    `core_searchentry_fts`, kept in sync by triggers; on PostgreSQL a GIN index on
    `to_tsvector('simple', tokens)`. Written only through `ggzy.core.search.index` / `remove`.
    """

    kind = models.CharField(_("kind"), max_length=64)
    object_id = models.CharField(_("object id"), max_length=64)
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("text"), blank=True)
    tokens = models.TextField(_("search tokens"), blank=True)
    visibility = models.CharField(_("visibility"), max_length=32, default="public")
    centre = models.CharField(_("centre"), max_length=64, blank=True)
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("search entry")
        verbose_name_plural = _("search entries")
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="search_entry_unique_object"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.object_id}"


class LiveMessage(models.Model):
    """One message published to a live channel (see ggzy.core.live): its id is the SSE event id a
    reconnecting client resumes from. Kept a day (the tick job `core.live_prune`)."""

    id = models.BigAutoField(primary_key=True)
    channel = models.CharField(_("channel"), max_length=200)
    kind = models.CharField(_("kind"), max_length=64)
    data = models.JSONField(_("data"), default=dict)
    created_at = models.DateTimeField(_("created at"), db_index=True)

    class Meta:
        verbose_name = _("live message")
        verbose_name_plural = _("live messages")
        indexes = [models.Index(fields=["channel", "id"], name="live_channel_id")]

    def __str__(self) -> str:
        return f"{self.channel}#{self.id} {self.kind}"
