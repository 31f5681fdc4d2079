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
