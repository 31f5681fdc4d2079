"""The national data set 503 mapping: every mapped source resolves on a notice, and docs/notices.md
prints the table as the code has it."""

from __future__ import annotations

from pathlib import Path

import pytest

from ggzy.notices import dataset
from ggzy.notices.models import Notice
from tests.notices.conftest import Place

pytestmark = pytest.mark.django_db
DOC = Path(__file__).resolve().parents[2] / "docs" / "notices.md"


def _resolve(notice: Notice, path: str) -> object:
    value: object = notice
    for part in path.split("."):
        value = getattr(value, part)
    return value


def test_every_mapped_field_exists_on_a_notice(place: Place) -> None:
    original = place.scheduled()
    notice = place.draft(
        notice_type="termination",
        title="终止公告",
        content={"reason": "项目取消", "contacts": "李"},
        corrects=original,
    )
    for code, _name, source in dataset.DATA_SET_503:
        if source in dataset.DERIVED:
            continue
        first = source.split(".")[0]
        assert first in {f.name for f in Notice._meta.get_fields()}, code
        _resolve(notice, source)  # every step of the path is a field or relation
    assert dataset.nature(notice.type) == "3"
    assert set(dataset.DERIVED) <= {s for _c, _n, s in dataset.DATA_SET_503}


def test_the_docs_print_the_mapping() -> None:
    text = DOC.read_text(encoding="utf-8")
    for code, name, source in dataset.DATA_SET_503:
        assert f"| `{code}` | {name} | `{source}` |" in text, code


def test_every_field_of_data_set_521_exists_on_an_objection() -> None:
    from ggzy.notices.models import Objection

    names = {f.name for f in Objection._meta.get_fields()}
    for code, _name, source in dataset.DATA_SET_521:
        if source in dataset.DERIVED_521:
            continue
        first = source.split(".")[0]
        assert first in names, code
        model = Objection
        for part in source.split(".")[:-1]:  # every step of the path is a relation, the last a field
            model = model._meta.get_field(part).related_model
        model._meta.get_field(source.split(".")[-1])
    assert dataset.suspended(None) == "0"
    assert dataset.suspended(7) == "1"


def test_the_docs_print_the_521_mapping() -> None:
    text = DOC.read_text(encoding="utf-8")
    for code, name, source in dataset.DATA_SET_521:
        assert f"| `{code}` | {name} | `{source}` |" in text, code
