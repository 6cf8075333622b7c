"""Periods, payment days and offer deadlines."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tenfold.errors import InvalidInput
from tenfold.rules import Month, next_payment_run, offer_deadline, payment_day


@given(st.integers(-600, 2000))
def test_a_month_index_round_trips(index: int) -> None:
    month = Month.from_index(index)
    assert month.index == index and Month.parse(str(month)) == month
    assert month.plus(1).start > month.stop and month.contains(month.start) and month.contains(month.stop)


@pytest.mark.parametrize("text", ["2024-00", "2024-13", "24-01", "2024/01", "", None, 202401])
def test_a_bad_period_is_refused(text) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput, match="period"):
        Month.parse(text)


@pytest.mark.parametrize(("month", "paid"), [
    (Month(2024, 3), date(2024, 3, 8)),     # a Friday
    (Month(2024, 6), date(2024, 6, 7)),     # the 8th is a Saturday
    (Month(2024, 9), date(2024, 9, 6)),     # the 8th is a Sunday
    (Month(2025, 2), date(2025, 2, 7)),     # Saturday again
])
def test_monthly_allowances_are_paid_on_the_8th_or_the_working_day_before(month: Month, paid: date) -> None:
    assert payment_day(month) == paid


def test_a_one_off_is_paid_in_the_next_run() -> None:
    assert next_payment_run(date(2024, 3, 5)) == date(2024, 3, 8)
    assert next_payment_run(date(2024, 3, 8)) == date(2024, 4, 8)
    assert next_payment_run(date(2024, 5, 31)) == date(2024, 6, 7)


@pytest.mark.parametrize(("born", "deadline"), [
    (date(2024, 3, 5), date(2024, 9, 4)),
    (date(2024, 8, 31), date(2025, 2, 27)),
    (date(2023, 12, 31), date(2024, 6, 29)),
])
def test_the_childbirth_offer_must_be_confirmed_before_six_months(born: date, deadline: date) -> None:
    assert offer_deadline(born, 6) == deadline


def test_incomes_are_read_for_the_year_before_the_month() -> None:
    from tenfold.rules import Year

    year = Month(2024, 3).year_period()
    assert year == Year(2024) and year.previous() == Year(2023) and str(year.previous()) == "2023"
    assert year.contains(date(2024, 12, 31)) and not year.contains(date(2023, 12, 31))
