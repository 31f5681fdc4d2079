"""The check characters of China's codes for organisations and persons, without Django: shared by the
platform's identifiers (`ggzy.accounts.identifiers`, which adds normalising and the refusals in words) and
the simulators that check the codes they are sent (`ggzy_expertpool.records`). Each function takes a body
already upper-cased and of the right length and alphabet.

* GB 32100-2015 统一社会信用代码: 17 characters of `USCC_ALPHABET` and a check character (weights
  3^i mod 31, check = (31 − Σ mod 31) mod 31);
* GB 11714 组织机构代码: 8 characters of 0–9 A–Z and a check character (0–9 or X);
* GB 11643-1999 公民身份号码: 17 digits and an ISO 7064 MOD 11-2 check character (0–9 or X)."""

from __future__ import annotations

from typing import Final

USCC_ALPHABET: Final = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_VALUES: Final = {char: value for value, char in enumerate(USCC_ALPHABET)}
USCC_WEIGHTS: Final = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

ORG_ALPHABET: Final = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
ORG_VALUES: Final = {char: value for value, char in enumerate(ORG_ALPHABET)}
ORG_CODE_WEIGHTS: Final = (3, 7, 9, 10, 5, 8, 4, 2)

RESIDENT_ID_WEIGHTS: Final = tuple(pow(2, 17 - i, 11) for i in range(17))
RESIDENT_ID_CHECK: Final = "10X98765432"


def org_code_check(body: str) -> str:
    """The GB 11714 check character of an 8-character organisation code body."""
    remainder = sum(ORG_VALUES[c] * w for c, w in zip(body, ORG_CODE_WEIGHTS, strict=True)) % 11
    check = 11 - remainder
    return "X" if check == 10 else "0" if check == 11 else str(check)  # noqa: PLR2004  (GB 11714)


def uscc_check(first17: str) -> str:
    """The GB 32100 check character of the first 17 characters of a unified social credit code."""
    remainder = sum(USCC_VALUES[c] * w for c, w in zip(first17, USCC_WEIGHTS, strict=True)) % 31
    return USCC_ALPHABET[(31 - remainder) % 31]


def resident_id_check(first17: str) -> str:
    """The GB 11643 check character of the first 17 digits of an identity number."""
    return RESIDENT_ID_CHECK[sum(int(c) * w for c, w in zip(first17, RESIDENT_ID_WEIGHTS, strict=True)) % 11]
