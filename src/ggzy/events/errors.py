from django.utils.translation import gettext_lazy as _

from ggzy.core.errors import ErrorCodeBase


class EventsError(ErrorCodeBase):
    NOT_IN_TRANSACTION = (
        "event_not_in_transaction",
        500,
        _("An event must be recorded inside the transaction of the change it records."),
    )
    TYPE_INVALID = "event_type_invalid", 422, _("The event type must look like app.thing.verb.")
    TYPE_NOT_CATALOGUED = (
        "event_type_not_catalogued",
        500,
        _("The event type is not in the catalogue of event types."),
    )
    TYPE_NOT_AS_CATALOGUED = (
        "event_type_not_as_catalogued",
        500,
        _("The event is recorded with another class, visibility or embargo than its type's catalogue entry."),
    )
    CLASS_UNKNOWN = "event_class_unknown", 422, _("Unknown event class.")
    VISIBILITY_UNKNOWN = "event_visibility_unknown", 422, _("Unknown event visibility.")
    EMBARGO_UNKNOWN = "embargo_unknown", 422, _("The embargo refers to nothing: unknown kind or reference.")
    PAYLOAD_NOT_CANONICAL = (
        "payload_not_canonical",
        422,
        _(
            "The event payload has a value the canonical profile refuses (a float, a decimal "
            "without scale, a time without zone …)."
        ),
    )
    NO_RECIPIENT = "notification_no_recipient", 422, _("A notification needs at least one recipient.")
    NO_ADDRESS = "notification_no_address", 422, _("A recipient has no address for this channel.")
    TEMPLATE_UNKNOWN = "notification_template_unknown", 422, _("Unknown message template.")
    TEMPLATE_LANGUAGE_MISSING = (
        "notification_template_language_missing",
        422,
        _("The message template is missing a language."),
    )
    CONTEXT_MISMATCH = (
        "notification_context_mismatch",
        422,
        _("The message's data does not match what its template declares."),
    )
    CHANNEL_UNKNOWN = "notification_channel_unknown", 422, _("Unknown message channel.")
    MESSAGE_NOT_FOUND = "message_not_found", 404, _("No such message.")
    MESSAGE_NOT_PENDING = (
        "message_not_pending",
        409,
        _("The message was already sent or given up."),
    )
