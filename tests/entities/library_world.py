"""What the entities tests share: an organisation with a member, entries of each kind as a bidder would
enter them, and valid identity numbers."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model

from ggzy.accounts import parties
from ggzy.accounts.models import Organisation
from tests.factories import make_resident_id, make_uscc

_seq = [0]


def organisation(name: str = "天成建设有限公司", username: str | None = None) -> tuple[Organisation, Any]:
    _seq[0] += 1
    user = get_user_model().objects.create_user(username=username or f"lib-{_seq[0]}")
    org = parties.organisation_register(
        actor=None, uscc=make_uscc(), name=name, legal_representative="陈建国", contact_name="陈建国",
        contact_phone="13900000009",
    )  # fmt: skip
    parties.membership_add(actor=None, user=user, organisation=org)
    return org, user


def qualification(**overrides: Any) -> dict[str, Any]:
    return {
        "type": "construction.general.municipal",
        "level": "一级",
        "certificate": "D221060801",
        "issuer": "辽宁省住房和城乡建设厅",
        "valid_from": "2024-01-01",
        "valid_to": "2029-01-01",
        **overrides,
    }


def professional(n: int = 1, **overrides: Any) -> dict[str, Any]:
    return {
        "name": "王建军",
        "id_kind": "resident",
        "id_number": make_resident_id(n),
        "registration": "一级注册建造师",
        "specialty": "市政公用工程",
        "certificate": f"辽121060800{n:03d}",
        "registered_since": "2020-05-01",
        "valid_to": "2028-05-01",
        **overrides,
    }


def track_record(**overrides: Any) -> dict[str, Any]:
    return {
        "project": "沈阳市浑南区道路改造工程",
        "client": "沈阳市浑南区城市建设局",
        "role": "contractor",
        "contract_fen": 3_560_000_000,
        "started": "2023-03-01",
        "completed": "2024-10-30",
        **overrides,
    }
