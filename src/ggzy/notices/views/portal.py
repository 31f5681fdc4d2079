"""The public portal's notice pages (standard 4.1.4, 6.4.2): a tender project's page — its published
notices in order and its timeline — and the inclusion proof of a notice's publication in the witness
log, as JSON to verify offline (`ggzy-verify proof.json --trust witness-trust.json`).

Both are public and read as the public reads: a tender project none of whose notices is published yet,
and a notice before its instant or whose publication is not yet in the log under a signed head, answer
exactly like a missing one (the one 404 page)."""

from __future__ import annotations

import uuid

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from ggzy.core import clock
from ggzy.core.access import public
from ggzy.notices import portal, selectors


@public
def project(request: HttpRequest, tender_project_code: str) -> HttpResponse:
    now = clock.now()
    tender_project = portal.access_announced_tender_project(code=tender_project_code, now=now)
    notices = portal.notices_of(tender_project, now=now)
    context = {
        "tender_project": tender_project,
        "project": tender_project.project,
        "notices": notices,
        "timeline": portal.timeline(tender_project, notices=notices, now=now),
    }
    return render(request, "notices/project.html", context)


@public
def proof(request: HttpRequest, notice_uid: uuid.UUID) -> HttpResponse:
    notice = selectors.access_published_notice(viewer=request.user, uid=notice_uid)
    response = JsonResponse(
        portal.notice_proof(notice), json_dumps_params={"ensure_ascii": False, "indent": 1}
    )
    response["Content-Disposition"] = f'attachment; filename="notice-{notice.uid}-proof.json"'
    return response
