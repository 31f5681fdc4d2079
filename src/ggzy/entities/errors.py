"""The entities app's error codes (docs/architecture.md §5)."""

from django.utils.translation import gettext_lazy as _

from ggzy.core.errors import ErrorCodeBase


class EntitiesError(ErrorCodeBase):
    KIND_UNKNOWN = "library_kind_unknown", 422, _("There is no such kind of library entry.")
    FIELD_MISSING = "library_field_missing", 422, _("Fill in %(label)s.")
    FIELD_INVALID = "library_field_invalid", 422, _("%(label)s is not valid: %(reason)s")
    FIELD_UNKNOWN = "library_field_unknown", 422, _("The entry has a field it does not know: %(field)s.")
    DATES_ORDER = (
        "library_dates_order",
        422,
        _("%(later)s is before %(earlier)s: a validity cannot end before it starts."),
    )
    NUMBER_TAKEN = (
        "library_number_taken",
        409,
        _(
            "Certificate number %(number)s is already registered to another organisation's library. If"
            " the holder has moved to you, ask the authority's record to be checked (verify)."
        ),
    )
    NUMBER_DUPLICATE = (
        "library_number_duplicate",
        409,
        _("Your library already has certificate number %(number)s."),
    )
    NOT_FOUND = "library_item_not_found", 404, _("No such library entry.")
    RETIRED = "library_item_retired", 409, _("The entry was retired; add a new one instead.")
    NOT_VERIFIABLE = (
        "library_not_verifiable",
        422,
        _("Entries of this kind are not looked up with an authority."),
    )
    AUTHORITY_UNAVAILABLE = (
        "library_authority_unavailable",
        503,
        _(
            "The authority's registry cannot be reached now (%(reason)s); nothing was changed."
            " Try again later."
        ),
    )
    AUTHORITY_UNTRUSTED = (
        "library_authority_untrusted",
        502,
        _("The authority's answer is not signed by the key the platform trusts; it was not used."),
    )
    AUTHORITY_NOT_CONFIGURED = (
        "library_authority_not_configured",
        503,
        _("No authority registry is configured on this platform (GGZY_AUTHORITY_URL)."),
    )
    FILE_COUNT = "library_file_count", 422, _("An entry has at most %(max)s files.")
    SNAPSHOT_EMPTY = "library_snapshot_empty", 422, _("Choose at least one entry of your library.")
    REFERENCES_INVALID = (
        "library_references_invalid",
        422,
        _("The library references in the bid are not a ggzy-library-snapshot-v1 document: %(reason)s"),
    )
    LICENCE_UNKNOWN = (
        "library_licence_unknown",
        422,
        _("The authority has no business licence under code %(code)s; enter the licence yourself."),
    )
