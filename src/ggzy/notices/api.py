"""The notices' API: the public change feed (`/notices/changes`), which the national and provincial
service systems and anyone else read to follow what the platform publishes (standard 6.4.2 同步推送;
`notices.feed`: never a notice skipped or repeated, whatever order the writers commit in)."""

from __future__ import annotations

import datetime as dt
import uuid

from django.http import HttpRequest
from django.urls import reverse
from ninja import Query, Schema

from ggzy.core.access import public
from ggzy.core.api import Router
from ggzy.notices import feed

router = Router(tags=["notices"])


class ChangeOut(Schema):
    notice: uuid.UUID
    kind: str
    at: dt.datetime
    type: str
    title: str
    tender_project: str
    project: str
    category: str
    region: str
    centre: str
    sm3: str
    url: str


class ChangesOut(Schema):
    changes: list[ChangeOut]
    next: str


@router.get("/notices/changes", response=ChangesOut, summary="What the platform published, in commit order")
@public
def changes(
    request: HttpRequest,
    after: str = Query(
        "", max_length=500, description="the `next` cursor of the previous page; empty: from the start"
    ),
    limit: int = Query(50, ge=1, le=feed.PAGE_MAX),
) -> ChangesOut:
    """Each published notice once, in an order that never skips one committed late: keep asking with the
    `next` cursor of the last page (the same cursor comes back when nothing is new)."""
    page = feed.changes(after=after, limit=limit)
    return ChangesOut(
        changes=[
            ChangeOut(
                notice=entry.notice.uid,
                kind=entry.kind,
                at=entry.at,
                type=entry.notice.type,
                title=entry.notice.title,
                tender_project=entry.notice.tender_project.code,
                project=entry.notice.tender_project.project.code,
                category=str(entry.notice.tender_project.project.category_id),
                region=entry.notice.tender_project.project.region,
                centre=entry.notice.centre.code,
                sm3=entry.notice.text_sm3,
                url=request.build_absolute_uri(reverse("notices:public-detail", args=[entry.notice.uid])),
            )
            for entry in page.entries
        ],
        next=page.next,
    )
