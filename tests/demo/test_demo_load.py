"""The demo data loads through the services, twice without change, with the parties the issue asks,
its test CAs and its seal — loaded once here as `ggzy demo_load` runs without the sandbox clock
(everything filed now); on the sandbox clock: test_demo_accounts, _registrations, _service, _sealing."""

from __future__ import annotations

import datetime as dt
import json
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from ggzy.accounts.models import Centre, Entrustment, Organisation, Person, RoleGrant
from ggzy.accounts.selectors import user_roles
from ggzy.core import clock
from ggzy.core.roles import HELD_ROLES, Role
from ggzy.demo.ca import PASSPHRASE
from ggzy.demo.management.commands.demo_load import DEMO_PASSWORD, DEMO_USERS, PROJECTS
from ggzy.demo.registrations_data import FILINGS
from ggzy.events.models import Event, Message
from ggzy.notices import selectors
from ggzy.notices.models import Notice, NoticeState, NoticeType
from ggzy.registry.models import Registration, State
from ggzy_sm.keys import load_key_file
from tests.demo.conftest import Demo, load_once

pytestmark = pytest.mark.django_db
demo = load_once(ca=True, GGZY_VIDEO_PLATFORMS="demo-video=http://127.0.0.1:18671")


def grants(role: Role) -> int:
    return RoleGrant.objects.filter(role=role, revoked_at__isnull=True).count()


def test_demo_load_is_idempotent_and_has_every_party(demo: Demo) -> None:
    before = Event.objects.count()
    call_command("demo_load", verbosity=0)
    assert Event.objects.count() == before
    users = get_user_model().objects.filter(username__in=[u[0] for u in DEMO_USERS])
    assert {r for u in users for r in user_roles(u)} == set(HELD_ROLES)
    assert Centre.objects.count() == 2
    assert grants(Role.INITIATOR) == 3
    assert grants(Role.AGENT) == 2
    assert grants(Role.RESPONDER) == 12
    natural_bidders = Person.objects.filter(user__role_grants__role=Role.RESPONDER)
    assert list(natural_bidders.values_list("name", flat=True)) == [
        "王建国"
    ]  # one bidder is a natural person
    assert Organisation.objects.exclude(region__startswith="21").exists()  # one from outside the province
    assert grants(Role.EXPERT) == 40
    assert grants(Role.SUPERVISOR) == 2
    assert grants(Role.CENTRE_STAFF) >= 2 * Centre.objects.count()
    for admin in (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN):
        assert grants(admin) == 1
    assert grants(Role.AUDIT_ADMIN) == 2  # the deputy, by a request the system administrator approved
    assert Entrustment.objects.filter(project__in=[p[0] for p in PROJECTS]).count() == 2
    opened = RoleGrant.objects.exclude(
        user__username__in=["auditadmin2", "staff-new"]
    )  # not opened with roles
    assert Message.objects.filter(template="accounts.account_opened").count() == opened.count()


def test_the_demo_test_cas_give_every_user_dual_certificates(demo: Demo, settings: Any) -> None:
    from ggzy.certs.models import BoundCertificate, CertificateAuthority
    from ggzy.certs.selectors import days_left

    users = get_user_model().objects.all()
    bound = BoundCertificate.objects.filter(unbound_at__isnull=True)
    assert bound.count() == 2 * users.count()
    assert {c.name for c in CertificateAuthority.objects.filter(is_test=True)} == {
        "演示 CA（辽宁）",
        "演示 CA（浙江，互认）",
    }
    outside = bound.filter(user__username="bidder-hxjs").values_list("ca__name", flat=True)
    assert set(outside) == {"演示 CA（浙江，互认）"}  # a bidder from outside the province: mutual recognition
    assert days_left(bound.get(user__username="bidder", usage="encryption")) == 5
    folder = demo.ca_dir  # as `make demo` has it, outside var/
    assert folder is not None
    assert (folder / "users" / "bidder" / "sign.key").exists()
    assert not Path(settings.VAR_DIR).joinpath("demo-ca").exists()  # the keys are not the platform's
    assert load_key_file(folder / "users" / "bidder" / "sign.key", PASSPHRASE).public_key.hex() == (
        bound.get(user__username="bidder", usage="signing").public_key
    )


def test_the_demo_centre_seals_a_document_that_verifies_offline(
    demo: Demo, settings: Any, tmp_path: Path
) -> None:
    from ggzy_sm.verify import main as verify

    folder = demo.ca_dir
    assert folder is not None
    settings.GGZY_SEAL_KEY_FILE = str(folder / "seal" / "seal.key")  # as `make demo` sets them
    settings.GGZY_SEAL_CERTIFICATE_FILE = str(folder / "seal" / "seal.pem")
    settings.GGZY_SEAL_PASSPHRASE = PASSPHRASE
    document = tmp_path / "中标结果公示.pdf"
    document.write_bytes(b"%PDF-1.7\n% the result notice\n%%EOF\n")
    call_command("document_seal", str(document), verbosity=0)
    signature = tmp_path / "中标结果公示.pdf.sig.json"
    root = str(folder / "liaoning" / "root.cer")
    assert verify(["document", str(document), str(signature), "--root", root]) == 0
    assert Event.objects.filter(type="certs.document.sealed").count() == 1
    document.write_bytes(b"%PDF-1.7\n% another notice\n%%EOF\n")
    assert verify(["document", str(document), str(signature), "--root", root]) != 0


def test_the_signing_agent_command_names_the_port_ggzy_serve_binds(demo: Demo, settings: Any) -> None:
    """`make demo` with GGZY_PORT=8811 (here a second run of the loaded demo): the printed command and
    the CA folder's README start the agent for the origin `ggzy serve` listens on — another port and the
    browser cannot read the agent's answer (the sign-in page then says the agent does not answer)."""
    import io
    import shlex

    from ggzy.core.management.commands.serve import Command as Serve
    from ggzy_bid.agent import normalise_origin
    from ggzy_bid.cli import parser as bid_parser

    settings.PORT = 8811
    out = io.StringIO()
    call_command("demo_load", stdout=out)
    served = Serve().create_parser("ggzy", "serve").parse_args([])
    page = f"http://{served.host}:{served.port}"
    assert served.port == 8811
    (printed,) = [line for line in out.getvalue().splitlines() if "ggzy-bid agent" in line]
    words = shlex.split(printed)[1:]  # after GGZY_BID_PASSPHRASE=…
    assert words[0] == ".venv/bin/ggzy-bid"
    agent = bid_parser().parse_args(words[1:])
    assert [normalise_origin(o) for o in agent.origin] == [normalise_origin(page)]
    assert demo.ca_dir is not None
    readme = (demo.ca_dir / "README.txt").read_text(encoding="utf-8")
    assert f"--origin {page}\n" in readme
    assert ":8000" not in readme


def test_demo_user_signs_in_and_finds_the_welcome_message(demo: Demo) -> None:
    client = Client()
    assert (
        client.post("/accounts/login/", {"username": "bidder", "password": DEMO_PASSWORD}).status_code == 302
    )
    page = client.get("/inbox/").content.decode()
    assert "账户已开通" in page
    assert "交易响应方" in page


def test_the_agent_sees_its_entrusted_project_and_not_another(demo: Demo) -> None:
    client = Client()
    assert (
        client.post("/accounts/login/", {"username": "agent", "password": DEMO_PASSWORD}).status_code == 302
    )
    page = client.get("/workspace/entrusted/").content.decode()
    assert "L2101000000000001" in page
    assert "L2101000000000002" not in page


def test_an_organisation_from_outside_the_province_registered_itself_and_awaits_the_centre(
    demo: Demo,
) -> None:
    from ggzy.accounts.models import OrganisationApplication

    application = OrganisationApplication.objects.select_related("organisation", "centre").get(
        applicant__username="applicant"
    )
    assert (application.state, application.role, application.centre.code) == ("pending", "responder", "ln")
    assert application.organisation.region == "220100"
    assert not RoleGrant.objects.filter(user=application.applicant).exists()  # no role until verified
    from tests.factories import signed_in

    staff = signed_in(Client(), get_user_model().objects.get(username="staff"))
    assert application.organisation.name in staff.get("/workspace/organisations/").content.decode()


def test_without_the_sandbox_the_demo_files_everything_now(demo: Demo) -> None:
    assert Registration.objects.count() == len(FILINGS)  # every filing of the demo data, each once
    assert not Registration.objects.filter(escalated_at__isnull=False).exists()  # nothing is late yet
    named = Registration.objects.select_related("project__category", "deadline")
    assert named.get(project__name__contains="观音阁").state == State.ACCEPTED


def test_without_the_sandbox_the_demo_notices_are_published_now_or_later(demo: Demo) -> None:
    """Without a history the published notices are published at once (their corrections and the
    termination could name them), the scheduled ones still wait; every type is there."""
    notices = list(Notice.objects.all())
    assert {n.type for n in notices} == set(NoticeType.values)
    published = [n for n in notices if selectors.is_published(n)]
    assert {n.type for n in published if n.corrects_id} == {NoticeType.CORRECTION, NoticeType.TERMINATION}
    waiting = [n for n in notices if n.state == NoticeState.SCHEDULED and not selectors.is_published(n)]
    assert waiting
    assert all(n.publish_at is not None and n.publish_at > clock.now() for n in waiting)
    assert {n.state for n in notices} == {NoticeState.DRAFT, NoticeState.SCHEDULED, NoticeState.WITHDRAWN}


def test_the_demo_has_both_centres_rooms_an_overdue_maintenance_inspections_and_bookings(
    demo: Demo, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ggzy.venues.models import Booking, Inspection, Room
    from ggzy.venues.states import BookingState
    from tests.factories import signed_in

    assert set(Room.objects.values_list("centre__code", flat=True)) == {"ln", "sy"}
    assert Inspection.objects.count() == 4  # two a centre
    states = sorted(Booking.objects.values_list("purpose", "state"))
    assert states == [
        ("clarification", BookingState.REQUESTED),  # moved to the next day: waiting again
        ("evaluation", BookingState.CONFIRMED),  # under way from two minutes after the load
        ("evaluation", BookingState.REQUESTED),
        ("opening", BookingState.CONFIRMED),
    ]
    assert Booking.objects.get(purpose="clarification").changes == 1
    staff = signed_in(Client(), get_user_model().objects.get(username="staff"))
    page = staff.get("/centre/venues/bookings/").content.decode()
    assert 'data-testid="overdue"' in page  # the small opening room's camera
    rooms = staff.get("/centre/venues/").content.decode()
    assert "A501" in rooms  # the auction hall without monitoring
    assert 'data-testid="lacking"' in rooms
    agent = signed_in(Client(), get_user_model().objects.get(username="agent"))
    assert "第一开标室" in agent.get("/workspace/venues/").content.decode()
    evaluation = Booking.objects.get(purpose="evaluation", state=BookingState.CONFIRMED)
    monkeypatch.setattr(clock, "now", lambda: evaluation.starts_at + dt.timedelta(minutes=5))
    live = staff.get("/centre/venues/bookings/").content.decode().split('data-testid="under-way"')[1]
    assert "第一评标室" in live.split("</table>")[0]
    monkeypatch.undo()
    call_command("demo_load", verbosity=0)  # a second run adds nothing
    assert Booking.objects.count() == 4


def test_the_demo_video_platform_serves_the_cameras_the_rooms_link_to(
    demo: Demo, settings: Any, tmp_path: Path
) -> None:
    from ggzy.demo import video as demo_video
    from ggzy.demo.simulators import processes_start, processes_stop
    from ggzy.venues.models import Camera
    from tests.factories import signed_in
    from tests.outside import free_port

    cameras = list(Camera.objects.select_related("room").order_by("device"))
    assert len(cameras) == 16  # each room whose camera is listed, both centres (not the auction hall)
    assert "A501" not in {c.room.code for c in cameras}
    url = f"http://127.0.0.1:{free_port()}"
    settings.GGZY_VIDEO_PLATFORMS = f"demo-video={url}"
    settings.GGZY_SANDBOX = True
    settings.GGZY_DEMO_VIDEO_DIR = str(tmp_path / "video")
    processes = processes_start(demo_video.serve_commands(), demo_video.TOOL.env())
    try:
        camera = cameras[0]
        with urllib.request.urlopen(f"{url}/v1/cameras/{camera.device}", timeout=10) as answer:  # noqa: S310
            described = json.load(answer)["camera"]
        assert described["place"] == f"{camera.room.code} {camera.room.name}"
        staff = signed_in(Client(), get_user_model().objects.get(username="staff"))
        room_page = staff.get(f"/centre/venues/rooms/{camera.room.uid}/").content.decode()
        assert f"{url}/hls/{camera.device}/live.m3u8" in room_page
    finally:
        processes_stop(processes)
