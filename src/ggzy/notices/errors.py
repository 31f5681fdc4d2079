"""The notices' error codes (docs/architecture.md §5)."""

from django.utils.translation import gettext_lazy as _

from ggzy.core.errors import ErrorCodeBase


class NoticesError(ErrorCodeBase):
    CONTENT_MISSING = "notice_content_missing", 422, _("A required item of the notice is missing.")
    CONTENT_INVALID = "notice_content_invalid", 422, _("An item of the notice is not valid.")
    TITLE_MISSING = "notice_title_missing", 422, _("Give the notice a title.")
    TYPE_UNKNOWN = "notice_type_unknown", 422, _("There is no such type of notice.")
    CORRECTS_REQUIRED = (
        "notice_corrects_required",
        422,
        _("A correction or termination notice must name the published notice it changes."),
    )
    CORRECTS_REFUSED = (
        "notice_corrects_refused",
        422,
        _("Only a correction or termination notice names another notice."),
    )
    CORRECTS_INVALID = (
        "notice_corrects_invalid",
        422,
        _("The notice to change must be a published notice of the same tender project."),
    )
    SECTION_INVALID = (
        "notice_section_invalid",
        422,
        _("A section named is not a section of this tender project."),
    )
    STATE = "notice_state", 409, _("The notice is not in a state that allows this.")
    PUBLISHED = "notice_published", 409, _("A published notice is never changed: publish a correction.")
    PUBLISH_AT_PAST = "notice_publish_at_past", 422, _("The publication instant must not be in the past.")
    NOT_ACCEPTED = (
        "notice_registration_not_accepted",
        409,
        _("The project's registration must be accepted before a notice is published."),
    )
    MEDIUM_INVALID = "notice_medium_invalid", 422, _("Give the medium's name, its web address and the date.")
    REMARK_MISSING = "notice_remark_missing", 422, _("Write the remark on the notice's form.")
