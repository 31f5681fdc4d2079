"""Chinese identity codes: validation, normalisation and check-character computation.

A pure module (standard library only, no Django) so forms, API schemas, services, the demo data
generator and tests can share it. Every ``validate_*`` function returns the normalised code or raises
`InvalidIdentifier` — a `ValueError` carrying a machine ``reason`` (for error codes and translated
messages) and a human English message. The ``*_check_char`` helpers compute check characters, so
valid codes can be made from any body.

Normalisation (all codes)
    Unicode NFKC (full-width ``９１ＡＢ`` typed with a Chinese input method becomes ``91AB``), surrounding
    white space stripped (including the ideographic space U+3000), ASCII letters upper-cased.
    Inner spaces are *not* removed. Non-ASCII characters left after NFKC are refused as ``charset``.

Refusal reasons
    ===========================  ======================================================================
    ``length``                   wrong number of characters (including empty)
    ``charset``                  a character outside the code's alphabet
    ``registration_code``        USCC positions 1–2 are ``0`` (no registration authority uses it)
    ``region``                   USCC positions 3–8 not digits; resident ID address code not a province
    ``org_code_check_digit``     USCC positions 9–17: the embedded GB 11714 check character is wrong
    ``check_digit``              the code's own check character is wrong
    ``birth_date``               resident ID birth date not a real date, before 1900 or in the future
    ``format``                   passport / travel permit does not follow the documented pattern; a
                                 registration number abroad has no letter or digit
    ``country``                  the passport's country is not a 2- or 3-letter ISO 3166 code; a
                                 registration abroad names no country or one that is not an assigned
                                 ISO 3166-1 alpha-2 code; a country given with a kind that has none
    ``not_foreign``              a registration "abroad" in CN, HK, MO or TW: those organisations
                                 register with their own kind of code (USCC, BR, Macao, UBN)
    ``kind``                     unknown travel permit kind; unknown kind of organisation code
    ===========================  ======================================================================

统一社会信用代码 — Unified Social Credit Identifier, GB 32100-2015
    18 characters from the 31-character alphabet ``0123456789ABCDEFGHJKLMNPQRTUWXY`` (no I, O, Z, S,
    V), whose characters have the values 0..30 in that order.

    ========  ===================================================================================
    1         登记管理部门码 registration authority
    2         机构类别码 institution category
    3–8       登记管理机关行政区划码 administrative division (GB/T 2260), 6 digits. Not limited to
              province prefixes: central bodies register at ``100000`` (the whole country).
    9–17      主体标识码: the GB 11714 组织机构代码 (8 body characters + its check character)
    18        GB 32100 check character
    ========  ===================================================================================

    Check character: weights ``W_i = 3^i mod 31`` = 1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8,
    24, 10, 30, 28 over positions 1–17; ``C = 31 − (Σ value_i·W_i mod 31)``, 31 → 0, mapped back
    through the alphabet. 31 is prime and every weight is non-zero mod 31, so *every* single-character
    substitution anywhere in the code changes the sum and is caught by this check alone.

    Registration authority / institution category (positions 1–2) — informational, **not enforced**
    beyond the alphabet and "not ``0``": the 2015 table below was extended by later amendments and
    departmental rules, and published copies of the extended table disagree with each other, so a
    closed list would risk refusing real codes. No version assigns ``0`` to either position, so
    ``0`` is refused (that catches the all-zero code, which satisfies both checksums).

    ====  =============================  ========================================================
    1     机构编制 establishment office   1 机关 organ, 2 事业单位 public institution,
                                         3 群众团体 mass organisation, 9 其他 other
    5     民政 civil affairs              1 社会团体 social group, 2 民办非企业单位 private non-enterprise,
                                         3 基金会 foundation, 9 其他 other
    9     工商 market regulation          1 企业 enterprise, 2 个体工商户 individual business,
                                         3 农民专业合作社 farmers' cooperative
    Y     其他 other                      1
    ====  =============================  ========================================================

组织机构代码 — organisation code, GB 11714-1997
    8 body characters (digits, or upper-case Latin letters A–Z with the values 10–35) and a check
    character: weights 3, 7, 9, 10, 5, 8, 4, 2; ``C = 11 − (Σ value_i·W_i mod 11)``, 10 → ``X``,
    11 → ``0``. Usually printed ``XXXXXXXX-C``; the hyphen is accepted and dropped. Because letters
    take values up to 35, two body characters whose values differ by 11 or 22 (``0``/``B``/``M``,
    ``1``/``C``/``N``, …) give the same sum: a single substitution between such characters is NOT
    detected by GB 11714 alone (inside a USCC the GB 32100 check still catches it). Substitutions
    between digits, and any change to the check character, are always detected.

公民身份号码 — citizen identity number, GB 11643-1999
    17 digits + a check character (0–9 or ``X``): 6-digit address code (GB/T 2260), birth date
    ``YYYYMMDD`` (GB/T 7408), 3-digit sequence (odd: male, even: female), check character by
    ISO 7064 MOD 11-2: weights ``2^(17−i) mod 11`` = 7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4,
    2; the check character is ``"10X98765432"[Σ mod 11]``. Digit substitutions and changes to the
    check character are always detected. The 15-digit first-generation numbers (cards invalid since
    2013-01-01) are refused as ``length``.

    The birth date must be a real calendar date, year ≥ 1900 and not after *today* (callers with
    the platform's legal clock pass ``today``; the default is the host's date in China, UTC+8).

    Accepted address-code prefixes (``resident_id_kind`` reports the kind):

    ===============================  ===========================================================
    11–15, 21–23, 31–37, 41–46,      the 31 mainland province-level divisions → ``resident``
    50–54, 61–65
    71                               台湾省 Taiwan (GB/T 2260 lists it) → ``resident``
    810000 / 820000                  港澳居民居住证 Hong Kong / Macao residence permit
                                     → ``hk_macao_residence_permit``
    830000                           台湾居民居住证 Taiwan residence permit → ``taiwan_residence_permit``
    ``9`` + 17 digits                外国人永久居留身份证 (2023 edition, issued from 2023-12-01)
                                     → ``foreign_permanent_resident``
    ===============================  ===========================================================

    The residence permits (港澳台居民居住证申领发放办法, 2018) carry a 公民身份号码-format number whose
    address code is exactly 810000, 820000 or 830000, so other ``81``/``82``/``83`` prefixes are
    refused as ``region``. There is no province ``91``: the 2023 foreign permanent resident ID card
    number uses ``9`` as a "foreigner" marker in position 1 (citizen numbers start with 1–8),
    followed by acceptance-place and nationality codes (positions 2–6, not checked here), the birth
    date in positions 7–14 and the same MOD 11-2 check character — so it is validated like a
    citizen number except for positions 2–6. The older 15-character card (3 letters + 12 digits) is
    not a 公民身份号码 and is refused.

Passports (``validate_passport``)
    ICAO 9303 leaves the number to the issuing state, so the check is permissive: 5–20 characters of
    A–Z and 0–9. With ``country`` ``CN``/``CHN`` the People's Republic's patterns are required: one
    or two letters then 7–8 digits — ordinary ``E`` + 8 digits and, after the E series ran out,
    ``EA``–``EZ`` + 7 digits (`is_chinese_ordinary_passport`); the older ordinary ``G`` + 8 digits;
    diplomatic / service / public-affairs ``DE``/``SE``/``PE`` + 7 digits; the Hong Kong SAR
    (``K``/``H`` + 8 digits) and Macao SAR (``MA``… + 7 digits) passports also carry country CHN.

Travel permits (``validate_travel_permit``)
    ``hk_macao`` 港澳居民来往内地通行证 (回乡证): ``H`` (Hong Kong) or ``M`` (Macao) + 8 digits
    (card format, 2013 on), or + 10 digits (the older number: 8-digit lifelong number + 2-digit
    issue count).

    ``taiwan`` 台湾居民来往大陆通行证 (台胞证): 8 digits — the lifelong number used alone since
    2008-09-25 and on the card format (2015 on); the 1992–2008 booklet number, 10 digits (lifelong
    number + 2-digit issue count) optionally followed by the issuing-office code, one letter or digit
    in parentheses, e.g. ``1234567801(B)`` (full-width parentheses are normalised to ASCII).

Refusing real documents would exclude people from outside the region (standard 11.2.6), so the
passport and permit checks accept every plausible format and refuse only clear garbage.

Organisations without a 统一社会信用代码 (``validate_organisation_code``)
    An organisation registered in Hong Kong, Macao, Taiwan or abroad has no USCC; refusing it would be
    a barrier to out-of-region bidders (standard 11.2.6). Its registration code is validated by kind
    (`ORGANISATION_CODE_KINDS`), and `organisation_region` gives its region:

    ==============  ====================================================  ==========  ==============
    kind            code                                                  check       region
    ==============  ====================================================  ==========  ==============
    ``uscc``        统一社会信用代码, as `validate_uscc`                   GB 32100    positions 3–8
    ``hk_br``       香港商业登记号码: 8 digits                              format      ``810000``
    ``macao``       澳门商业登记编号: 1–10 digits                           format      ``820000``
    ``taiwan_ubn``  台湾统一编号 (統一編號): 8 digits                      see below   ``710000``
    ``foreign``     境外注册号: 1–40 of A–Z 0–9 ``-`` ``/`` ``.`` and      format      none (``""``)
                    inner spaces, with the ISO 3166-1 alpha-2 country
    ==============  ====================================================  ==========  ==============

    The regions are the GB/T 2260 lines for 香港特别行政区 (810000), 澳门特别行政区 (820000) and
    台湾省 (710000); a registration abroad has none.

    ``hk_br`` — the Business Registration Number given by the Inland Revenue Department's Business
    Registration Office under the Business Registration Ordinance (Cap. 310): the first 8 digits of
    the certificate number printed on the Business Registration Certificate (``12345678`` of a
    certificate number ``12345678-000-…``); since 2023-12-27 the Companies Registry also uses it as the Unique
    Business Identifier of companies. No check digit is published, so only the format is checked.
    [verify: read in secondary sources (UBI announcements by HK company secretaries), not in the
    Ordinance or an IRD text.]

    ``macao`` — the registration number (登記編號 / número de registo) of the Macao 商業及動產登記局
    (Conservatória dos Registos Comercial e de Bens Móveis), under the Código do Registo Comercial.
    Format check only: digits, 1 to 10 of them. [verify: no official description of the number's
    format was read; the range is deliberately wide so that no real number is refused.]

    ``taiwan_ubn`` — 營利事業統一編號, 8 digits, the last a check digit. Weights ``1, 2, 1, 2, 1, 2, 4,
    1``; the digits of each product are added (``4 × 7 = 28`` gives ``2 + 8 = 10``) and the total is
    valid when divisible by 5; when the 7th digit is 7 the total is also valid when ``total + 1`` is
    divisible by 5 (``10`` may be read as ``1 + 0``). Source: 財政部「營利事業統一編號檢查碼邏輯修正
    說明」, in force 2023-04-01 (民國112年), which relaxed "divisible by 10" to "divisible by 5" so that
    every number valid under the old rule stays valid. [verify: the rule was read as quoted by the
    北區國稅局 press release and by published validators, not in the Ministry's own document.]

    ``foreign`` — a registration in any other country: the number its registry gives (a company
    number, a commercial register entry such as ``HRB 12345``), upper-cased, runs of white space made
    one space; and the country, an officially assigned ISO 3166-1 alpha-2 code (`ISO_3166_ALPHA2`,
    the 249 codes of ISO 3166-1:2020 [verify against the ISO Online Browsing Platform]). ``CN``,
    ``HK``, ``MO`` and ``TW`` are refused (``not_foreign``): those organisations register with their
    own kind of code. Registries differ too much for any check beyond the format.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta, timezone
from typing import Final, Literal, cast

from ggzy_sm.codes import (
    ORG_CODE_WEIGHTS,
    ORG_VALUES,
    RESIDENT_ID_WEIGHTS,
    USCC_ALPHABET,
    USCC_VALUES,
    USCC_WEIGHTS,
    org_code_check,
    resident_id_check,
    uscc_check,
)

__all__ = [
    "ISO_3166_ALPHA2",
    "KIND_REGIONS",
    "ORGANISATION_CODE_KINDS",
    "ORGANISATION_CODE_MAX",
    "ORG_CODE_WEIGHTS",
    "PROVINCE_CODES",
    "RESIDENT_ID_WEIGHTS",
    "TAIWAN_UBN_WEIGHTS",
    "USCC_ALPHABET",
    "USCC_REGISTRATION_AUTHORITIES",
    "USCC_WEIGHTS",
    "InvalidIdentifier",
    "OrganisationCodeKind",
    "Reason",
    "ResidentIdKind",
    "TravelPermitKind",
    "is_chinese_ordinary_passport",
    "org_code_check_char",
    "organisation_country",
    "organisation_region",
    "resident_id_check_char",
    "resident_id_kind",
    "uscc_check_char",
    "validate_org_code",
    "validate_organisation_code",
    "validate_passport",
    "validate_resident_id",
    "validate_taiwan_ubn",
    "validate_travel_permit",
    "validate_uscc",
]

Reason = Literal[
    "length",
    "charset",
    "registration_code",
    "region",
    "org_code_check_digit",
    "check_digit",
    "birth_date",
    "format",
    "country",
    "not_foreign",
    "kind",
]
ResidentIdKind = Literal[
    "resident", "hk_macao_residence_permit", "taiwan_residence_permit", "foreign_permanent_resident"
]
TravelPermitKind = Literal["hk_macao", "taiwan"]
OrganisationCodeKind = Literal["uscc", "hk_br", "macao", "taiwan_ubn", "foreign"]


class InvalidIdentifier(ValueError):  # noqa: N818  (the name the accounts app and its callers use)
    """An identity code was refused; ``reason`` is machine-readable, ``message`` is for people."""

    def __init__(self, reason: Reason, message: str) -> None:
        super().__init__(message)
        self.reason: Reason = reason
        self.message = message

    def __repr__(self) -> str:
        return f"InvalidIdentifier({self.reason!r}, {self.message!r})"


# --- tables ------------------------------------------------------------------------------------

_DIGITS: Final = frozenset("0123456789")

# the alphabets, weights and check characters are ggzy_sm.codes' (shared with the simulators, no Django)
_USCC_VALUES: Final = USCC_VALUES

#: GB 32100-2015 position 1 as published in 2015 (informational; see the module docstring).
USCC_REGISTRATION_AUTHORITIES: Final = {
    "1": "机构编制 establishment office",
    "5": "民政 civil affairs",
    "9": "工商 market regulation",
    "Y": "其他 other",
}

_ORG_VALUES: Final = ORG_VALUES
_ORG_CHECK_CHARS: Final = frozenset("0123456789X")

#: GB/T 2260 province-level codes accepted as the first two digits of a 公民身份号码.
PROVINCE_CODES: Final = {
    "11": "北京 Beijing",
    "12": "天津 Tianjin",
    "13": "河北 Hebei",
    "14": "山西 Shanxi",
    "15": "内蒙古 Inner Mongolia",
    "21": "辽宁 Liaoning",
    "22": "吉林 Jilin",
    "23": "黑龙江 Heilongjiang",
    "31": "上海 Shanghai",
    "32": "江苏 Jiangsu",
    "33": "浙江 Zhejiang",
    "34": "安徽 Anhui",
    "35": "福建 Fujian",
    "36": "江西 Jiangxi",
    "37": "山东 Shandong",
    "41": "河南 Henan",
    "42": "湖北 Hubei",
    "43": "湖南 Hunan",
    "44": "广东 Guangdong",
    "45": "广西 Guangxi",
    "46": "海南 Hainan",
    "50": "重庆 Chongqing",
    "51": "四川 Sichuan",
    "52": "贵州 Guizhou",
    "53": "云南 Yunnan",
    "54": "西藏 Tibet",
    "61": "陕西 Shaanxi",
    "62": "甘肃 Gansu",
    "63": "青海 Qinghai",
    "64": "宁夏 Ningxia",
    "65": "新疆 Xinjiang",
    "71": "台湾 Taiwan",
    "81": "香港 Hong Kong (residence permit 810000 only)",
    "82": "澳门 Macao (residence permit 820000 only)",
    "83": "台湾居民居住证 Taiwan residence permit (830000 only)",
}
_PERMIT_ADDRESS_CODES: Final[dict[str, ResidentIdKind]] = {
    "810000": "hk_macao_residence_permit",
    "820000": "hk_macao_residence_permit",
    "830000": "taiwan_residence_permit",
}
_FOREIGN_PERMANENT_RESIDENT_MARK: Final = "9"
_EARLIEST_BIRTH_YEAR: Final = 1900
_CHINA_TIME: Final = timezone(timedelta(hours=8), "UTC+08:00")  # China keeps no daylight saving

_PASSPORT_CHARS: Final = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
_PASSPORT_MIN, _PASSPORT_MAX = 5, 20
_CN_COUNTRIES: Final = frozenset({"CN", "CHN"})
_CN_PASSPORT: Final = re.compile(r"[A-Z]{1,2}[0-9]{7,8}")
_CN_ORDINARY_PASSPORT: Final = re.compile(r"E(?:[0-9]{8}|[A-Z][0-9]{7})")
_COUNTRY: Final = re.compile(r"[A-Z]{2,3}")
_HK_MACAO_PERMIT: Final = re.compile(r"[HM](?:[0-9]{8}|[0-9]{10})")
_TAIWAN_PERMIT: Final = re.compile(r"[0-9]{8}|[0-9]{10}(?:\([0-9A-Z]\))?")
_TAIWAN_PERMIT_CHARS: Final = _PASSPORT_CHARS | {"(", ")"}

ORGANISATION_CODE_KINDS: Final[tuple[OrganisationCodeKind, ...]] = (
    "uscc",
    "hk_br",
    "macao",
    "taiwan_ubn",
    "foreign",
)
#: The longest organisation code of any kind, normalised (a registration number abroad).
ORGANISATION_CODE_MAX: Final = 40
#: The GB/T 2260 region of an organisation whose code is not a USCC (a USCC carries its own).
KIND_REGIONS: Final[dict[str, str]] = {
    "hk_br": "810000",
    "macao": "820000",
    "taiwan_ubn": "710000",
    "foreign": "",
}
TAIWAN_UBN_WEIGHTS: Final = (1, 2, 1, 2, 1, 2, 4, 1)
_MACAO_MAX: Final = 10
_FOREIGN_CHARS: Final = _PASSPORT_CHARS | {"-", "/", ".", " "}
_ALPHANUMERIC: Final = _PASSPORT_CHARS
#: Countries whose organisations register with a code of their own kind, never as a registration abroad.
_NOT_FOREIGN: Final = {"CN": "uscc", "HK": "hk_br", "MO": "macao", "TW": "taiwan_ubn"}
#: ISO 3166-1 alpha-2, the 249 officially assigned codes (no user-assigned or reserved ones).
ISO_3166_ALPHA2: Final = frozenset(
    """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT
    BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH
    ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT
    HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS
    LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI
    NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG
    SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG
    UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW
    """.split()  # noqa: SIM905  (a table to read, not 249 quoted strings)
)


# --- helpers -----------------------------------------------------------------------------------


def _normalise(raw: str) -> str:
    """NFKC, strip, upper-case ASCII letters (non-ASCII stays, to be refused as ``charset``)."""
    value = unicodedata.normalize("NFKC", raw).strip()
    return value.upper() if value.isascii() else value


def _require_length(value: str, length: int, what: str) -> None:
    if len(value) != length:
        raise InvalidIdentifier("length", f"{what} has {length} characters, not {len(value)}.")


def _bad_chars(value: str, allowed: frozenset[str] | dict[str, int]) -> str:
    return "".join(sorted({char for char in value if char not in allowed}))


# --- check characters --------------------------------------------------------------------------


_org_check = org_code_check
_uscc_check = uscc_check
_resident_check = resident_id_check


def org_code_check_char(first8: str) -> str:
    """The GB 11714 check character (``0``–``9`` or ``X``) for an 8-character organisation code body."""
    body = _normalise(first8)
    _require_length(body, 8, "An organisation code body")
    if bad := _bad_chars(body, _ORG_VALUES):
        raise InvalidIdentifier("charset", f"An organisation code body uses only 0–9 and A–Z, not {bad!r}.")
    return _org_check(body)


def uscc_check_char(first17: str) -> str:
    """The GB 32100 check character for the first 17 characters of a unified social credit code."""
    body = _normalise(first17)
    _require_length(body, 17, "The body of a unified social credit code")
    if bad := _bad_chars(body, _USCC_VALUES):
        raise InvalidIdentifier("charset", f"A unified social credit code cannot contain {bad!r}.")
    return _uscc_check(body)


def resident_id_check_char(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character (``0``–``9`` or ``X``) for 17 digits of an ID number."""
    body = _normalise(first17)
    _require_length(body, 17, "The body of an identity number")
    if bad := _bad_chars(body, _DIGITS):
        raise InvalidIdentifier("charset", f"The body of an identity number is digits only, not {bad!r}.")
    return _resident_check(body)


# --- organisation codes --------------------------------------------------------------------------


def validate_uscc(code: str) -> str:
    """Validate a 统一社会信用代码 (GB 32100-2015); return it upper-cased and stripped."""
    value = _normalise(code)
    _require_length(value, 18, "A unified social credit code")
    if bad := _bad_chars(value, _USCC_VALUES):
        raise InvalidIdentifier(
            "charset",
            f"A unified social credit code uses 0–9 and the letters A–Y except I, O, S, V, Z; not {bad!r}.",
        )
    if "0" in value[:2]:
        raise InvalidIdentifier(
            "registration_code",
            "The first two characters (registration authority and institution category) cannot be 0.",
        )
    if not set(value[2:8]) <= _DIGITS:
        raise InvalidIdentifier(
            "region", "Characters 3 to 8 of a unified social credit code are an area code of six digits."
        )
    if value[16] != _org_check(value[8:16]):
        raise InvalidIdentifier(
            "org_code_check_digit",
            "Characters 9 to 17 of this unified social credit code are not a valid organisation code "
            "(its check character is wrong); please check for a typing error.",
        )
    if value[17] != _uscc_check(value[:17]):
        raise InvalidIdentifier(
            "check_digit",
            "The check character of this unified social credit code is wrong; "
            "please check for a typing error.",
        )
    return value


def validate_org_code(code: str) -> str:
    """Validate a 组织机构代码 (GB 11714-1997), ``XXXXXXXX-C`` or ``XXXXXXXXC``; return it without hyphen."""
    value = _normalise(code)
    if len(value) == 10 and value[8] == "-":  # noqa: PLR2004  (the printed form with its hyphen)
        value = value[:8] + value[9]
    _require_length(value, 9, "An organisation code")
    if (bad := _bad_chars(value[:8], _ORG_VALUES)) or value[8] not in _ORG_CHECK_CHARS:
        shown = bad or value[8]
        raise InvalidIdentifier(
            "charset",
            f"An organisation code is 8 digits or capital letters and a check digit or X; not {shown!r}.",
        )
    if value[8] != _org_check(value[:8]):
        raise InvalidIdentifier(
            "check_digit",
            "The check character of this organisation code is wrong; please check for a typing error.",
        )
    return value


# --- resident identity numbers -------------------------------------------------------------------


def _resident_kind(value: str) -> ResidentIdKind:
    if value[0] == _FOREIGN_PERMANENT_RESIDENT_MARK:
        return "foreign_permanent_resident"
    if value[:6] in _PERMIT_ADDRESS_CODES:
        return _PERMIT_ADDRESS_CODES[value[:6]]
    if value[:2] in PROVINCE_CODES and value[:2] not in {"81", "82", "83"}:
        return "resident"
    raise InvalidIdentifier(
        "region",
        f"An identity number cannot begin with {value[:2]!r}: that is not a province-level area code.",
    )


def _check_birth_date(value: str, today: date | None) -> None:
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise InvalidIdentifier(
            "birth_date",
            f"Digits 7 to 14 of an identity number are a birth date; {value[6:14]} is not a date.",
        ) from None
    if born.year < _EARLIEST_BIRTH_YEAR:
        raise InvalidIdentifier("birth_date", f"The birth date {born.isoformat()} is before 1900.")
    if born > (today or datetime.now(_CHINA_TIME).date()):
        raise InvalidIdentifier("birth_date", f"The birth date {born.isoformat()} is in the future.")


def validate_resident_id(number: str, *, today: date | None = None) -> str:
    """Validate an 18-character 公民身份号码 (GB 11643-1999) or a number of the same format.

    Accepts citizens' numbers, the Hong Kong / Macao / Taiwan residence permits and the 2023 foreign
    permanent resident ID card (see the module docstring; `resident_id_kind` tells them apart).
    Returns the number stripped, with a lower-case ``x`` upper-cased. ``today`` bounds the birth date.
    """
    value = _normalise(number)
    if len(value) == 15:  # noqa: PLR2004  (the first-generation format)
        raise InvalidIdentifier(
            "length", "15-digit identity numbers are no longer valid; please enter the 18-character number."
        )
    _require_length(value, 18, "An identity number")
    if (bad := _bad_chars(value[:17], _DIGITS)) or value[17] not in _ORG_CHECK_CHARS:
        shown = bad or value[17]
        raise InvalidIdentifier(
            "charset", f"An identity number is 17 digits and a final digit or X; it cannot contain {shown!r}."
        )
    _resident_kind(value)
    _check_birth_date(value, today)
    if value[17] != _resident_check(value[:17]):
        raise InvalidIdentifier(
            "check_digit",
            "The last character of this identity number is wrong; please check for a typing error.",
        )
    return value


def resident_id_kind(number: str, *, today: date | None = None) -> ResidentIdKind:
    """Validate like `validate_resident_id` and say which document the number belongs to."""
    return _resident_kind(validate_resident_id(number, today=today))


# --- passports and travel permits -------------------------------------------------------------------


def is_chinese_ordinary_passport(number: str) -> bool:
    """Whether ``number`` is a PRC ordinary passport number: ``E`` + 8 or ``EA``–``EZ`` + 7 digits."""
    return _CN_ORDINARY_PASSPORT.fullmatch(_normalise(number)) is not None


def validate_passport(number: str, country: str = "") -> str:
    """Validate a passport number (permissive; stricter for ``country`` CN/CHN); return it upper-cased."""
    value = _normalise(number)
    nation = _normalise(country)
    if nation and not _COUNTRY.fullmatch(nation):
        raise InvalidIdentifier("country", f"{country!r} is not a two- or three-letter country code.")
    if not _PASSPORT_MIN <= len(value) <= _PASSPORT_MAX:
        raise InvalidIdentifier("length", f"A passport number has 5 to 20 characters, not {len(value)}.")
    if bad := _bad_chars(value, _PASSPORT_CHARS):
        raise InvalidIdentifier(
            "charset", f"A passport number uses only letters A–Z and digits, not {bad!r}."
        )
    if nation in _CN_COUNTRIES and not _CN_PASSPORT.fullmatch(value):
        raise InvalidIdentifier(
            "format",
            "A Chinese passport number is one or two letters followed by 7 or 8 digits (e.g. E12345678).",
        )
    return value


def validate_travel_permit(kind: TravelPermitKind, number: str) -> str:
    """Validate a 港澳居民来往内地通行证 (``hk_macao``) or 台湾居民来往大陆通行证 (``taiwan``) number."""
    value = _normalise(number)
    if kind == "hk_macao":
        if not 9 <= len(value) <= 11:  # noqa: PLR2004  (H/M + 8 or 10 digits)
            raise InvalidIdentifier("length", f"This permit number has 9 or 11 characters, not {len(value)}.")
        if bad := _bad_chars(value, _PASSPORT_CHARS):
            raise InvalidIdentifier(
                "charset", f"This permit number uses only letters and digits, not {bad!r}."
            )
        if not _HK_MACAO_PERMIT.fullmatch(value):
            raise InvalidIdentifier(
                "format", "This permit number is H (Hong Kong) or M (Macao) followed by 8 or 10 digits."
            )
        return value
    if kind == "taiwan":
        if not 8 <= len(value) <= 13:  # noqa: PLR2004  (8 digits … 10 digits + "(B)")
            raise InvalidIdentifier("length", f"This permit number has 8 to 13 characters, not {len(value)}.")
        if bad := _bad_chars(value, _TAIWAN_PERMIT_CHARS):
            raise InvalidIdentifier(
                "charset", f"This permit number is digits (and an office code in brackets), not {bad!r}."
            )
        if not _TAIWAN_PERMIT.fullmatch(value):
            raise InvalidIdentifier(
                "format",
                "This permit number is 8 digits (older permits: 10 digits, perhaps with a code like (B)).",
            )
        return value
    raise InvalidIdentifier("kind", f"Unknown travel permit kind {kind!r}; expected 'hk_macao' or 'taiwan'.")


# --- organisations without a unified social credit code -----------------------------------------------


def _taiwan_ubn_total(value: str) -> int:
    """The digits of each weighted digit, added (``4 × 7 = 28`` counts ``2 + 8 = 10``)."""
    products = (int(c) * w for c, w in zip(value, TAIWAN_UBN_WEIGHTS, strict=True))
    return sum(p // 10 + p % 10 for p in products)


def validate_taiwan_ubn(code: str) -> str:
    """Validate a Taiwan 統一編號 (8 digits, the 2023 check: see the module docstring); return it stripped."""
    value = _normalise(code)
    _require_length(value, 8, "A Taiwan unified business number")
    if bad := _bad_chars(value, _DIGITS):
        raise InvalidIdentifier("charset", f"A Taiwan unified business number is digits only, not {bad!r}.")
    total = _taiwan_ubn_total(value)
    if total % 5 and not (value[6] == "7" and (total + 1) % 5 == 0):
        raise InvalidIdentifier(
            "check_digit",
            "This Taiwan unified business number fails its check; please check for a typing error.",
        )
    return value


def _digits(value: str, shortest: int, longest: int, what: str) -> str:
    if not shortest <= len(value) <= longest:
        many = str(longest) if shortest == longest else f"{shortest} to {longest}"
        raise InvalidIdentifier("length", f"{what} has {many} digits, not {len(value)}.")
    if bad := _bad_chars(value, _DIGITS):
        raise InvalidIdentifier("charset", f"{what} is digits only, not {bad!r}.")
    return value


def _foreign_number(code: str) -> str:
    value = " ".join(_normalise(code).split())  # runs of white space inside become one space
    if not 1 <= len(value) <= ORGANISATION_CODE_MAX:
        raise InvalidIdentifier(
            "length",
            f"A registration number abroad has 1 to {ORGANISATION_CODE_MAX} characters, not {len(value)}.",
        )
    if bad := _bad_chars(value, _FOREIGN_CHARS):
        raise InvalidIdentifier(
            "charset",
            f"A registration number abroad uses letters A–Z, digits, - / . and spaces; not {bad!r}.",
        )
    if not set(value) & _ALPHANUMERIC:
        raise InvalidIdentifier("format", "A registration number abroad has at least one letter or digit.")
    return value


def _require_kind(kind: str) -> OrganisationCodeKind:
    if kind not in ORGANISATION_CODE_KINDS:
        raise InvalidIdentifier(
            "kind", f"Unknown kind of organisation code {kind!r}; expected one of {ORGANISATION_CODE_KINDS}."
        )
    return cast("OrganisationCodeKind", kind)


def organisation_country(kind: str, country: str = "") -> str:
    """The country of an organisation registered abroad, upper-cased (an assigned ISO 3166-1 alpha-2
    code, not CN, HK, MO or TW); ``""`` for every other kind, which names none."""
    kind = _require_kind(kind)
    nation = _normalise(country)
    if kind != "foreign":
        if nation:
            raise InvalidIdentifier("country", "Only a registration abroad names its country.")
        return ""
    if not nation:
        raise InvalidIdentifier("country", "A registration abroad names its country (ISO 3166: GB, DE, SG…).")
    if nation in _NOT_FOREIGN:
        raise InvalidIdentifier(
            "not_foreign",
            f"An organisation registered in {nation} registers with its own kind of code "
            f"({_NOT_FOREIGN[nation]}), not as a registration abroad.",
        )
    if nation not in ISO_3166_ALPHA2:
        raise InvalidIdentifier(
            "country",
            f"{country!r} is not a country code: give the two-letter ISO 3166 code (GB, DE, SG…).",
        )
    return nation


def validate_organisation_code(kind: str, code: str, country: str = "") -> str:
    """Validate an organisation's registration code of `kind` (`ORGANISATION_CODE_KINDS`) and return it
    normalised; ``country`` is the ISO 3166 code of a registration abroad (``foreign``), and must be
    empty for every other kind (see the module docstring)."""
    kind = _require_kind(kind)
    if kind == "uscc":
        value = validate_uscc(code)
    elif kind == "hk_br":
        value = _digits(_normalise(code), 8, 8, "A Hong Kong business registration number")
    elif kind == "macao":
        value = _digits(_normalise(code), 1, _MACAO_MAX, "A Macao commercial registration number")
    elif kind == "taiwan_ubn":
        value = validate_taiwan_ubn(code)
    else:
        value = _foreign_number(code)
    organisation_country(kind, country)
    return value


def organisation_region(kind: str, code: str) -> str:
    """The GB/T 2260 region of an organisation with this (valid, normalised) code: a USCC's positions
    3–8, the SAR's or Taiwan's line for the others, ``""`` for a registration abroad."""
    if _require_kind(kind) == "uscc":
        return code[2:8]
    return KIND_REGIONS[kind]


MOBILE_NUMBER = re.compile(r"^(?:\+?86)?1[3-9]\d{9}$")


def is_mobile_number(number: str) -> bool:
    """A mainland mobile number (11 digits from 13x–19x), optionally with +86."""
    return bool(MOBILE_NUMBER.match("".join(number.split()).replace("-", "")))
