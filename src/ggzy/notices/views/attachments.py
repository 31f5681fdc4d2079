"""A notice's attachments (standard 6.4.2): its drafters attach files to a draft and take them off
(`services.attachments`), from the notice's page; anyone downloads them once the notice is published,
its drafters and its centre's staff in every state (`selectors.access_attachment`: otherwise the same 404
as a missing one). The upload page takes a body of one attachment at its limit and the form around it
(`upload_body_limit`, read on each request); above it the request is refused with 413 before it is
read."""

from __future__ import annotations

import uuid

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ggzy.core.access import actor_of, allow, public
from ggzy.core.limits import accepts_files
from ggzy.core.pages import page_action
from ggzy.core.roles import Role
from ggzy.notices import selectors, services
from ggzy.notices.forms import AttachmentForm
from ggzy.notices.services import attachments as rules
from ggzy.registry import blobs
from ggzy.registry.views.registrations import refusal_text

PARTIES = (Role.INITIATOR, Role.AGENT)
#: Room for the form around the file (the CSRF token, the multipart boundaries).
FORM_ROOM = 1024 * 1024


def upload_body_limit() -> int:
    """The largest body the upload page takes: one attachment at its limit and the form around it."""
    return rules.ATTACHMENT_MAX_BYTES + FORM_ROOM


def _back(notice_uid: uuid.UUID) -> str:
    return reverse("notices:detail", args=[notice_uid])


@require_POST
@accepts_files(upload_body_limit)
@allow(*PARTIES)
def add(request: HttpRequest, notice_uid: uuid.UUID) -> HttpResponse:
    user = actor_of(request)
    notice = selectors.access_drafted_notice(viewer=user, uid=notice_uid)
    form = AttachmentForm(request.POST, request.FILES)
    return page_action(
        request,
        lambda: services.attachment_add(
            actor=user, notice=notice, name=form.cleaned_data["file"].name, source=form.cleaned_data["file"]
        ),
        success=lambda a: _("“%(name)s” is attached to the draft.") % {"name": a.file_name},
        to=_back(notice.uid),
        form=form,
        invalid=_("Choose the file to attach."),
        explain=refusal_text,
    )


@require_POST
@allow(*PARTIES)
def remove(request: HttpRequest, notice_uid: uuid.UUID, attachment_uid: uuid.UUID) -> HttpResponse:
    user = actor_of(request)
    notice = selectors.access_drafted_notice(viewer=user, uid=notice_uid)
    return page_action(
        request,
        lambda: services.attachment_remove(actor=user, notice=notice, attachment_uid=attachment_uid),
        success=_("The attachment is taken off the draft."),
        to=_back(notice.uid),
    )


@public
def download(request: HttpRequest, notice_uid: uuid.UUID, attachment_uid: uuid.UUID) -> HttpResponse:
    """The file, checked against its SM3 as it is read; before publication only for the notice's
    drafters and its centre's staff (404 for everyone else, as for a missing one)."""
    attachment = selectors.access_attachment(viewer=request.user, notice_uid=notice_uid, uid=attachment_uid)
    response = HttpResponse(blobs.read(attachment.blob), content_type=attachment.blob.media_type)
    response["Content-Disposition"] = (
        content_disposition_header(as_attachment=True, filename=attachment.file_name) or "attachment"
    )
    return response
