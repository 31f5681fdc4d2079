"""The national data sets 213, 508 and 208 mapped onto the experts' columns: every mapped source resolves on
an expert, a call and a rating, identity numbers leave masked, and docs/experts.md prints the tables as the
code has them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from ggzy.core import clock
from ggzy.experts import dataset, services
from ggzy.experts.models import Call, Employment, Expert, Rating
from ggzy.experts.states import Answer
from tests.experts.test_draw import SEED, expert, request

pytestmark = pytest.mark.django_db
DOC = Path(__file__).resolve().parents[2] / "docs" / "experts.md"


def _walk(model: type, path: str) -> None:
    for part in path.split(".")[:-1]:
        model = model._meta.get_field(part).related_model  # type: ignore[attr-defined]
    model._meta.get_field(path.rsplit(".", maxsplit=1)[-1])  # type: ignore[attr-defined]


def test_every_mapped_field_exists_and_identity_numbers_leave_masked(monkeypatch: pytest.MonkeyPatch) -> None:
    for table, model in (
        (dataset.DATA_SET_213_FIELDS, Expert),
        (dataset.DATA_SET_508_FIELDS, Call),
        (dataset.DATA_SET_208_FIELDS, Rating),
    ):
        for _code, _name, source in table:
            if source not in dataset.DERIVED:
                _walk(model, source)
    pool = [expert(n) for n in range(9)]
    Employment.objects.create(expert=pool[0], uscc="91210100MA0EMPLOYE", employer="沈阳建筑设计院")
    made = services.request_fix(actor=None, request=request())
    services.calls_make(actor=None, request=made, seed=SEED)
    call = Call.objects.filter(request=made).order_by("sequence").first()
    assert call is not None
    services.call_answer(actor=call.expert.user, call=call, answer=Answer.ACCEPTED)
    later = made.evaluation_at + dt.timedelta(hours=5)
    monkeypatch.setattr(clock, "authority_now", lambda: later)
    user = get_user_model().objects.create_user(username="rater")
    services.fee_record(actor=user, call=call, amount_fen=80_000, hours="4", basis="评审 4 小时")
    rating = services.rating_record(actor=user, call=call, score=4, conduct="good", note="认真")
    basic = dataset.record_213(pool[0])
    assert basic["EMPLOYER"] == "沈阳建筑设计院"
    assert basic["ID_CARD"] == "2101**********0000"
    assert basic["EXPERT_TYPE"] == "technical"
    member = dataset.record_508(Call.objects.get(pk=call.pk))
    assert member["CONFIRM_RESULT"] == "accepted"
    assert member["FEE"] == 80_000
    assert member["EVALUATION_PLACE"] == made.place
    assert "*" in str(member["ID_CARD"])
    credit = dataset.record_208(rating)
    assert (credit["EVALUATE_SCORE"], credit["EVALUATE_RESULT"]) == (4, "good")


def test_the_docs_print_the_tables_as_the_code_has_them() -> None:
    text = DOC.read_text("utf-8")
    for table in (dataset.DATA_SET_213_FIELDS, dataset.DATA_SET_508_FIELDS, dataset.DATA_SET_208_FIELDS):
        for code, name, source in table:
            assert f"| `{code}` | {name} | `{source}` |" in text, code
