"""Entries looked up with the authority's registry — a real `ggzy-authority serve` process with its own
key: the platform keeps the signed answer with who asked and when, trusts only the pinned key, changes
nothing when the registry is down or lies, and moves a professional's registration when the registry
says it moved."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ggzy.core.errors import DomainError
from ggzy.entities import authority, services
from ggzy.entities.errors import EntitiesError
from ggzy.entities.models import Item, Revision, Verification
from ggzy.events.models import Event
from ggzy_sm.sm2 import Sm2PrivateKey
from tests.entities.library_world import organisation, professional, qualification
from tests.outside import Authority, authority_start

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Authority]:
    running = authority_start(tmp_path_factory.mktemp("authority"))
    yield running
    running.stop()


@pytest.fixture
def pinned(registry: Authority, settings: Any) -> Authority:
    settings.GGZY_AUTHORITY_URL = registry.url
    settings.GGZY_AUTHORITY_TRUST = str(registry.trust_file)
    settings.GGZY_AUTHORITY_CODE = "moha"
    return registry


def qualification_record(holder: str, **overrides: Any) -> dict[str, Any]:
    return {
        "certificate": "D221060801",
        "holder_code": holder,
        "holder_name": "天成建设有限公司",
        "type": "construction.general.municipal",
        "level": "一级",
        "issuer": "辽宁省住房和城乡建设厅",
        "valid_from": "2024-01-01",
        "valid_to": "2029-01-01",
        "status": "valid",
        **overrides,
    }


def test_a_confirmed_qualification_keeps_the_signed_answer(pinned: Authority) -> None:
    org, user = organisation()
    pinned.add({"qualifications": [qualification_record(org.uscc)]})
    item = services.item_add(actor=user, organisation=org, kind="qualification", fields=qualification())
    verified = services.item_verify(actor=user, item=item)
    assert verified.verification == Verification.MATCH
    assert verified.verified_by == user
    assert verified.verified_at is not None
    answer = verified.verified_answer
    assert answer["answer"]["record"]["holder_code"] == org.uscc
    pinned.key.verify(authority.PURPOSE, answer["answer"], bytes.fromhex(answer["signature"]))
    assert Revision.objects.get(item=item, number=2).change == "verified"
    assert Event.objects.filter(type="entities.item.verified").count() == 1


def test_a_qualification_that_differs_or_is_unknown_is_said_so(pinned: Authority) -> None:
    org, user = organisation()
    pinned.add({"qualifications": [qualification_record(org.uscc, certificate="D221060802", level="二级")]})
    differs = services.item_add(
        actor=user, organisation=org, kind="qualification", fields=qualification(certificate="D221060802")
    )
    differs = services.item_verify(actor=user, item=differs)
    assert differs.verification == Verification.MISMATCH
    assert differs.verified_answer["differences"] == ["level"]
    unknown = services.item_add(
        actor=user, organisation=org, kind="qualification", fields=qualification(certificate="D999999999")
    )
    assert services.item_verify(actor=user, item=unknown).verification == Verification.NOT_FOUND


def _unchanged(item: Item, call: Any, code: EntitiesError) -> None:
    revisions, events = Revision.objects.count(), Event.objects.count()
    with pytest.raises(DomainError) as caught:
        call()
    assert caught.value.code == code
    item.refresh_from_db()
    assert item.verification == Verification.NONE
    assert (Revision.objects.count(), Event.objects.count()) == (revisions, events)


def test_only_the_pinned_key_is_trusted(pinned: Authority, settings: Any, tmp_path: Path) -> None:
    org, user = organisation()
    pinned.add({"qualifications": [qualification_record(org.uscc, certificate="D221060803")]})
    item = services.item_add(
        actor=user, organisation=org, kind="qualification", fields=qualification(certificate="D221060803")
    )
    impostor = tmp_path / "trust.json"
    document = json.loads(pinned.trust_file.read_text(encoding="utf-8"))
    document["authorities"]["moha"]["key"] = Sm2PrivateKey.generate().public_key.hex()
    impostor.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    settings.GGZY_AUTHORITY_TRUST = str(impostor)
    _unchanged(item, lambda: services.item_verify(actor=user, item=item), EntitiesError.AUTHORITY_UNTRUSTED)


def test_a_registry_that_is_down_changes_nothing(pinned: Authority) -> None:
    org, user = organisation()
    item = services.item_add(
        actor=user, organisation=org, kind="qualification", fields=qualification(certificate="D221060804")
    )
    pinned.fail_next(1)
    _unchanged(item, lambda: services.item_verify(actor=user, item=item), EntitiesError.AUTHORITY_UNAVAILABLE)


def test_a_professional_who_moved_leaves_the_first_list_from_the_recorded_date(pinned: Authority) -> None:
    first, first_user = organisation()
    second, second_user = organisation("北方路桥有限公司")
    fields = professional(21)
    old = services.item_add(actor=first_user, organisation=first, kind="professional", fields=fields)
    with pytest.raises(DomainError) as caught:  # the registry does not say it moved: refused
        services.item_add(actor=second_user, organisation=second, kind="professional", fields=fields)
    assert caught.value.code == EntitiesError.NUMBER_TAKEN
    pinned.add(
        {
            "professionals": [
                {
                    "certificate": fields["certificate"],
                    "name": fields["name"],
                    "kind": "一级注册建造师",
                    "specialty": "市政公用工程",
                    "registered_to": second.uscc,
                    "registered_to_name": second.name,
                    "registered_since": "2026-11-20",
                    "valid_to": "2028-05-01",
                    "status": "valid",
                }
            ]
        }
    )
    new = services.item_add(
        actor=second_user,
        organisation=second,
        kind="professional",
        fields={**fields, "registered_since": "2026-11-20"},
    )
    old.refresh_from_db()
    assert old.retired_at is not None
    assert old.data["left_on"] == "2026-11-20"
    assert old.verification == Verification.ELSEWHERE
    assert Revision.objects.filter(item=old).latest("number").change == "left"
    assert new.retired_at is None


def test_the_business_licence_is_taken_in_from_the_registry(pinned: Authority) -> None:
    org, user = organisation()
    with pytest.raises(DomainError) as caught:
        services.licence_intake(actor=user, organisation=org)
    assert caught.value.code == EntitiesError.LICENCE_UNKNOWN
    pinned.add(
        {
            "licences": [
                {
                    "code": org.uscc,
                    "name": org.name,
                    "legal_representative": "陈建国",
                    "entity_type": "有限责任公司",
                    "registered_capital_fen": 5_000_000_000,
                    "established": "2008-06-18",
                    "address": "辽宁省沈阳市和平区南京北街 1 号",
                    "scope": "市政公用工程施工总承包；房屋建筑工程施工",
                    "status": "active",
                    "registrar": "沈阳市市场监督管理局",
                }
            ]
        }
    )
    licence = services.licence_intake(actor=user, organisation=org)
    assert licence.kind == "licence"
    assert licence.verification == Verification.MATCH
    assert licence.data["registered_capital_fen"] == 5_000_000_000
    again = services.licence_intake(actor=user, organisation=org)  # brought up to date, not duplicated
    assert again.pk == licence.pk
    assert Item.objects.filter(organisation=org, kind="licence").count() == 1
