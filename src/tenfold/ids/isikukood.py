"""The Estonian personal code (isikukood): ``GYYMMDDSSSC``, 11 digits.

G is sex and century (odd male, even female; 1-2: 1800s, 3-4: 1900s, 5-6: 2000s, 7-8: 2100s),
YYMMDD the birth date, SSS a serial for people born on that day, C a check digit (EVS 585:2007:
weights 1..9,1 mod 11; if that gives 10, weights 3..9,1,2,3; if 10 again, 0).
Generated codes validate with python-stdnum (``stdnum.ee.ik``); the tests check that.
"""

from __future__ import annotations

from datetime import date

import numpy as np

from tenfold.errors import InvalidInput

_WEIGHTS_1 = (1, 2, 3, 4, 5, 6, 7, 8, 9, 1)
_WEIGHTS_2 = (3, 4, 5, 6, 7, 8, 9, 1, 2, 3)
LENGTH = 11


class InvalidPersonalCode(InvalidInput):
    """A personal code that does not follow its scheme."""


def check_digit(first_ten: str) -> int:
    """The check digit of the first ten digits of a personal code."""
    digits = [int(c) for c in first_ten]
    total = sum(w * d for w, d in zip(_WEIGHTS_1, digits)) % 11
    if total == 10:
        total = sum(w * d for w, d in zip(_WEIGHTS_2, digits)) % 11
        if total == 10:
            total = 0
    return total


def _century_digit(year: int, sex: str) -> int:
    base = {18: 1, 19: 3, 20: 5, 21: 7}.get(year // 100)
    if base is None:
        raise InvalidPersonalCode(f"year {year} cannot be written in an Estonian personal code")
    return base + (1 if sex == "F" else 0)


def generate(birth_date: date, sex: str, serial: int) -> str:
    """The personal code for a person born on ``birth_date`` (sex ``"M"`` or ``"F"``)."""
    if sex not in ("M", "F"):
        raise InvalidPersonalCode(f"sex must be 'M' or 'F', not {sex!r}")
    if not 0 <= serial <= 999:
        raise InvalidPersonalCode(f"serial must be 0..999, not {serial}")
    first = f"{_century_digit(birth_date.year, sex)}{birth_date:%y%m%d}{serial:03d}"
    return first + str(check_digit(first))


def validate(code: str) -> str:
    """Return ``code`` if it is a valid personal code; otherwise say what is wrong."""
    if not isinstance(code, str) or len(code) != LENGTH or not code.isdigit():
        raise InvalidPersonalCode("a personal code has exactly 11 digits")
    if code[0] not in "12345678":
        raise InvalidPersonalCode("the first digit of a personal code (sex and century) must be 1-8")
    birth_date(code)
    if check_digit(code[:10]) != int(code[10]):
        raise InvalidPersonalCode("the check digit of the personal code is wrong")
    return code


def birth_date(code: str) -> date:
    century = 1800 + 100 * ((int(code[0]) - 1) // 2)
    try:
        return date(century + int(code[1:3]), int(code[3:5]), int(code[5:7]))
    except ValueError:
        raise InvalidPersonalCode("the personal code holds no valid birth date") from None


def sex(code: str) -> str:
    return "M" if int(code[0]) % 2 == 1 else "F"


def generate_many(birth_dates: np.ndarray, sexes: np.ndarray, serials: np.ndarray) -> np.ndarray:
    """Vectorised :func:`generate`: ``birth_dates`` as numpy datetime64[D], ``sexes`` as 0 = M,
    1 = F, ``serials`` 0..999. Returns an array of 11-character strings."""
    days = birth_dates.astype("datetime64[D]")
    years = days.astype("datetime64[Y]").astype(np.int64) + 1970
    months = days.astype("datetime64[M]").astype(np.int64) % 12 + 1
    mday = (days - days.astype("datetime64[M]")).astype(np.int64) + 1
    if np.any((years < 1800) | (years > 2199)):
        raise InvalidPersonalCode("birth years must lie between 1800 and 2199")
    if np.any((serials < 0) | (serials > 999)):
        raise InvalidPersonalCode("serials must be 0..999")
    first = (years // 100 - 18) * 2 + 1 + sexes.astype(np.int64)
    yy = years % 100
    digits = np.stack(
        [first, yy // 10, yy % 10, months // 10, months % 10, mday // 10, mday % 10,
         serials // 100, serials // 10 % 10, serials % 10],
        axis=1,
    ).astype(np.int64)
    check = (digits @ np.array(_WEIGHTS_1)) % 11
    second = (digits @ np.array(_WEIGHTS_2)) % 11
    check = np.where(check == 10, np.where(second == 10, 0, second), check)
    all_digits = np.concatenate([digits, check[:, None]], axis=1)
    as_bytes = (all_digits + ord("0")).astype(np.uint8)
    return as_bytes.view(f"S{LENGTH}").ravel().astype(f"U{LENGTH}")
