"""The event types `certs` records: accepted CAs, revocation lists, bound certificates, signature
sign-in, the centre's seal."""

from __future__ import annotations

from django.utils.translation import pgettext_lazy

from ggzy.events.catalogue import EventType, EventTypes, Scopes
from ggzy.events.states import EventClass, Visibility

SECURITY, AUDIT = EventClass.SECURITY, Visibility.AUDIT


class CertsEvents(EventTypes, app="certs"):
    CA_ADDED = EventType(
        "certs.ca.added",
        SECURITY,
        AUDIT,
        Scopes.PLATFORM,
        "A CA was added to those accepted.",
        title=pgettext_lazy("event", "CA added"),
    )
    CA_UPDATED = EventType(
        "certs.ca.updated",
        SECURITY,
        AUDIT,
        Scopes.PLATFORM,
        "A CA's revocation-list address or policy changed.",
        title=pgettext_lazy("event", "CA settings changed"),
    )
    CA_ENABLED = EventType(
        "certs.ca.enabled",
        SECURITY,
        AUDIT,
        Scopes.PLATFORM,
        "A CA was enabled.",
        title=pgettext_lazy("event", "CA enabled"),
    )
    CA_DISABLED = EventType(
        "certs.ca.disabled",
        SECURITY,
        AUDIT,
        Scopes.PLATFORM,
        "A CA was disabled: its certificates are refused.",
        title=pgettext_lazy("event", "CA disabled"),
    )
    CRL_IMPORTED = EventType(
        "certs.crl.imported",
        SECURITY,
        AUDIT,
        Scopes.PLATFORM,
        "A CA's revocation list was imported.",
        title=pgettext_lazy("event", "Revocation list imported"),
    )
    CRL_FETCH_FAILED = EventType(
        "certs.crl.fetch_failed",
        SECURITY,
        AUDIT,
        Scopes.PLATFORM,
        "Fetching a CA's revocation list failed.",
        title=pgettext_lazy("event", "Revocation list fetch failed"),
    )
    CERTIFICATE_BOUND = EventType(
        "certs.certificate.bound",
        SECURITY,
        AUDIT,
        Scopes.ACCOUNT,
        "A certificate was bound to a user.",
        title=pgettext_lazy("event", "Certificate bound"),
    )
    CERTIFICATE_REFUSED = EventType(
        "certs.certificate.refused",
        SECURITY,
        AUDIT,
        Scopes.ACCOUNT,
        "A certificate was refused at binding.",
        title=pgettext_lazy("event", "Certificate refused"),
    )
    DOCUMENT_SEALED = EventType(
        "certs.document.sealed",
        SECURITY,
        AUDIT,
        Scopes.PLATFORM,
        "The platform's one electronic seal (the operating centre's) was put on a document.",
        title=pgettext_lazy("event", "Document sealed"),
    )
    SIGNATURE_SUCCEEDED = EventType(
        "auth.signature.succeeded",
        SECURITY,
        AUDIT,
        Scopes.ACCOUNT,
        "A user signed in with their certificate.",
        title=pgettext_lazy("event", "Signed in with a certificate"),
    )
    SIGNATURE_FAILED = EventType(
        "auth.signature.failed",
        SECURITY,
        AUDIT,
        Scopes.ACCOUNT,
        "A signature sign-in was refused (with the reason).",
        title=pgettext_lazy("event", "Certificate sign-in refused"),
    )
