from datetime import date

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.ee import ik
from stdnum.in_ import aadhaar

from tenfold.ids import InvalidPersonalCode, InvalidVerhoeffId, isikukood, scheme, verhoeff

birth_dates = st.dates(min_value=date(1800, 1, 1), max_value=date(2199, 12, 31))


@given(birth_dates, st.sampled_from(["M", "F"]), st.integers(0, 999))
def test_generated_estonian_codes_validate_with_stdnum(born: date, sex: str, serial: int) -> None:
    code = isikukood.generate(born, sex, serial)
    assert ik.is_valid(code)
    assert isikukood.validate(code) == code
    assert isikukood.birth_date(code) == born
    assert isikukood.sex(code) == sex


@given(st.text(alphabet="0123456789", min_size=11, max_size=11))
def test_validation_agrees_with_stdnum_on_any_eleven_digits(code: str) -> None:
    ours = True
    try:
        isikukood.validate(code)
    except InvalidPersonalCode:
        ours = False
    assert ours == ik.is_valid(code)


def test_a_wrong_check_digit_is_refused() -> None:
    code = isikukood.generate(date(1985, 3, 4), "M", 950)
    wrong = code[:10] + str((int(code[10]) + 1) % 10)
    with pytest.raises(InvalidPersonalCode, match="check digit"):
        isikukood.validate(wrong)


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("3850304950", "exactly 11 digits"),
        ("385030495077", "exactly 11 digits"),
        ("3850304950A", "exactly 11 digits"),
        ("98503049507", "first digit"),
        ("38513049504", "no valid birth date"),
        ("38503049508", "check digit"),
    ],
)
def test_bad_estonian_codes_say_what_is_wrong(code: str, reason: str) -> None:
    with pytest.raises(InvalidPersonalCode, match=reason):
        isikukood.validate(code)


def test_vectorised_generation_matches_the_single_one() -> None:
    rng = np.random.default_rng(7)
    days = np.datetime64("1900-01-01") + rng.integers(0, 80000, 2000)
    sexes = rng.integers(0, 2, 2000)
    codes = scheme("ee").generate_many(rng, days, sexes)
    assert len(set(codes.tolist())) == len(codes)
    for code, day, sex in zip(codes[:300], days[:300], sexes[:300]):
        born = day.astype(object)
        assert code == isikukood.generate(born, "F" if sex else "M", int(code[7:10]))
        assert ik.is_valid(code)


def test_crowded_birth_dates_still_get_distinct_codes() -> None:
    rng = np.random.default_rng(1)
    days = np.array(["2001-02-03"] * 900, dtype="datetime64[D]")
    codes = scheme("ee").generate_many(rng, days, np.zeros(900, dtype=int))
    assert len(set(codes.tolist())) == 900


@given(st.integers(0, 10**11 - 1))
def test_verhoeff_check_digit_catches_every_single_digit_error(number: int) -> None:
    body = f"{number:011d}"
    body = str(max(2, int(body[0]))) + body[1:]
    code = body + str(verhoeff.check_digit(body))
    assert verhoeff.validate(code) == code
    for position in range(12):
        for replacement in "0123456789":
            if replacement == code[position]:
                continue
            wrong = code[:position] + replacement + code[position + 1:]
            if wrong[0] in "01":
                continue
            assert verhoeff.check_digit(wrong[:-1]) != int(wrong[-1])
        break  # one position per example keeps the test fast; hypothesis varies the number


def test_verhoeff_generation_is_valid_distinct_and_filtered() -> None:
    rng = np.random.default_rng(3)
    codes = scheme("verhoeff").generate_many(rng, np.zeros(5000, dtype="datetime64[D]"), np.zeros(5000, dtype=int))
    assert len(set(codes.tolist())) == 5000
    for code in codes[:2000]:
        assert aadhaar.is_valid(code)
        digits = [int(c) for c in code]
        assert all(digits[i] != digits[i + 1] for i in range(11))
        assert all(digits[i] != digits[i + 2] for i in range(10))
        assert not any(digits[i + 1] - digits[i] == digits[i + 2] - digits[i + 1] in (1, -1) for i in range(10))


@pytest.mark.parametrize("code", ["12345678901", "023456789012", "2345678901234", "234567890120"])
def test_bad_verhoeff_ids_are_refused(code: str) -> None:
    with pytest.raises(InvalidVerhoeffId):
        verhoeff.validate(code)


def test_scheme_accepts_a_country_prefix() -> None:
    assert scheme("ee").validate("EE38503049507") == "38503049507"
    assert not scheme("ee").is_valid("EE38503049508")
