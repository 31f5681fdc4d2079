"""The library's entries: added, edited and retired as revisions with their SM3; bad input refused with
nothing changed; a certificate number at one organisation at a time."""

from __future__ import annotations

from typing import Any

import pytest

from ggzy.core import clock
from ggzy.core.errors import DomainError
from ggzy.entities import selectors, services
from ggzy.entities.errors import EntitiesError
from ggzy.entities.models import Item, Revision
from ggzy.events.models import Event
from ggzy_sm import canonical
from ggzy_sm.sm3 import sm3
from tests.entities.library_world import organisation, professional, qualification, track_record

pytestmark = pytest.mark.django_db


def refused(code: EntitiesError, call: object, *args: object, **kwargs: object) -> DomainError:
    items, revisions, events = Item.objects.count(), Revision.objects.count(), Event.objects.count()
    with pytest.raises(DomainError) as caught:
        call(*args, **kwargs)  # type: ignore[operator]
    assert caught.value.code == code
    assert (Item.objects.count(), Revision.objects.count(), Event.objects.count()) == (
        items,
        revisions,
        events,
    )
    return caught.value


def test_an_entry_is_kept_as_revisions_each_with_its_sm3() -> None:
    org, user = organisation()
    item = services.item_add(actor=user, organisation=org, kind="qualification", fields=qualification())
    assert (item.revision, item.number, str(item.valid_to)) == (1, "D221060801", "2029-01-01")
    edited = services.item_edit(
        actor=user, item=item, fields=qualification(valid_to="2030-01-01", level="二级")
    )
    assert edited.revision == 2
    first, second = Revision.objects.filter(item=item).order_by("number")
    assert (first.body["fields"]["level"], second.body["fields"]["level"]) == ("一级", "二级")
    for revision in (first, second):
        assert revision.sm3 == sm3(canonical.dumps(revision.body)).hex()
    retired = services.item_retire(actor=user, item=edited, reason="资质证书已注销")
    assert retired.revision == 3
    assert retired.retired_at is not None
    assert [r.change for r in selectors.history(retired)] == ["retired", "edited", "added"]
    assert Event.objects.filter(type="entities.item.changed").count() == 3


def test_personal_numbers_are_encrypted_and_shown_masked() -> None:
    org, user = organisation()
    fields = professional(7)
    item = services.item_add(actor=user, organisation=org, kind="professional", fields=fields)
    item.refresh_from_db()
    assert item.secret.masked != fields["id_number"]
    assert item.secret.masked.endswith(fields["id_number"][-4:])
    assert fields["id_number"] not in str(Revision.objects.get(item=item).body)
    assert "id_number" not in item.data
    # an edit that does not give the number again keeps it
    kept = services.item_edit(
        actor=user, item=item, fields={**fields, "id_number": "", "specialty": "建筑工程"}
    )
    kept.refresh_from_db()
    assert kept.secret_lookup == item.secret_lookup
    assert kept.data["specialty"] == "建筑工程"


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        (qualification(valid_to="2023-01-01"), EntitiesError.DATES_ORDER),
        (qualification(level="特级甲等"), EntitiesError.FIELD_INVALID),
        (qualification(type="construction.invented"), EntitiesError.FIELD_INVALID),
        (qualification(valid_from="2024-13-01"), EntitiesError.FIELD_INVALID),
        (qualification(certificate=""), EntitiesError.FIELD_MISSING),
        ({**qualification(), "colour": "red"}, EntitiesError.FIELD_UNKNOWN),
    ],
)
def test_bad_qualifications_are_refused_and_change_nothing(
    fields: dict[str, object], code: EntitiesError
) -> None:
    org, user = organisation()
    refused(code, services.item_add, actor=user, organisation=org, kind="qualification", fields=fields)


def test_bad_numbers_and_amounts_are_refused() -> None:
    org, user = organisation()
    bad_id = professional(1)
    bad_id["id_number"] = bad_id["id_number"][:-1] + ("0" if bad_id["id_number"][-1] != "0" else "1")
    error = refused(
        EntitiesError.FIELD_INVALID,
        services.item_add,
        actor=user,
        organisation=org,
        kind="professional",
        fields=bad_id,
    )
    assert error.detail["field"] == "id_number"
    refused(
        EntitiesError.FIELD_INVALID,
        services.item_add,
        actor=user,
        organisation=org,
        kind="track_record",
        fields=track_record(contract_fen=12.5),
    )
    refused(
        EntitiesError.FIELD_INVALID,
        services.item_add,
        actor=user,
        organisation=org,
        kind="track_record",
        fields=track_record(contract_fen="35600.00"),
    )
    refused(
        EntitiesError.DATES_ORDER,
        services.item_add,
        actor=user,
        organisation=org,
        kind="track_record",
        fields=track_record(completed="2022-01-01"),
    )
    control = {
        "role": "shareholder",
        "party_kind": "organisation",
        "party_name": "某投资公司",
        "party_code": "91210100MA0XXXXXX0",
        "since": "2020-01-01",
    }
    refused(
        EntitiesError.FIELD_INVALID,
        services.item_add,
        actor=user,
        organisation=org,
        kind="control",
        fields=control,
    )
    refused(
        EntitiesError.KIND_UNKNOWN,
        services.item_add,
        actor=user,
        organisation=org,
        kind="spaceship",
        fields={},
    )


def test_a_certificate_number_belongs_to_one_organisation_at_a_time() -> None:
    first, first_user = organisation()
    second, second_user = organisation("北方路桥有限公司")
    services.item_add(actor=first_user, organisation=first, kind="qualification", fields=qualification())
    refused(
        EntitiesError.NUMBER_DUPLICATE,
        services.item_add,
        actor=first_user,
        organisation=first,
        kind="qualification",
        fields=qualification(),
    )
    error = refused(
        EntitiesError.NUMBER_TAKEN,
        services.item_add,
        actor=second_user,
        organisation=second,
        kind="qualification",
        fields=qualification(),
    )
    assert "D221060801" in error.text()


def test_nobody_writes_another_organisations_library() -> None:
    org, user = organisation()
    _other, stranger = organisation("北方路桥有限公司")
    refused(
        EntitiesError.NOT_FOUND,
        services.item_add,
        actor=stranger,
        organisation=org,
        kind="qualification",
        fields=qualification(),
    )
    item = services.item_add(actor=user, organisation=org, kind="qualification", fields=qualification())
    refused(EntitiesError.NOT_FOUND, services.item_retire, actor=stranger, item=item)
    with pytest.raises(DomainError):
        selectors.access_item(viewer=stranger, uid=item.uid)
    with pytest.raises(DomainError):
        selectors.snapshot(viewer=stranger, items=[item.uid])


@pytest.mark.clause("11.2.5")
def test_the_holder_keeps_its_papers_the_platform_holds_none() -> None:
    """The centre keeps no one's certificates (11.2.5): entries are the holder's electronic records, which
    it takes with it (the snapshot) and retires whenever it likes — even one a sealed bid presents; no
    one else can hold, lock or change them."""
    org, user = organisation()
    item = services.item_add(
        actor=user, organisation=org, kind="qualification", fields=qualification(),
        files=[("资质证书.pdf", b"%PDF-1.7 scanned certificate")],
    )  # fmt: skip
    taken = selectors.snapshot(viewer=user, items=[item.uid])
    assert taken["items"][0]["body"]["files"][0]["name"] == "资质证书.pdf"
    _other, staff_like = organisation("某代理公司")
    refused(EntitiesError.NOT_FOUND, services.item_retire, actor=staff_like, item=item)
    retired = services.item_retire(actor=user, item=item, reason="证书交回发证机关")
    assert retired.retired_at is not None
    assert not {f.name for f in Item._meta.get_fields()} & {"original_received", "held_by", "locked"}


def test_the_flags_of_a_whole_list_come_in_two_queries(django_assert_max_num_queries: Any) -> None:
    """A professional also registered at another organisation and a manager on an unfinished project are
    flagged; the lists ask for every row's flags at once (`flags_for`), not a query or two a row."""
    first, first_user = organisation()
    second, second_user = organisation("北方路桥有限公司")
    twice = services.item_add(
        actor=first_user, organisation=first, kind="professional", fields=professional(3)
    )
    services.item_add(
        actor=second_user,
        organisation=second,
        kind="professional",
        fields=professional(3, certificate="辽121060899999"),
    )
    busy = services.item_add(
        actor=first_user, organisation=first, kind="professional", fields=professional(4)
    )
    services.item_add(
        actor=first_user,
        organisation=first,
        kind="track_record",
        fields={k: v for k, v in track_record(manager_certificate=busy.number).items() if k != "completed"},
    )
    plain = services.item_add(
        actor=first_user, organisation=first, kind="qualification", fields=qualification()
    )
    items = list(Item.objects.filter(organisation=first))
    today = clock.local_now().date()  # as the lists read it once (on PostgreSQL a query of its own)
    with django_assert_max_num_queries(2):
        flags = selectors.flags_for(items, today=today)
    codes = {item.pk: {flag.code for flag in flags[item.pk]} for item in items}
    assert codes[twice.pk] == {"second_registration"}
    assert codes[busy.pk] == {"busy"}
    assert codes[plain.pk] == set()
    assert {flag.code for flag in selectors.flags_of(busy)} == {"busy"}
