"""Certificate authorities the centre accepts (several at once: 全省CA互认, 8.1.3), their revocation
lists, and the certificates bound to users: a signing and an encryption certificate each."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import URLValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class CertificateAuthority(models.Model):
    uid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("name"), max_length=100, unique=True)
    root = models.BinaryField(_("root certificate (DER)"))
    intermediates = models.JSONField(_("intermediate certificates (DER, hex)"), default=list)
    is_test = models.BooleanField(_("test CA"), default=False, help_text=_("Only for demonstrations"))
    enabled = models.BooleanField(_("enabled"), default=True)
    added_at = models.DateTimeField(_("added at"))
    crl_url = models.URLField(
        _("CRL distribution point"),
        max_length=500,
        blank=True,
        validators=[URLValidator(schemes=["http", "https"])],
        help_text=_("Where the revocation list is fetched from each day (http or https)."),
    )
    policy = models.TextField(
        _("certificate policy"),
        blank=True,
        help_text=_("The certificate policy (OID and note) the centre accepts from this CA."),
    )
    #: The last attempt to fetch the CRL from `crl_url` (successful or not) and why it failed, if it did.
    crl_fetched_at = models.DateTimeField(_("CRL last fetched"), null=True, blank=True)
    crl_fetch_error = models.CharField(_("CRL fetch error"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("certificate authority")
        verbose_name_plural = _("certificate authorities")

    def __str__(self) -> str:
        return self.name


class RevocationList(models.Model):
    ca = models.ForeignKey(CertificateAuthority, on_delete=models.CASCADE, related_name="crls")
    der = models.BinaryField()
    imported_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"CRL of {self.ca} {self.imported_at:%Y-%m-%d}"


class CertUsage(models.TextChoices):
    SIGNING = "signing", _("Signing certificate")
    ENCRYPTION = "encryption", _("Encryption certificate")


class BoundCertificate(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="certificates")
    ca = models.ForeignKey(CertificateAuthority, on_delete=models.PROTECT, related_name="+")
    usage = models.CharField(_("use"), max_length=16, choices=CertUsage.choices)
    der = models.BinaryField()
    serial = models.CharField(_("serial number"), max_length=64)
    holder_id = models.CharField(_("holder"), max_length=64)  # X.520 serialNumber: up to 64
    public_key = models.CharField(max_length=130)
    not_after = models.DateTimeField(_("valid until"))
    bound_at = models.DateTimeField(_("bound at"))
    unbound_at = models.DateTimeField(null=True, blank=True)
    #: The expiry warning (30, 7 or 1 days) last given, so each is given once even if a tick was missed.
    warned_days = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("bound certificate")
        verbose_name_plural = _("bound certificates")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "usage"],
                condition=models.Q(unbound_at__isnull=True),
                name="one_active_certificate_per_use",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.usage} {self.serial}"


class LoginChallenge(models.Model):
    """A one-time challenge for signature login (purpose ggzy-login-v1), valid for two minutes."""

    nonce = models.CharField(max_length=64, unique=True)
    #: None for a name that has no account: the challenge looks and is stored the same, and fails only
    #: at the signature, as a wrong signature does (no answer tells which accounts exist).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    origin = models.CharField(max_length=200)
    issued_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.nonce
