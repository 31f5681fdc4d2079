"""The portal's index of notices (`NoticeIndex`): one row per scheduled notice, written in the
transaction that schedules it and deleted in the one that withdraws it, so the public list, its filters
and its Chinese search read one table (`notices.selectors.portal_notices`). The public sees a row only
from its `publish_at` on, like the notice.

What is searched: the title (twice: a hit there ranks first), the type, the trading category, the
region's full name, the project's and tender project's names and codes, the sections' names and codes
and every text item of the content — the words a reader of the notice would look for."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.utils import translation

from ggzy.core import regions, search
from ggzy.notices.models import Notice, NoticeIndex, NoticeType


def index_text(
    *,
    notice_type: str,
    category_name: str,
    region: str,
    names: Iterable[str],
    content: Mapping[str, object],
) -> str:
    """The text searched besides the title (plain values only: the migration's backfill calls it too)."""
    with translation.override("zh-hans"):
        type_label = str(NoticeType(notice_type).label) if notice_type in NoticeType.values else ""
    parts = [type_label, category_name, regions.full_name(region) if region else "", *names]
    parts += [value for value in content.values() if isinstance(value, str)]
    return "\n".join(p for p in parts if p)


def notice_index(notice: Notice) -> NoticeIndex:
    """Add or replace the portal row of a scheduled notice (in the caller's transaction)."""
    tender_project = notice.tender_project
    project = tender_project.project
    sections = list(notice.sections.all())
    names = [project.name, project.code, tender_project.name, tender_project.code]
    names += [f"{s.name} {s.code}" for s in sections]
    text = index_text(
        notice_type=notice.type,
        category_name=project.category.name,
        region=project.region,
        names=names,
        content=notice.content,
    )
    assert notice.publish_at is not None  # noqa: S101  (scheduled: the state's constraint)
    row, _created = NoticeIndex.objects.update_or_create(
        notice=notice,
        defaults={
            "uid": notice.uid,
            "publish_at": notice.publish_at,
            "type": notice.type,
            "category": project.category_id,
            "region": project.region,
            "city": project.region[:4],
            "amount_fen": sum(s.budget_fen for s in sections) if sections else None,
            "title": notice.title,
            "tender_project_code": tender_project.code,
            "tokens": search.entry_tokens(notice.title, text[: search.MAX_TEXT]),
        },
    )
    return row


def notice_unindex(notice: Notice) -> None:
    NoticeIndex.objects.filter(notice=notice).delete()
