"""The demo's notices (6.4.1, 6.4.2): every type, and at each centre one in every state — drafted,
scheduled for later, published (its instant in the past) and withdrawn —, a published notice with a
correction and a termination linked to it and its legal medium, the staff's remark on a draft's form;
the public list shows the published ones only, and a second load adds nothing."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client

from ggzy.core import clock
from ggzy.events.models import Event
from ggzy.notices import content, selectors
from ggzy.notices.models import Notice, NoticeMedium, NoticeState, NoticeType
from ggzy.registry.models import State
from tests.demo.conftest import Demo, load_once

pytestmark = pytest.mark.django_db


demo = load_once(sandbox=True)  # as `make demo` runs it: on the sandbox clock, with a month of history


def state_of(notice: Notice) -> str:
    if selectors.is_published(notice):
        return "published"
    if notice.state == NoticeState.SCHEDULED:
        return "scheduled"
    return str(notice.state)


def test_the_demo_has_notices_of_every_type_and_every_state_at_each_centre(demo: Demo) -> None:
    notices = list(Notice.objects.select_related("centre", "tender_project__project"))
    assert {n.type for n in notices} == set(NoticeType.values)
    by_centre: dict[str, set[str]] = {}
    for notice in notices:
        by_centre.setdefault(notice.centre.code, set()).add(state_of(notice))
        assert content.check(notice.type, notice.content) == notice.content  # the type's table holds
        assert notice.tender_project.project.name in notice.title or notice.type == NoticeType.TERMINATION
    assert by_centre == {
        "ln": {"draft", "scheduled", "published", "withdrawn"},
        "sy": {"draft", "scheduled", "published", "withdrawn"},
    }
    now = clock.now()
    for notice in notices:
        if notice.state != NoticeState.DRAFT:  # scheduled through the service: its text fixed
            assert notice.publish_at is not None
            assert len(notice.text_sm3) == 64
        if state_of(notice) == "scheduled":
            assert notice.publish_at is not None
            assert notice.publish_at > clock.authority_now()  # still ahead when the demo starts
        if state_of(notice) == "published":  # on the month's history clock, before now
            assert notice.publish_at is not None
            assert notice.publish_at < now
            # a notice is published only for an accepted registration
            assert notice.tender_project.project.registration.state == State.ACCEPTED


def test_a_published_notice_has_its_correction_termination_and_medium(demo: Demo) -> None:
    changed = [n for n in Notice.objects.filter(corrects__isnull=False) if selectors.is_published(n)]
    types = {n.type for n in changed}
    assert types == {NoticeType.CORRECTION, NoticeType.TERMINATION}
    for notice in changed:
        assert selectors.is_published(notice.corrects)
        assert notice.corrects.tender_project_id == notice.tender_project_id
        assert notice.publish_at > notice.corrects.publish_at
    originals = {n.corrects_id for n in changed}
    assert any(
        {c.type for c in Notice.objects.filter(corrects_id=pk)} == {"correction", "termination"}
        for pk in originals
    )
    termination = next(n for n in changed if n.type == NoticeType.TERMINATION)
    assert termination.sections.count() == 1  # one section of the tender project is terminated
    media = NoticeMedium.objects.select_related("notice__centre")
    assert {m.notice.centre.code for m in media} == {"ln", "sy"}
    assert all(selectors.is_published(m.notice) for m in media)
    assert all(m.notice.type in (NoticeType.TENDER, NoticeType.LAND_OFFER) for m in media)
    remarked = Notice.objects.exclude(form_remark="").select_related("centre")
    assert {n.centre.code for n in remarked} == {"ln", "sy"}
    assert all(n.state == NoticeState.DRAFT and n.form_checked_by is not None for n in remarked)
    # the tick job ran: each published notice recorded once, and nothing else
    published = [n for n in Notice.objects.all() if selectors.is_published(n)]
    assert all(n.published_recorded for n in published)
    recorded = Event.objects.filter(type="notices.notice.published")
    assert sorted(e.data["notice"] for e in recorded) == sorted(str(n.uid) for n in published)


def test_the_public_list_shows_the_published_notices_only(demo: Demo) -> None:
    client = Client()
    page = client.get("/notices/").content.decode()
    published = [n for n in Notice.objects.order_by("pk") if selectors.is_published(n)]
    assert 0 < len(published) <= 20  # one page
    for notice in published:
        assert f"/notices/{notice.uid}/" in page
        assert client.get(f"/notices/{notice.uid}/").status_code == 200
    for notice in Notice.objects.exclude(pk__in=[n.pk for n in published]):
        assert f"/notices/{notice.uid}/" not in page
        assert client.get(f"/notices/{notice.uid}/").status_code == 404
    scheduled = [
        n for n in Notice.objects.filter(state=NoticeState.SCHEDULED) if not selectors.is_published(n)
    ]
    assert scheduled
    for notice in scheduled:
        assert notice.title not in page


def test_a_second_load_adds_no_notices(demo: Demo) -> None:
    notices, events = Notice.objects.count(), Event.objects.count()
    call_command("demo_load", verbosity=0)
    assert (Notice.objects.count(), Event.objects.count()) == (notices, events)
