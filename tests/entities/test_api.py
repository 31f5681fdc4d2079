"""The library through the API: an entry added, listed, read, put into a snapshot whose SM3 check out,
retired (once); a bad entry refused in Chinese with nothing created; personal and account numbers only
ever masked; another bidder's entry answers like a missing one; a lookup without an authority is a 503
that changes nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from ggzy.accounts.models import RoleGrant
from ggzy.core import clock
from ggzy.core.roles import Role
from ggzy.entities.models import Item, Revision
from ggzy.events.models import Event
from ggzy_sm import canonical
from ggzy_sm.sm3 import sm3
from tests.entities.library_world import organisation, professional, qualification
from tests.factories import signed_in

pytestmark = pytest.mark.django_db

ITEMS = "/api/v1/library/items"
MISSING = "00000000-0000-4000-8000-000000000000"
ACCOUNT = "6222020200112233445"


def bidder(name: str = "天成建设有限公司") -> tuple[Any, Any, Client]:
    org, user = organisation(name)
    RoleGrant.objects.create(user=user, role=Role.RESPONDER, organisation=org, granted_at=clock.now())
    return org, user, signed_in(Client(), user)


def post(client: Client, path: str, body: object) -> Any:
    return client.post(path, json.dumps(body), content_type="application/json")


def _counts() -> tuple[int, int, int]:
    return Item.objects.count(), Revision.objects.count(), Event.objects.count()


def test_an_entry_goes_round_the_api_into_a_snapshot_and_out_of_the_library() -> None:
    org, _user, client = bidder()
    added = post(client, ITEMS, {"kind": "qualification", "fields": qualification()})
    assert added.status_code == 201, added.json()
    entry = added.json()
    assert (entry["kind"], entry["number"], entry["state"], entry["revision"]) == (
        "qualification",
        "D221060801",
        "active",
        1,
    )
    assert entry["fields"]["level"] == "一级"
    assert entry["valid_to"] == "2029-01-01"
    person = professional(6)
    second = post(client, ITEMS, {"kind": "professional", "fields": person})
    assert second.status_code == 201
    account = post(
        client,
        ITEMS,
        {
            "kind": "bank_account",
            "fields": {"bank": "中国工商银行", "account_name": org.name, "account_number": ACCOUNT,
                       "account_kind": "basic"},
        },
    )  # fmt: skip
    assert account.status_code == 201
    # personal and account numbers: masked, never whole
    for answer in (second, account, client.get(ITEMS)):
        text = answer.content.decode()
        assert person["id_number"] not in text
        assert person["id_number"][4:-4] not in text
        assert ACCOUNT not in text
    assert second.json()["personal_number"].endswith(person["id_number"][-4:])
    assert "*" in second.json()["personal_number"]
    assert account.json()["account_number"] == "*" * (len(ACCOUNT) - 4) + ACCOUNT[-4:]
    listed = client.get(ITEMS)
    assert listed.status_code == 200
    assert listed["X-Total-Count"] == "3"
    assert {i["uid"] for i in listed.json()} == {entry["uid"], second.json()["uid"], account.json()["uid"]}
    one = client.get(f"{ITEMS}/{entry['uid']}")
    assert one.status_code == 200
    assert one.json()["sm3"] == entry["sm3"]
    # the snapshot: what ggzy-bid seals
    snapshot = post(client, "/api/v1/library/snapshot", {"items": [entry["uid"], second.json()["uid"]]})
    assert snapshot.status_code == 200
    document = snapshot.json()
    assert document["format"] == "ggzy-library-snapshot-v1"
    assert document["organisation"] == org.uscc
    assert [i["item"] for i in document["items"]] == [entry["uid"], second.json()["uid"]]
    for item in document["items"]:
        assert item["sm3"] == sm3(canonical.dumps(item["body"])).hex()
    assert document["items"][0]["sm3"] == entry["sm3"]
    assert person["id_number"] not in snapshot.content.decode()
    empty = post(client, "/api/v1/library/snapshot", {"items": []})
    assert (empty.status_code, empty.json()["code"]) == (422, "library_snapshot_empty")
    # retired once; then a conflict; the list leaves it out unless asked
    retired = post(client, f"{ITEMS}/{entry['uid']}/retire", {"reason": "资质证书已注销"})
    assert retired.status_code == 200
    assert (retired.json()["state"], retired.json()["retired_reason"]) == ("retired", "资质证书已注销")
    again = post(client, f"{ITEMS}/{entry['uid']}/retire", {"reason": "再次"})
    assert (again.status_code, again.json()["code"]) == (409, "library_item_retired")
    assert entry["uid"] not in {i["uid"] for i in client.get(ITEMS).json()}
    assert entry["uid"] in {i["uid"] for i in client.get(f"{ITEMS}?retired=true").json()}
    gone = post(client, "/api/v1/library/snapshot", {"items": [entry["uid"]]})
    assert gone.status_code == 404


def test_a_bad_entry_is_refused_in_chinese_and_creates_nothing() -> None:
    _org, _user, client = bidder()
    before = _counts()
    bad = post(client, ITEMS, {"kind": "qualification", "fields": qualification(valid_to="2023-01-01")})
    assert bad.status_code == 422
    assert bad.json()["code"] == "library_dates_order"
    assert "有效期不能在开始之前结束" in bad.json()["message"]
    float_amount = post(client, ITEMS, {"kind": "track_record", "fields": {"contract_fen": 12.5}})
    assert (float_amount.status_code, float_amount.json()["code"]) == (422, "validation_failed")
    unknown = post(client, ITEMS, {"kind": "diploma", "fields": {}})
    assert unknown.status_code == 422
    assert _counts() == before


def test_another_bidders_entry_answers_like_a_missing_one() -> None:
    _org, _user, client = bidder()
    entry = post(client, ITEMS, {"kind": "qualification", "fields": qualification()}).json()
    _other_org, _other_user, other = bidder("远航建设有限公司")
    before = _counts()
    for method, suffix, body in (
        ("get", "", None),
        ("post", "/retire", {"reason": "不是我的"}),
        ("post", "/verify", None),
    ):
        answers = [
            other.generic(method.upper(), f"{ITEMS}/{uid}{suffix}", json.dumps(body or {}),
                          content_type="application/json")
            for uid in (entry["uid"], MISSING)
        ]  # fmt: skip
        assert answers[0].status_code == answers[1].status_code == 404, suffix
        assert answers[0].json() == answers[1].json(), suffix
    assert post(other, "/api/v1/library/snapshot", {"items": [entry["uid"]]}).status_code == 404
    assert other.get(ITEMS).json() == []
    assert _counts() == before


def test_a_lookup_without_an_authority_is_a_503_that_changes_nothing(settings: Any) -> None:
    settings.GGZY_AUTHORITY_URL = ""
    _org, _user, client = bidder()
    entry = post(client, ITEMS, {"kind": "qualification", "fields": qualification()}).json()
    before = _counts()
    answer = post(client, f"{ITEMS}/{entry['uid']}/verify", None)
    assert (answer.status_code, answer.json()["code"]) == (503, "library_authority_not_configured")
    assert _counts() == before


def test_only_bidders_use_the_library_api(client_as: Any) -> None:
    assert Client().get(ITEMS).status_code == 401
    assert client_as(Role.CENTRE_STAFF).get(ITEMS).status_code == 403
