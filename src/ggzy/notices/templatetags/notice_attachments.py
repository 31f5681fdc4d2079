"""The attachment limits for the pages that say them (`services.attachments`), so a page states what the
service enforces: `{% load notice_attachments %}{% attachment_limits as limits %}`."""

from __future__ import annotations

from django import template

from ggzy.notices.services import attachments
from ggzy.registry import blobs

register = template.Library()


@register.simple_tag
def attachment_limits() -> dict[str, object]:
    return {
        "max_bytes": attachments.ATTACHMENT_MAX_BYTES,
        "max_count": attachments.ATTACHMENTS_MAX,
        "accept": blobs.accept_attribute(attachments.ATTACHMENT_TYPES),
    }
