from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from ggzy.core.errors import ErrorCodeBase


class CertsError(ErrorCodeBase):
    NOT_A_CA = "ca_certificate_invalid", 422, _("This is not a valid CA certificate.")
    CERTIFICATE_REFUSED = "certificate_refused", 422, _("The certificate was refused.")
    SUBJECT_MISMATCH = (
        "certificate_subject_mismatch",
        422,
        _("The certificate belongs to someone else: its credit code or ID number is not yours."),
    )
    TEST_CA_IN_PRODUCTION = (
        "test_ca_in_production",
        409,
        _("A test CA cannot be used on a production installation."),
    )
    REAL_CA_IN_SANDBOX = "real_ca_in_sandbox", 409, _("A real CA cannot be used in the sandbox.")
    CA_NAME_TAKEN = "ca_name_taken", 409, _("A CA of this name is configured already.")
    CRL_URL_INVALID = (
        "crl_url_invalid",
        422,
        _("The CRL distribution point must be an http or https address."),
    )
    CA_CHAIN_INVALID = (
        "ca_chain_invalid",
        422,
        _("The intermediate certificates do not chain to the root certificate."),
    )
    CRL_FETCH_FAILED = "crl_fetch_failed", 502, _("The revocation list could not be fetched.")


#: What each refusal reason (DomainError detail "reason") means, for pages and messages.
REASONS: dict[str, Promise] = {
    "untrusted_root": _("It does not chain to an enabled CA the centre accepts."),
    "broken_chain": _("Its chain of CA certificates is broken."),
    "signature": _("A signature in its chain does not verify."),
    "expired": _("It, or a CA certificate of its chain, has expired."),
    "not_yet_valid": _("It, or a CA certificate of its chain, is not valid yet."),
    "key_usage": _("It is not for this use: a signing certificate cannot encrypt, nor the reverse."),
    "revoked": _("It is revoked by its CA's revocation list."),
    "malformed": _("It is not a readable SM2 certificate."),
    "subject_mismatch": _("Its credit code or ID number is not yours."),
    "url": _("The address is not an http or https address."),
    "network": _("The server could not be reached or answered with an error."),
    "too_large": _("The file is too large."),
    "critical_extension": _(
        "It, or a CA certificate of its chain, has a critical extension the platform does not know."
    ),
    "issuer_not_ca": _("A certificate in its chain issues others without being marked as a CA."),
    "issuer_key_usage": _("A CA certificate of its chain may not sign certificates (keyCertSign missing)."),
    "path_length": _("Its chain is longer than a CA certificate of it allows (pathLenConstraint)."),
    "crl_invalid": _(
        "A revocation list of its CA is not valid (signature, algorithm or form): its status is unknown."
    ),
    "crl_stale": _("The newest revocation list of its CA has expired: fetch a current one."),
}


def reason_text(reason: str) -> str:
    """The refusal reason in words (the code itself if it has none)."""
    return str(REASONS.get(reason, reason))
