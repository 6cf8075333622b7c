"""The offer's state machine and the payment calendar: every sequence of moves keeps an offer
answered at most once, and the calendar instructs each month once, on time, never after the
enrolment ends. (The event's states are the work queue's: see test_intake_and_queue.)"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tenfold.lifeevents.models import (CONFIRMED, DECLINED, EXPIRED, NOTIFIED, OFFER_MOVES, PAID, PROPOSED, REASONS, OfferExpired,
                                       OfferNotOpen, offer_move, reason_text)
from tenfold.lifeevents.payouts import due_months, run_on_or_after
from tenfold.rules import Month, payment_day

ACTIONS = ("notify", "confirm", "decline", "expire", "pay")


@given(st.lists(st.sampled_from(ACTIONS), max_size=12))
def test_an_offer_is_answered_at_most_once_and_paid_only_when_confirmed(actions: list[str]) -> None:
    state, answers = PROPOSED, []
    for action in actions:
        try:
            new = offer_move(state, action)
        except (OfferNotOpen, OfferExpired):
            continue
        if new in (CONFIRMED, DECLINED, EXPIRED):
            answers.append(new)
        assert new != PAID or state == CONFIRMED
        state = new
    assert len(answers) <= 1
    assert state in (PROPOSED, NOTIFIED, CONFIRMED, DECLINED, EXPIRED, PAID)


def test_refusals_say_why() -> None:
    with pytest.raises(OfferExpired):
        offer_move(EXPIRED, "confirm")
    with pytest.raises(OfferNotOpen, match="declined"):
        offer_move(DECLINED, "confirm")
    with pytest.raises(OfferNotOpen):
        offer_move(CONFIRMED, "decline")
    assert offer_move(CONFIRMED, "pay") == PAID
    assert set(OFFER_MOVES.values()) <= {NOTIFIED, CONFIRMED, DECLINED, EXPIRED, PAID}


def test_every_exception_reason_reads_in_both_languages() -> None:
    for code in REASONS:
        assert reason_text(code, {}, "en") and reason_text(code, {}, "zh-Hant")
    assert "€80.00" in reason_text("overpayment", {"amount": "€80.00", "month": "2026-02"}, "zh-Hant")


days = st.dates(min_value=date(2023, 1, 1), max_value=date(2027, 12, 31))


@settings(max_examples=300)
@given(days, days, st.integers(0, 27), st.booleans(), st.integers(0, 30))
def test_the_calendar_instructs_each_due_month_once_on_a_run_day(first_day: date, today: date, lead: int, bounded: bool,
                                                                  length: int) -> None:
    first = Month.of(first_day)
    last = first.plus(length) if bounded else None
    found = due_months("monthly", first, last, today, lead)
    months = [m for m, _run in found]
    assert months == [first.plus(n) for n in range(len(months))]          # contiguous from the first, each once
    for month, run in found:
        assert payment_day(month) - timedelta(days=lead) <= today          # instructed only when its run is near
        assert run >= today and run.weekday() < 5                          # paid on a run day, never in the past
        assert run == payment_day(month) or run == run_on_or_after(today)  # its own run, or the next (back months)
        assert last is None or month <= last
    following = (months[-1].plus(1) if months else first)
    assert (last is not None and following > last) or payment_day(following) - timedelta(days=lead) > today


def test_a_one_off_is_paid_in_the_next_run() -> None:
    assert due_months("one_off", Month(2026, 1), None, date(2026, 1, 9), 5) == [(Month(2026, 1), date(2026, 2, 6))]
    assert due_months("one_off", Month(2026, 1), None, date(2026, 1, 8), 5) == [(Month(2026, 1), date(2026, 1, 8))]
