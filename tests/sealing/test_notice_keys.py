"""The platform's deadline-notice keys (format 2, docs/sealed-bid-format.md §6): named in the signed
custodian set, never the rotatable witness key; after a rotation the old key keeps signing until a
transition the supervising department co-signed lets the new one in; a key no set honours signs
nothing. And the supervisors hear of every notice that did not reach a custodian and of every notice
a custodian could not verify."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from ggzy.accounts.models import RoleGrant
from ggzy.core import clock, keystore
from ggzy.core.errors import DomainError
from ggzy.core.models import Purpose
from ggzy.core.roles import Role
from ggzy.events.models import Event, Message
from ggzy.events.selectors import events_visible_to
from ggzy.ops import services as ops
from ggzy.sealing import services
from ggzy.sealing.errors import SealingError
from ggzy.sealing.models import BidWindow, NoticeKeyTransition
from ggzy_sm import custodians
from tests.sealing.conftest import DAY, Stage, held_custodians, signed_set

pytestmark = pytest.mark.django_db


def supervisor(username: str = "supervisor", region: str = "210100") -> Any:
    user = get_user_model().objects.create_user(username=username, last_name="赵", first_name="监")
    RoleGrant.objects.create(user=user, role=Role.SUPERVISOR, region=region, granted_at=clock.now())
    return user


def postpone(stage: Stage, days: int, capture: Any) -> dict[str, Any]:
    with capture(execute=True):
        services.window_set(actor=None, section=stage.section, deadline=stage.deadline + days * DAY)
    return dict(BidWindow.objects.get(section=stage.section).notices[-1])


def test_notices_are_signed_with_a_notice_key_of_the_set_not_the_witness_key(stage: Stage) -> None:
    notice = BidWindow.objects.get(section=stage.section).notices[-1]
    assert notice["signer"] == keystore.notice_keys()[0][1].public_key.hex()
    assert notice["signer"] != keystore.signing_key()[1].public_key.hex()
    ops.key_rotate(actor=None, purpose=Purpose.WITNESS_SIGNING)  # the witness key rotates: nothing changes
    assert custodians.notice_valid(notice, stage.cset)


@pytest.mark.clause("9.2.3")
def test_after_a_rotation_the_old_key_signs_until_the_supervisor_cosigns_a_transition(
    client_for: Callable[..., Client], stage: Stage, django_capture_on_commit_callbacks: Any
) -> None:
    old = keystore.notice_keys()[0][1].public_key.hex()
    ops.key_rotate(actor=None, purpose=Purpose.DEADLINE_NOTICE)
    new = keystore.notice_keys()[0][1].public_key.hex()
    assert new != old
    # the set does not name the new key: the platform keeps signing with the old one, which it honours
    notice = postpone(stage, 2, django_capture_on_commit_callbacks)
    assert notice["signer"] == old
    assert notice in stage.held.held_notices(1)

    # the security administrator begins the transition (the old key signs); the supervisor completes it
    admin = get_user_model().objects.create_user(username="secadmin")
    RoleGrant.objects.create(user=admin, role=Role.SECURITY_ADMIN, granted_at=clock.now())
    client = client_for(admin)
    begun = client.post(f"/api/v1/sealing/notice-key-transitions/{stage.world.centre.code}")
    assert begun.status_code == 201, begun.content
    transition = NoticeKeyTransition.objects.get()
    payload = transition.document["payload"]
    assert (payload["from_key"], payload["to_key"]) == (old, new)
    assert postpone(stage, 3, django_capture_on_commit_callbacks)["signer"] == old  # not complete yet

    boss = supervisor()
    supervising = client_for(boss)
    forged = custodians.transition_sign(payload, held_custodians("sy", stage.folder / "x").supervisor.sign)
    refused = supervising.post(
        f"/api/v1/sealing/notice-key-transitions/{transition.uid}/supervisor-signature",
        data={"signature": forged},
        content_type="application/json",
    )
    assert refused.status_code == 422
    assert refused.json()["code"] == "notice_key_transition_refused"
    transition.refresh_from_db()
    assert not transition.complete
    good = custodians.transition_sign(payload, stage.held.supervisor.sign)
    done = supervising.post(
        f"/api/v1/sealing/notice-key-transitions/{transition.uid}/supervisor-signature",
        data={"signature": good},
        content_type="application/json",
    )
    assert done.status_code == 200, done.content
    published = Event.objects.get(type="sealing.notice_key.transition")
    assert published.visibility == "public"  # in the co-signed witness log: every custodian can see it

    # from now on the new key signs, with the chain attached, and every custodian honours it
    notice = postpone(stage, 4, django_capture_on_commit_callbacks)
    assert notice["signer"] == new
    assert len(notice["transitions"]) == 1
    for index in (1, 2, 3):
        assert notice in stage.held.held_notices(index)
    header = {"deadline": stage.deadline, "section": stage.section.code}
    assert custodians.release_at(header, [notice], stage.cset) == stage.deadline + 4 * DAY


def test_a_set_that_honours_none_of_the_platforms_keys_gets_no_notice(
    stage: Stage, freeze: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """The set's notice key expires and nothing replaced it: the platform refuses to sign a notice
    nobody would honour, and the window is not changed."""
    held = stage.held
    ends = clock.now() + DAY
    key = keystore.notice_keys()[0][1].public_key
    expiring = signed_set(
        "sy", held.members, held.supervisor, notice_keys=[(key, clock.now() - DAY, ends)], version=2
    )
    services.custodian_set_publish(actor=None, centre=stage.world.centre, signed=expiring)
    freeze(ends + dt.timedelta(minutes=1))
    with pytest.raises(DomainError) as exc:
        postpone(stage, 2, django_capture_on_commit_callbacks)
    assert exc.value.code is SealingError.NOTICE_KEY_NOT_HONOURED
    assert BidWindow.objects.get(section=stage.section).deadline == stage.deadline


# --- the supervisors hear of undelivered and unverifiable notices -------------------------------------


@pytest.mark.clause("9.2.2")
def test_the_supervisors_are_told_of_an_undelivered_notice(
    stage: Stage, django_capture_on_commit_callbacks: Any
) -> None:
    boss, elsewhere = supervisor(), supervisor("dl-supervisor", region="210200")
    stage.held.down = {2}
    postpone(stage, 2, django_capture_on_commit_callbacks)
    event = Event.objects.get(type="sealing.notice.undelivered")
    assert events_visible_to(boss).filter(pk=event.pk).exists()
    assert not events_visible_to(elsewhere).filter(pk=event.pk).exists()  # another jurisdiction
    told = Message.objects.get(recipient=boss, template="sealing.custodian_alarm")
    assert "截标通知未能送达" in told.body
    assert not Message.objects.filter(recipient=elsewhere).exists()


@pytest.mark.clause("9.2.2")
def test_garbage_notices_change_no_release_time_and_the_supervisors_hear_of_them(stage: Stage) -> None:
    boss = supervisor()
    window = BidWindow.objects.get(section=stage.section)
    custodian = stage.cset.custodian(1)
    forger = held_custodians("sy", stage.folder / "other")  # another set's custodians, another key
    for n in range(50):
        forged = custodians.notice_make(
            forger.members[0].sign, stage.cset.fingerprint, stage.section.code,
            stage.deadline + (n + 1) * DAY, stage.deadline + (n + 1) * DAY, clock.now(),
        )  # fmt: skip
        assert stage.held.notice(custodian, forged) == {"ok": False, "reason": "unverified"}
    stage.held.notice(custodian, {"payload": "x"})
    latest = stage.held.latest_notice(custodian, stage.section.code)
    assert latest == window.notices[-1]  # nothing forged is held or served
    assert services.custodians_watch(force=True) == 1
    alarm = Event.objects.get(type="sealing.custodian.unverified_notices")
    assert json.loads(alarm.document)["data"]["count"] == 51
    assert events_visible_to(boss).filter(pk=alarm.pk).exists()
    assert Message.objects.filter(recipient=boss, template="sealing.custodian_alarm").count() == 1
    assert services.custodians_watch(force=True) == 0  # no new garbage, no new alarm
