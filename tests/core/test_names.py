from types import SimpleNamespace

import pytest

from ggzy.core.names import person_name


@pytest.mark.parametrize(
    ("first", "last", "shown"),
    [
        ("小明", "王", "王小明"),
        ("Ada", "Lovelace", "Ada Lovelace"),
        ("", "", "login"),
        ("芳", "欧阳", "欧阳芳"),
        ("", "张", "张"),
    ],
)
def test_person_name(first: str, last: str, shown: str) -> None:
    user = SimpleNamespace(first_name=first, last_name=last, get_username=lambda: "login")
    assert person_name(user) == shown
