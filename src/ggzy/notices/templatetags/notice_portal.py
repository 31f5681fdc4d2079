"""The public notice page's timeline, related notices and proof badge, each an inclusion tag so the page
(`notices/public_detail.html`) asks for them without its view knowing (`ggzy.notices.portal`):

    {% load notice_portal %}{% notice_timeline notice %}{% related_notices notice %}{% proof_badge notice %}
"""

from __future__ import annotations

from django import template

from ggzy.core import clock
from ggzy.notices import portal
from ggzy.notices.models import Notice

register = template.Library()


@register.inclusion_tag("notices/_timeline.html")
def notice_timeline(notice: Notice) -> dict[str, object]:
    now = clock.now()
    return {
        "timeline": portal.timeline(notice.tender_project, now=now, current=notice),
        "tender_project": notice.tender_project,
        "with_project_link": True,
    }


@register.inclusion_tag("notices/_related.html")
def related_notices(notice: Notice) -> dict[str, object]:
    return {"related": portal.related(notice), "notice": notice}


@register.inclusion_tag("notices/_proof_badge.html")
def proof_badge(notice: Notice) -> dict[str, object]:
    return {"proof": portal.proof_status(notice), "notice": notice}
