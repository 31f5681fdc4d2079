"""A registered engineering project of two sections (tests/registry's world), a test CA the centre
accepts, and two bidders holding dual certificates (their key pairs are kept here, as a bidder's
client would hold them); `seal` makes a ggzy-bid-v1 file as `ggzy-bid seal` would."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from ggzy.accounts import parties
from ggzy.accounts.models import Organisation, RoleGrant
from ggzy.certs import services as certs_services
from ggzy.core import clock
from ggzy.core.roles import Role
from ggzy.registry.models import Section
from ggzy.sealing import services
from ggzy_sm import sealedbid, x509
from ggzy_sm.sm2 import Sm2PrivateKey
from tests.factories import make_uscc
from tests.registry.conftest import World, freeze, world  # noqa: F401  (fixtures used here)

DAY = dt.timedelta(days=1)
CA_KEY = Sm2PrivateKey.generate()
CA_NAME = {"common_name": "ggzy 测试 CA"}
SHEET = {
    "schema": "ggzy-opening-sheet-v1",
    "price": {"kind": "amount", "fen": 1188000000},
    "duration_days": 300,
    "quality": "合格",
    "project_manager": {"name": "王工", "certificate": "辽221060800123"},
}


@dataclass
class Bidder:
    user: Any
    organisation: Organisation
    sign: Sm2PrivateKey
    enc: Sm2PrivateKey
    sign_cert: bytes
    enc_cert: bytes
    serials: list[int] = field(default_factory=list)


@dataclass
class Stage:
    world: World
    section: Section
    other_section: Section
    deadline: dt.datetime
    bidders: list[Bidder]
    folder: Path

    def seal(self, bidder: Bidder | None = None, name: str = "bid", **overrides: Any) -> Path:
        """A bid sealed by `bidder` for `section` against the current deadline (overridable)."""
        bidder = bidder or self.bidders[0]
        section = overrides.pop("section", self.section)
        documents = []
        for doc, text in (("技术标.pdf", "technical"), ("商务标.pdf", "commercial")):
            path = self.folder / f"{name}-docs" / doc
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"%PDF-1.7 " + f"{name} {text} ".encode() * 2000)
            documents.append(path)
        kwargs: dict[str, Any] = {
            "target": self.folder / f"{name}.ggzybid",
            "binding": sealedbid.Binding(
                tender_project=section.tender_project.code,
                section=section.code,
                bidder=overrides.pop("bidder_id", bidder.organisation.uscc),
                deadline=overrides.pop("deadline", self.deadline),
            ),
            "opening_sheet": overrides.pop("opening_sheet", SHEET),
            "documents": documents,
            "signing_key": bidder.sign,
            "signing_certificate": bidder.sign_cert,
            "encryption_certificate": bidder.enc_cert,
            "encryption_key": bidder.enc.public_key,
            "machine": {"mac": "00163e000001", "cpu": "BFEBFBFF000906EA"},
        }
        kwargs.update(overrides)
        sealedbid.seal(**kwargs)
        return Path(kwargs["target"])


_serial = [1000]


def certificate(holder: str, key: Sm2PrivateKey, usage: x509.Usage, *, days: int = 365) -> bytes:
    _serial[0] += 1
    now = clock.now()
    return x509.issue(
        issuer_key=CA_KEY,
        issuer=CA_NAME,
        subject={"common_name": "投标人", "serial_number": holder},
        public_key=key.public_key,
        serial=_serial[0],
        not_before=now - 400 * DAY,
        not_after=now + days * DAY,
        usage=usage,
    )


def root() -> bytes:
    now = clock.now()
    return x509.issue(
        issuer_key=CA_KEY, issuer=CA_NAME, subject=CA_NAME, public_key=CA_KEY.public_key, serial=1,
        not_before=now - 400 * DAY, not_after=now + 3650 * DAY, usage="ca",
    )  # fmt: skip


def make_bidder(username: str, name: str) -> Bidder:
    user = get_user_model().objects.create_user(username=username)
    organisation = parties.organisation_register(
        actor=None, uscc=make_uscc(), name=name, legal_representative="陈", contact_name="陈",
        contact_phone="13900000009",
    )  # fmt: skip
    parties.membership_add(actor=None, user=user, organisation=organisation)
    RoleGrant.objects.create(
        user=user, role=Role.RESPONDER, organisation=organisation, granted_at=clock.now()
    )
    sign, enc = Sm2PrivateKey.generate(), Sm2PrivateKey.generate()
    sign_cert = certificate(organisation.uscc, sign, "signing")
    enc_cert = certificate(organisation.uscc, enc, "encryption")
    certs_services.certificate_bind(actor=user, user=user, der=sign_cert, usage="signing")
    certs_services.certificate_bind(actor=user, user=user, der=enc_cert, usage="encryption")
    return Bidder(user, organisation, sign, enc, sign_cert, enc_cert)


@pytest.fixture
def stage(world: World, tmp_path: Path) -> Stage:  # noqa: F811
    registration = world.file()
    sections = list(Section.objects.filter(tender_project__project=registration.project).order_by("code"))
    certs_services.ca_add(actor=None, name="测试 CA", root=root(), intermediates=[], is_test=True)
    bidders = [make_bidder("bidder-a", "天成建设有限公司"), make_bidder("bidder-b", "北方路桥有限公司")]
    deadline = (clock.now() + 20 * DAY).replace(microsecond=0)
    services.window_set(actor=world.agent_user, section=sections[0], deadline=deadline)
    services.window_set(actor=world.agent_user, section=sections[1], deadline=deadline)
    folder = tmp_path / "bidder"
    folder.mkdir()
    return Stage(world, sections[0], sections[1], deadline, bidders, folder)


# --- key custodians (sealed bids II) -------------------------------------------------------------------


@dataclass
class Member:
    name: str
    sign: Sm2PrivateKey
    enc: Sm2PrivateKey
    sign_cert: bytes
    enc_cert: bytes


def member(name: str) -> Member:
    from ggzy_sm import custodians

    sign, enc = Sm2PrivateKey.generate(), Sm2PrivateKey.generate()
    now = clock.authority_now()
    sign_cert, enc_cert = custodians.member_certificates(
        signing=sign, encryption=enc, name=name, not_before=now - 400 * DAY, not_after=now + 3650 * DAY
    )
    return Member(name, sign, enc, sign_cert, enc_cert)


CUSTODIAN_NAMES = ("沈阳市公共资源交易中心", "沈阳市发展和改革委员会", "沈阳市沈阳公证处")


def signed_set(
    centre: str, custodians_: list[Member], supervisor: Member, k: int = 2, demo: bool = False
) -> dict:
    from ggzy_sm import custodians

    body = custodians.set_body(
        centre=centre,
        k=k,
        custodians=[
            (m.name, f"http://127.0.0.1:{9000 + i}", m.sign_cert, m.enc_cert)
            for i, m in enumerate(custodians_)
        ],
        supervisor=(supervisor.name, supervisor.sign_cert),
        demo=demo,
    )
    signatures = {str(i): custodians.set_sign(body, m.sign) for i, m in enumerate(custodians_, start=1)}
    signatures["supervisor"] = custodians.set_sign(body, supervisor.sign)
    return {"body": body, "signatures": signatures}
