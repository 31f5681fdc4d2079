"""How a person's name is shown: Chinese names family name first without a space (王小明),
other names given name first (Ada Lovelace)."""

from __future__ import annotations

from typing import Any


def _has_cjk(text: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" for ch in text)


def person_name(user: Any) -> str:
    first, last = (user.first_name or "").strip(), (user.last_name or "").strip()
    if not first and not last:
        return str(user.get_username())
    if _has_cjk(first + last):
        return last + first
    return f"{first} {last}".strip()
