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
    ATTACHMENT_TOO_LARGE = (
        "notice_attachment_too_large",
        422,
        _("An attachment may be at most 50 MB; nothing was stored."),
    )
    ATTACHMENT_EMPTY = "notice_attachment_empty", 422, _("The attachment is empty.")
    ATTACHMENT_TYPE = (
        "notice_attachment_type",
        422,
        _("An attachment must be a PDF, OFD, Word (.docx), Excel (.xlsx), PNG or JPEG file."),
    )
    ATTACHMENTS_TOO_MANY = "notice_attachments_too_many", 422, _("A notice has at most 20 attachments.")
    OBJECTION_STAGE = (
        "objection_stage",
        422,
        _("This kind of objection cannot be raised against this notice at this stage."),
    )
    OBJECTION_WINDOW = (
        "objection_window",
        409,
        _("The objection is outside the period the law allows for it."),
    )
    OBJECTION_NO_DEADLINE = (
        "objection_no_deadline",
        409,
        _("The section's bid deadline is not set yet: its window cannot be counted."),
    )
    OBJECTION_NOT_ALLOWED = (
        "objection_not_allowed",
        403,
        _("Only a bidder organisation may raise this, and at this stage only one that took part."),
    )
    OBJECTION_SECTION_REQUIRED = "objection_section_required", 422, _("Choose the section it concerns.")
    OBJECTION_TEXT = "objection_text", 422, _("Write what you object to and why (at most 5,000 characters).")
    ANSWER_TEXT = "objection_answer_text", 422, _("Write the answer (at most 5,000 characters).")
    OBJECTION_STATE = "objection_state", 409, _("The objection is not in a state that allows this.")
    PAUSE_NOT_ALLOWED = (
        "pause_not_allowed",
        403,
        _(
            "Only the initiator or its agent pauses a procedure; the centre for a platform fault; a"
            " supervisor by order."
        ),
    )
    OPENING_BEFORE_DEADLINE = (
        "notice_opening_before_deadline",
        422,
        _("The opening cannot come before the bid deadline."),
    )
    DEADLINE_EARLIER = (
        "notice_deadline_earlier",
        409,
        _("A deadline is postponed, never brought forward: the new one is earlier than the one in force."),
    )
    CURSOR_INVALID = (
        "notice_cursor_invalid",
        404,
        _("The cursor is not one this feed handed out: start again without one, or with the last one given."),
    )
    PAGE_SIZE = "notice_page_size", 400, _("Ask for between 1 and 200 entries at a time.")
