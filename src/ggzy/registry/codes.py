"""The codes of the national data specification V2.0 (发改办法规〔2018〕1156号), as real platforms issue
them (docs/registry.md says where each was confirmed):

    project code         17 = category letter + GB/T 2260 region (6) + year (4) + sequence (6)
    tender-project code  20 = project code + sequence (3)
    section code         23 = tender-project code + sequence (3); `001` when not split

The platform issues these three (the project code only where no outside one exists). Codes from
outside are stored and validated, never invented: the investment-project code of the national online
approval platform (全国投资项目在线审批监管平台, `2026-210100-48-01-000123`), the provincial approval
or filing number of an engineering project, and the procurement plan or filing number."""

from __future__ import annotations

import re

from ggzy.core.errors import DomainError
from ggzy.registry.errors import RegistryError
from ggzy.registry.models import CodeCounter

PROJECT_CODE = re.compile(r"^[A-Z]\d{6}\d{4}\d{6}$")
INVESTMENT_CODE = re.compile(r"^(?P<year>\d{4})-(?P<region>\d{6})-(?P<industry>\d{2})-(?P<kind>\d{2})-\d{6}$")
#: A document number: issuer abbreviation, year in 〔〕 (or [] / ()), number, 号 — or a filing serial.
DOCUMENT_NUMBER = re.compile(
    r"^(?:[\u4e00-\u9fffA-Za-z]{1,20}[〔\[（(]\d{4}[〕\]）)]\d{1,6}号|[A-Z0-9][A-Z0-9-]{5,39})$"
)
#: Province-level prefixes of GB/T 2260 (11 Beijing … 65 Xinjiang, 71 Taiwan, 81/82 Hong Kong, Macao).
PROVINCES = {
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65",
    "71", "81", "82",
}  # fmt: skip
EXTERNAL = ("investment_code", "approval_number", "procurement_plan")


def check_region(region: str) -> None:
    if not re.fullmatch(r"\d{6}", region or "") or region[:2] not in PROVINCES:
        raise DomainError(RegistryError.CODE_INVALID, detail={"field": "region", "value": region})


def check_external(field: str, value: str, *, this_year: int) -> str:
    """`value` of the outside code `field`, normalised, or CODE_INVALID naming the field."""
    value = (value or "").strip().replace(" ", "")
    if field == "investment_code":
        match = INVESTMENT_CODE.match(value)
        ok = bool(match) and 2014 <= int(match["year"]) <= this_year + 1 and match["region"][:2] in PROVINCES  # type: ignore[index]  # noqa: PLR2004
    elif field in ("approval_number", "procurement_plan"):
        value = value.upper() if value.isascii() else value
        ok = bool(DOCUMENT_NUMBER.match(value))
    else:
        ok = False
    if not ok:
        raise DomainError(RegistryError.CODE_INVALID, detail={"field": field, "value": value})
    return value


def _next(prefix: str, width: int) -> str:
    """The next sequence under `prefix` (the caller holds a transaction; the counter row is locked)."""
    counter, _created = CodeCounter.objects.select_for_update().get_or_create(prefix=prefix)
    counter.last += 1
    if counter.last >= 10**width:
        raise DomainError(RegistryError.CODE_EXHAUSTED, detail={"prefix": prefix})
    counter.save(update_fields=["last"])
    return f"{prefix}{counter.last:0{width}d}"


def project_code(*, letter: str, region: str, year: int) -> str:
    check_region(region)
    return _next(f"{letter}{region}{year:04d}", 6)


def tender_project_code(project_code: str) -> str:
    return _next(project_code, 3)


def section_code(tender_project_code: str) -> str:
    return _next(tender_project_code, 3)
