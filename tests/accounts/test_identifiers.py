"""Chinese identity codes (`ggzy.accounts.identifiers`): examples, refusal reasons and properties.

No database. Besides fixed examples, the property tests (hypothesis, bounded by the project's
profile) state what the check characters promise:

* generated codes — a random body completed with the module's own ``*_check_char`` helpers — always
  validate, and validate to themselves;
* every single-character substitution of a valid USCC (each position changed to each other character
  of the 31-character alphabet) and of a valid identity number (each digit position to each other
  digit, the last position to each other of 0–9/X) is refused. For the USCC a change in positions
  9–17 is caught by the embedded GB 11714 check or by the GB 32100 check — and the test also shows
  the GB 32100 check alone would catch it (31 is prime, every weight is non-zero mod 31);
* for a standalone GB 11714 organisation code only substitutions among digits and changes to the
  check character are guaranteed to be caught: letters take values 10–35, so characters whose values
  differ by 11 (``0``/``B``, ``1``/``C``…) collide mod 11 — shown as a documented blind spot;
* arbitrary text never makes a validator fail with anything but `InvalidIdentifier`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import date
from functools import partial

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ggzy.accounts.identifiers import (
    ISO_3166_ALPHA2,
    ORG_CODE_WEIGHTS,
    ORGANISATION_CODE_KINDS,
    PROVINCE_CODES,
    RESIDENT_ID_WEIGHTS,
    TAIWAN_UBN_WEIGHTS,
    USCC_ALPHABET,
    USCC_WEIGHTS,
    InvalidIdentifier,
    is_chinese_ordinary_passport,
    org_code_check_char,
    organisation_country,
    organisation_region,
    resident_id_check_char,
    resident_id_kind,
    uscc_check_char,
    validate_org_code,
    validate_organisation_code,
    validate_passport,
    validate_resident_id,
    validate_taiwan_ubn,
    validate_travel_permit,
    validate_uscc,
)

TODAY = date(2025, 6, 1)
PUBLISHED_USCC = "91350100M000100Y43"
#: The worked example printed in GB 11643-1999 itself (北京市朝阳区, born 1949-12-31).
PUBLISHED_RESIDENT_ID = "11010519491231002X"
ORG_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
DIGITS = "0123456789"
MAINLAND = sorted(code for code in PROVINCE_CODES if code not in {"81", "82", "83"})


def reason_of(call: Callable[[], object]) -> str:
    with pytest.raises(InvalidIdentifier) as info:
        call()
    assert isinstance(info.value, ValueError)
    assert str(info.value) == info.value.message
    assert info.value.message
    return info.value.reason


def make_uscc(first8: str, org_body: str) -> str:
    """Registration, category and area code + an organisation code body → a valid USCC."""
    first17 = first8 + org_body + org_code_check_char(org_body)
    return first17 + uscc_check_char(first17)


def make_resident_id(first17: str) -> str:
    return first17 + resident_id_check_char(first17)


# --- strategies -----------------------------------------------------------------------------------

uscc_chars = st.sampled_from(USCC_ALPHABET)
uscc_codes = st.builds(
    make_uscc,
    st.builds(
        lambda a, b, area: a + b + area,
        st.sampled_from(USCC_ALPHABET[1:]),
        st.sampled_from(USCC_ALPHABET[1:]),
        st.text(DIGITS, min_size=6, max_size=6),
    ),
    st.text(USCC_ALPHABET, min_size=8, max_size=8),
)
org_bodies = st.text(ORG_ALPHABET, min_size=8, max_size=8)
birth_dates = st.dates(min_value=date(1900, 1, 1), max_value=TODAY)
resident_ids = st.builds(
    lambda province, area, born, seq: make_resident_id(province + area + born.strftime("%Y%m%d") + seq),
    st.sampled_from(MAINLAND),
    st.text(DIGITS, min_size=4, max_size=4),
    birth_dates,
    st.text(DIGITS, min_size=3, max_size=3),
)


# --- the algorithms' constants --------------------------------------------------------------------


def test_weights_are_the_published_ones() -> None:
    assert tuple(pow(3, i, 31) for i in range(17)) == USCC_WEIGHTS
    assert RESIDENT_ID_WEIGHTS == (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    assert ORG_CODE_WEIGHTS == (3, 7, 9, 10, 5, 8, 4, 2)
    assert len(USCC_ALPHABET) == 31
    assert not set("IOZSV") & set(USCC_ALPHABET)


# --- USCC -----------------------------------------------------------------------------------------


def test_published_uscc_example_is_valid() -> None:
    assert validate_uscc(PUBLISHED_USCC) == PUBLISHED_USCC
    assert org_code_check_char("M000100Y") == "4"  # 22·3 + 1·5 + 34·2 = 139 ≡ 7 (mod 11) → 11 − 7
    assert uscc_check_char(PUBLISHED_USCC[:17]) == "3"


@pytest.mark.parametrize(
    "raw",
    [
        " 91350100m000100y43 ",
        "\t91350100M000100Y43\n",
        "\u300091350100M000100Y43",
        "９１３５０１００Ｍ０００１００Ｙ４３",
    ],
)
def test_uscc_is_normalised(raw: str) -> None:
    assert validate_uscc(raw) == PUBLISHED_USCC


def test_uscc_area_code_is_not_limited_to_provinces() -> None:
    central = make_uscc("11100000", "00001234")  # a central organ registers at 100000
    assert validate_uscc(central) == central


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("", "length"),
        (PUBLISHED_USCC[:17], "length"),
        (PUBLISHED_USCC + "0", "length"),
        ("91350100M000100 43", "charset"),
        ("91350100I000100Y43", "charset"),  # I, O, Z, S, V are not in the alphabet
        ("91350100M0001OOY43", "charset"),
        ("91350100M000100Y4-", "charset"),
        ("9135010ÖM000100Y43", "charset"),
        ("000000000000000000", "registration_code"),  # satisfies both checksums
        ("9A3501A0M000100Y43", "region"),
        ("91350100M000100Y53", "org_code_check_digit"),
        ("91350100M000100Y44", "check_digit"),
    ],
)
def test_uscc_refusals(code: str, reason: str) -> None:
    assert reason_of(lambda: validate_uscc(code)) == reason


def test_uscc_wrong_embedded_org_code_with_right_outer_check() -> None:
    first17 = "91350100M000100Y5"  # GB 11714 wants 4
    assert reason_of(lambda: validate_uscc(first17 + uscc_check_char(first17))) == "org_code_check_digit"


@given(uscc_codes)
def test_generated_uscc_validates(code: str) -> None:
    assert validate_uscc(code) == code
    assert validate_uscc(f"  {code.lower()} ") == code
    assert validate_org_code(code[8:17]) == code[8:17]


@given(uscc_codes)
def test_every_single_substitution_of_a_uscc_is_refused(code: str) -> None:
    for position, original in enumerate(code):
        for char in USCC_ALPHABET:
            if char == original:
                continue
            mutated = code[:position] + char + code[position + 1 :]
            reason = reason_of(partial(validate_uscc, mutated))
            if 8 <= position <= 16:
                assert reason in {"org_code_check_digit", "check_digit"}
                assert uscc_check_char(mutated[:17]) != mutated[17]  # GB 32100 alone catches it
            elif position == 17:
                assert reason == "check_digit"
            elif 2 <= position <= 7 and char not in DIGITS:
                assert reason == "region"
            elif position <= 1 and char == "0":
                assert reason == "registration_code"
            else:
                assert reason == "check_digit"
        for char in "IOSVZ-":
            mutated = code[:position] + char + code[position + 1 :]
            assert reason_of(partial(validate_uscc, mutated)) == "charset"


# --- organisation codes ---------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["M000100Y4", "M000100Y-4", " m000100y-4 ", "m000100y4"])
def test_org_code_with_or_without_hyphen(raw: str) -> None:
    assert validate_org_code(raw) == "M000100Y4"


def test_org_code_check_x_and_zero() -> None:
    # Bodies whose check values are 10 (→ X) and 11 (→ 0).
    assert org_code_check_char("00000000") == "0"
    assert org_code_check_char("00000001") == "9"  # 1·2 = 2 → 11 − 2
    bodies = {org_code_check_char(f"{n:08d}"): f"{n:08d}" for n in range(200)}
    assert {"X", "0"} <= set(bodies)
    for check, body in bodies.items():
        assert validate_org_code(f"{body}-{check}") == body + check


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("", "length"),
        ("M000100Y", "length"),
        ("M000100Y-44", "length"),
        ("M000100-Y4", "length"),
        ("M000100Y-A", "charset"),
        ("M00010_Y4", "charset"),
        ("M000100Y5", "check_digit"),
    ],
)
def test_org_code_refusals(code: str, reason: str) -> None:
    assert reason_of(lambda: validate_org_code(code)) == reason


@given(org_bodies)
def test_org_code_digit_and_check_substitutions_are_refused(body: str) -> None:
    code = body + org_code_check_char(body)
    assert validate_org_code(code) == code
    for position, original in enumerate(code):
        pool = "0123456789X" if position == 8 else DIGITS if original in DIGITS else ""
        for char in pool:
            if char != original:
                mutated = code[:position] + char + code[position + 1 :]
                assert reason_of(partial(validate_org_code, mutated)) == "check_digit"


def test_org_code_mod_11_blind_spot_is_documented() -> None:
    # "0" (0) and "B" (11) weigh the same mod 11: GB 11714 alone cannot tell these codes apart.
    body = "12345670"
    code = body + org_code_check_char(body)
    swapped = "1234567B" + code[8]
    assert validate_org_code(swapped) == swapped
    # Inside a USCC the outer GB 32100 check still refuses the same swap.
    uscc = make_uscc("91110000", body)
    assert reason_of(lambda: validate_uscc(uscc[:15] + "B" + uscc[16:])) == "check_digit"


# --- resident identity numbers --------------------------------------------------------------------


def test_published_resident_id_example_is_valid() -> None:
    assert resident_id_check_char(PUBLISHED_RESIDENT_ID[:17]) == "X"
    assert validate_resident_id(PUBLISHED_RESIDENT_ID, today=TODAY) == PUBLISHED_RESIDENT_ID
    assert resident_id_kind(PUBLISHED_RESIDENT_ID, today=TODAY) == "resident"


def test_standards_second_example_is_refused_for_its_1880_birth_date() -> None:
    # GB 11643-1999's other worked example: its check character is right, but birth years
    # before 1900 are refused by policy.
    assert resident_id_check_char("44052418800101001") == "4"
    assert reason_of(lambda: validate_resident_id("440524188001010014", today=TODAY)) == "birth_date"


@pytest.mark.parametrize(
    "raw", ["11010519491231002x", "  11010519491231002X ", "１１０１０５１９４９１２３１００２ｘ"]
)
def test_resident_id_is_normalised(raw: str) -> None:
    assert validate_resident_id(raw, today=TODAY) == PUBLISHED_RESIDENT_ID


@pytest.mark.parametrize(
    ("prefix", "kind"),
    [
        ("810000", "hk_macao_residence_permit"),
        ("820000", "hk_macao_residence_permit"),
        ("830000", "taiwan_residence_permit"),
        ("710101", "resident"),
        ("650102", "resident"),
        ("911840", "foreign_permanent_resident"),
        ("944840", "foreign_permanent_resident"),
    ],
)
def test_residence_permits_and_foreign_cards_are_recognised(prefix: str, kind: str) -> None:
    number = make_resident_id(prefix + "19900101123")
    assert validate_resident_id(number, today=TODAY) == number
    assert resident_id_kind(number, today=TODAY) == kind


def resident(prefix: str = "110105", born: str = "19491231", seq: str = "002") -> str:
    return make_resident_id(prefix + born + seq)


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        ("", "length"),
        ("110105491231002", "length"),  # first-generation 15-digit number
        (PUBLISHED_RESIDENT_ID[:17], "length"),
        (PUBLISHED_RESIDENT_ID + "1", "length"),
        ("1101051949123100AX", "charset"),
        ("11010519491231002Y", "charset"),
        ("11010519491231 02X", "charset"),
        (resident(prefix="000000"), "region"),
        (resident(prefix="100000"), "region"),
        (resident(prefix="160101"), "region"),
        (resident(prefix="840000"), "region"),
        (resident(prefix="810101"), "region"),  # only 810000 is a residence permit
        (resident(prefix="830001"), "region"),
        (resident(born="19490230"), "birth_date"),
        (resident(born="19491301"), "birth_date"),
        (resident(born="00000000"), "birth_date"),
        (resident(born="18991231"), "birth_date"),
        (resident(born="20250602"), "birth_date"),  # the day after TODAY
        (resident(prefix="911840", born="20260101"), "birth_date"),
        ("11010519491231002 1", "length"),
        ("110105194912310021", "check_digit"),
        ("110105194912310020", "check_digit"),
    ],
)
def test_resident_id_refusals(number: str, reason: str) -> None:
    assert reason_of(lambda: validate_resident_id(number, today=TODAY)) == reason


def test_birth_today_is_accepted_and_tomorrow_by_default_refused() -> None:
    born_today = resident(born=TODAY.strftime("%Y%m%d"))
    assert validate_resident_id(born_today, today=TODAY) == born_today
    assert reason_of(lambda: validate_resident_id(resident(born="29991231"))) == "birth_date"
    assert validate_resident_id(PUBLISHED_RESIDENT_ID) == PUBLISHED_RESIDENT_ID


@given(resident_ids)
def test_generated_resident_ids_validate(number: str) -> None:
    assert validate_resident_id(number, today=TODAY) == number
    assert validate_resident_id(f" {number.lower()} ", today=TODAY) == number
    assert resident_id_kind(number, today=TODAY) == "resident"


@given(resident_ids)
def test_every_single_substitution_of_a_resident_id_is_refused(number: str) -> None:
    for position, original in enumerate(number):
        pool = "0123456789X" if position == 17 else DIGITS
        for char in pool:
            if char != original:
                mutated = number[:position] + char + number[position + 1 :]
                reason_of(partial(validate_resident_id, mutated, today=TODAY))


@given(st.text(DIGITS, min_size=17, max_size=17))
def test_resident_check_char_satisfies_iso_7064(body: str) -> None:
    check = resident_id_check_char(body)
    value = 10 if check == "X" else int(check)
    # MOD 11-2: Σ a_i·2^(18−i) over all 18 positions ≡ 1 (mod 11).
    total = sum(int(d) * pow(2, 17 - i, 11) for i, d in enumerate(body)) + value
    assert total % 11 == 1


# --- check helpers refuse bad bodies --------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "reason"),
    [
        (lambda: org_code_check_char("1234567"), "length"),
        (lambda: org_code_check_char("1234567-"), "charset"),
        (lambda: uscc_check_char("91350100M000100Y"), "length"),
        (lambda: uscc_check_char("91350100M0001O0Y4"), "charset"),
        (lambda: resident_id_check_char("1101051949123100"), "length"),
        (lambda: resident_id_check_char("1101051949123100X"), "charset"),
    ],
)
def test_check_helpers_refuse_bad_bodies(call: Callable[[], object], reason: str) -> None:
    assert reason_of(call) == reason


# --- passports ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "country", "expected"),
    [
        ("E12345678", "CN", "E12345678"),
        ("ea1234567", "chn", "EA1234567"),
        ("EZ7654321", "CN", "EZ7654321"),
        ("G12345678", "CN", "G12345678"),  # older ordinary passport
        ("DE1234567", "CN", "DE1234567"),  # diplomatic
        ("K12345678", "CHN", "K12345678"),  # Hong Kong SAR
        ("MA1234567", "CHN", "MA1234567"),  # Macao SAR
        ("123456789", "US", "123456789"),
        ("C01X00T47", "DEU", "C01X00T47"),
        (" p1234567 ", "", "P1234567"),
        ("AB123", "", "AB123"),
        ("A" * 20, "", "A" * 20),
    ],
)
def test_passports_accepted(number: str, country: str, expected: str) -> None:
    assert validate_passport(number, country) == expected


@pytest.mark.parametrize(
    ("number", "country", "reason"),
    [
        ("", "", "length"),
        ("   ", "", "length"),
        ("A123", "", "length"),
        ("A" * 21, "", "length"),
        ("E1234567!", "", "charset"),
        ("E 12345678", "", "charset"),
        ("E1234-5678", "", "charset"),
        ("护照12345678", "", "charset"),
        ("ABCDEFGHI", "CN", "format"),
        ("E1234567890", "CN", "format"),
        ("123456789", "CHN", "format"),
        ("E12345678", "China", "country"),
        ("E12345678", "C1", "country"),
    ],
)
def test_passports_refused(number: str, country: str, reason: str) -> None:
    assert reason_of(lambda: validate_passport(number, country)) == reason


def test_chinese_ordinary_passport_pattern() -> None:
    assert is_chinese_ordinary_passport("E12345678")
    assert is_chinese_ordinary_passport(" ea1234567")
    assert not is_chinese_ordinary_passport("G12345678")
    assert not is_chinese_ordinary_passport("E1234567")
    assert not is_chinese_ordinary_passport("EA12345678")


# --- travel permits -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "number", "expected"),
    [
        ("hk_macao", "H12345678", "H12345678"),
        ("hk_macao", "m12345678", "M12345678"),
        ("hk_macao", " H1234567801 ", "H1234567801"),
        ("taiwan", "12345678", "12345678"),
        ("taiwan", "1234567801", "1234567801"),
        ("taiwan", "1234567801(b)", "1234567801(B)"),
        ("taiwan", "1234567801（B）", "1234567801(B)"),
        ("taiwan", "1234567801(3)", "1234567801(3)"),
    ],
)
def test_travel_permits_accepted(kind: str, number: str, expected: str) -> None:
    assert validate_travel_permit(kind, number) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kind", "number", "reason"),
    [
        ("hk_macao", "", "length"),
        ("hk_macao", "H1234567", "length"),
        ("hk_macao", "H123456789012", "length"),
        ("hk_macao", "H1234567-", "charset"),
        ("hk_macao", "C12345678", "format"),
        ("hk_macao", "H123456789", "format"),
        ("hk_macao", "12345678H", "format"),
        ("taiwan", "1234567", "length"),
        ("taiwan", "1234567801(BB)", "length"),
        ("taiwan", "1234-5678", "charset"),
        ("taiwan", "A2345678", "format"),
        ("taiwan", "123456789", "format"),
        ("taiwan", "12345678(B)", "format"),
        ("mainland", "C12345678", "kind"),
    ],
)
def test_travel_permits_refused(kind: str, number: str, reason: str) -> None:
    assert reason_of(lambda: validate_travel_permit(kind, number)) == reason  # type: ignore[arg-type]


# --- organisations without a USCC: Hong Kong, Macao, Taiwan, abroad -----------------------------------


def ubn_total(code: str) -> int:
    """The Taiwan UBN total worked out longhand: each weighted digit's digits added."""
    total = 0
    for digit, weight in zip(code, (1, 2, 1, 2, 1, 2, 4, 1), strict=True):
        product = int(digit) * weight
        total += sum(int(d) for d in str(product))
    return total


def test_taiwan_ubn_examples_are_worked_out() -> None:
    """04595257: 0 8 5 18 5 4 20 7 → 0+8+5+9+5+4+2+7 = 40, divisible by 10 (old rule) and by 5;
    04595258 totals 41; 04595252 totals 35, valid only since the 2023 rule; 10458574 has 7 as its 7th
    digit (4 × 7 = 28 → 10) and totals 29, valid because 29 + 1 is divisible by 5."""
    assert TAIWAN_UBN_WEIGHTS == (1, 2, 1, 2, 1, 2, 4, 1)
    assert [ubn_total(c) for c in ("04595257", "04595258", "04595252", "10458574")] == [40, 41, 35, 29]
    assert validate_taiwan_ubn("04595257") == "04595257"
    assert validate_taiwan_ubn("04595252") == "04595252"  # 35: the 2023 rule (÷5), not the old (÷10)
    assert validate_taiwan_ubn("10458575") == "10458575"  # 30
    assert validate_taiwan_ubn("10458574") == "10458574"  # 29 + 1: the 7th digit is 7
    assert reason_of(lambda: validate_taiwan_ubn("04595258")) == "check_digit"
    assert reason_of(lambda: validate_taiwan_ubn("04595256")) == "check_digit"  # 39 + 1 but 7th digit 5


@given(st.text(DIGITS, min_size=8, max_size=8))
def test_taiwan_ubn_rule_and_the_old_rule_is_a_subset(code: str) -> None:
    total, seventh_is_7 = ubn_total(code), code[6] == "7"
    valid = total % 5 == 0 or (seventh_is_7 and (total + 1) % 5 == 0)
    old_rule = total % 10 == 0 or (seventh_is_7 and (total + 1) % 10 == 0)
    if valid:
        assert validate_taiwan_ubn(code) == code
    else:
        assert reason_of(lambda: validate_taiwan_ubn(code)) == "check_digit"
    assert valid or not old_rule  # every number valid under the old rule stays valid


@pytest.mark.parametrize(
    ("kind", "code", "country", "expected", "region"),
    [
        ("uscc", PUBLISHED_USCC.lower(), "", PUBLISHED_USCC, "350100"),
        ("hk_br", "12345678", "", "12345678", "810000"),
        ("hk_br", " １２３４５６７８ ", "", "12345678", "810000"),  # full-width digits
        ("macao", "1", "", "1", "820000"),
        ("macao", "1234567890", "", "1234567890", "820000"),
        ("taiwan_ubn", "04595257", "", "04595257", "710000"),
        ("foreign", " hrb  12345 ", "de", "HRB 12345", ""),
        ("foreign", "01234567", "GB", "01234567", ""),
        ("foreign", "201912345-K", "sg", "201912345-K", ""),
        ("foreign", "A.B/C-1 2", "US", "A.B/C-1 2", ""),
        ("foreign", "X" * 40, "JP", "X" * 40, ""),
    ],
)
def test_organisation_codes_accepted(kind: str, code: str, country: str, expected: str, region: str) -> None:
    assert validate_organisation_code(kind, code, country) == expected
    assert organisation_region(kind, expected) == region
    assert organisation_country(kind, country) == country.strip().upper()


@pytest.mark.parametrize(
    ("kind", "code", "country", "reason"),
    [
        ("uscc", PUBLISHED_USCC[:17], "", "length"),
        ("uscc", PUBLISHED_USCC, "GB", "country"),  # only a registration abroad names a country
        ("hk_br", "1234567", "", "length"),
        ("hk_br", "123456789", "", "length"),
        ("hk_br", "", "", "length"),
        ("hk_br", "1234567A", "", "charset"),
        ("hk_br", "12345678", "HK", "country"),
        ("macao", "", "", "length"),
        ("macao", "12345678901", "", "length"),
        ("macao", "12-45", "", "charset"),
        ("macao", "１２３Ａ", "", "charset"),
        ("taiwan_ubn", "0459525", "", "length"),
        ("taiwan_ubn", "0459525A", "", "charset"),
        ("taiwan_ubn", "04595258", "", "check_digit"),
        ("foreign", "", "GB", "length"),
        ("foreign", "   ", "GB", "length"),
        ("foreign", "X" * 41, "GB", "length"),
        ("foreign", "HRB_12345", "DE", "charset"),
        ("foreign", "HRB#12345", "DE", "charset"),
        ("foreign", "Müller 1", "DE", "charset"),
        ("foreign", "- / .", "DE", "format"),
        ("foreign", "01234567", "", "country"),
        ("foreign", "01234567", "GBR", "country"),
        ("foreign", "01234567", "XK", "country"),  # not an assigned ISO 3166-1 code
        ("foreign", "01234567", "G1", "country"),
        ("foreign", "01234567", "CN", "not_foreign"),
        ("foreign", "01234567", "hk", "not_foreign"),
        ("foreign", "01234567", "MO", "not_foreign"),
        ("foreign", "01234567", "TW", "not_foreign"),
        ("hk", "12345678", "", "kind"),
        ("", "12345678", "", "kind"),
    ],
)
def test_organisation_codes_refused(kind: str, code: str, country: str, reason: str) -> None:
    assert reason_of(lambda: validate_organisation_code(kind, code, country)) == reason


def test_organisation_code_tables() -> None:
    assert ORGANISATION_CODE_KINDS == ("uscc", "hk_br", "macao", "taiwan_ubn", "foreign")
    assert len(ISO_3166_ALPHA2) == 249
    assert all(len(c) == 2 and c.isalpha() and c.isupper() for c in ISO_3166_ALPHA2)
    assert {"CN", "HK", "MO", "TW", "GB", "DE", "SG", "US", "SS", "CW"} <= ISO_3166_ALPHA2
    assert not {"AN", "XK", "UK", "EU"} & ISO_3166_ALPHA2  # withdrawn, user-assigned, reserved
    assert reason_of(lambda: organisation_region("xx", "1")) == "kind"


# --- robustness -----------------------------------------------------------------------------------


@given(st.text(max_size=25))
def test_arbitrary_text_only_ever_raises_invalid_identifier(text: str) -> None:
    validators: list[Callable[[], object]] = [
        lambda: validate_uscc(text),
        lambda: validate_org_code(text),
        lambda: validate_resident_id(text, today=TODAY),
        lambda: validate_passport(text, "CN"),
        lambda: validate_travel_permit("hk_macao", text),
        lambda: validate_travel_permit("taiwan", text),
        *(partial(validate_organisation_code, kind, text) for kind in ORGANISATION_CODE_KINDS),
        lambda: validate_organisation_code("foreign", "123", text),
    ]
    for validate in validators:
        with contextlib.suppress(InvalidIdentifier):
            validate()
