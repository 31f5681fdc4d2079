"""Compare a notice with the text a legal medium published (standard 6.4.2), for the notice's drafters
and its centre's staff: paste the medium's text (and name which recorded medium it is from), and the page
shows where it differs from the notice's text after normalising (`notices.compare`), or says they match.

Nothing is stored and nothing is recorded: comparing is a read. The notice's text is fixed by its SM3
and the pasted text is whatever the user pasted — an event saying "equal" or "not equal" would prove
nothing about what the medium showed, and anyone may compare again at any time with the same result.
The POST only carries the pasted text (too long for an address); it changes nothing, so it is not a
page action."""

from __future__ import annotations

import uuid

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ggzy.core.access import actor_of, allow
from ggzy.core.roles import Role
from ggzy.notices import compare as comparing
from ggzy.notices import selectors
from ggzy.notices.forms import CompareForm
from ggzy.notices.models import NoticeState
from ggzy.notices.views.notices import items_of


@allow(Role.INITIATOR, Role.AGENT, Role.CENTRE_STAFF)
def compare(request: HttpRequest, notice_uid: uuid.UUID) -> HttpResponse:
    notice = selectors.access_notice(viewer=actor_of(request), uid=notice_uid)
    media = {str(m.uid): m for m in notice.media.all()}
    choices = [(uid, f"{m.name} · {m.published_on:%Y-%m-%d}") for uid, m in media.items()]
    fixed = notice.state == NoticeState.SCHEDULED  # a draft's text may still change; a withdrawn one is gone
    form = CompareForm(request.POST if request.method == "POST" else None, media=choices)
    ours = comparing.notice_text(notice.title, items_of(notice))
    context: dict[str, object] = {
        "notice": notice,
        "form": form,
        "fixed": fixed,
        "published": selectors.is_published(notice),
        "ours": ours,
    }
    status = 200
    if request.method == "POST" and fixed:
        if form.is_valid():
            context["result"] = comparing.compare(ours, form.cleaned_data["text"])
            context["medium"] = media.get(form.cleaned_data["medium"] or "")
        else:
            status = 400
    return render(request, "notices/compare.html", context, status=status)
