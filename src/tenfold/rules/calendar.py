"""When money is paid and until when an offer stands.

Estonian family allowances are paid for the ongoing month on the 8th, or on the preceding working
day when the 8th is a day off (eesti.ee; SKA rates table). Only weekends are treated as days off
here: no Estonian public holiday falls on a fixed 8th, and moving holidays are not modelled.
One-off sums are paid in the next run after the decision (an assumption: the sources do not say
how long after confirmation the money arrives).
"""

from __future__ import annotations

from datetime import date, timedelta

from tenfold.rules.periods import Month, add_months

PAYMENT_DAY = 8


def payment_day(month: Month, day: int = PAYMENT_DAY) -> date:
    """The run of ``month``: its ``day``-th, moved back to a working day (Mon-Fri)."""
    run = date(month.year, month.month, day)
    while run.weekday() >= 5:
        run -= timedelta(days=1)
    return run


def next_payment_run(after: date, day: int = PAYMENT_DAY) -> date:
    """The first payment run strictly after ``after`` (one-off sums, and back months)."""
    month = Month.of(after)
    while payment_day(month, day) <= after:
        month = month.plus(1)
    return payment_day(month, day)


def offer_deadline(birthdate: date, months: int = 6) -> date:
    """The last day to confirm an offer that must be confirmed before the child is ``months``
    old: the day before the child reaches that age (the month's last day where the date does
    not exist)."""
    return add_months(birthdate, months) - timedelta(days=1)
