"""Money: integer cents with an ISO 4217 currency, never floats.

GovStack sends amounts as JSON numbers ("12.5"); they are converted exactly, through their
decimal text, and refused when they carry more than two decimals, are not positive, or exceed
the largest single payment Tenfold accepts.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from tenfold.errors import InvalidInput

CURRENCIES = frozenset({"EUR"})  # what the demo's banks hold; a deployment extends this set
MAX_PAYMENT_CENTS = 100_000_000_00  # one hundred million euro in one instruction
MAX_BUDGET_CENTS = 10**15


def to_cents(amount: object, *, limit: int = MAX_PAYMENT_CENTS, what: str = "amount") -> int:
    """Exact cents of a decimal amount given as a number or a string (``"12.30"`` -> 1230)."""
    if isinstance(amount, bool) or not isinstance(amount, (int, float, str, Decimal)):
        raise InvalidInput(f"{what} must be a number with at most two decimals")
    try:
        value = Decimal(repr(amount) if isinstance(amount, float) else str(amount).strip())
    except InvalidOperation:
        raise InvalidInput(f"{what} {amount!r} is not a number") from None
    if not value.is_finite():
        raise InvalidInput(f"{what} must be a finite number")
    cents = value * 100
    if cents != cents.to_integral_value():
        raise InvalidInput(f"{what} {amount} has more than two decimals")
    result = int(cents)
    if result <= 0:
        raise InvalidInput(f"{what} must be positive")
    if result > limit:
        raise InvalidInput(f"{what} {amount} is above the limit of {format_cents(limit)}")
    return result


def format_cents(cents: int) -> str:
    """``1230`` -> ``"12.30"`` (the ISO 20022 and GovStack decimal form)."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(int(cents)), 100)
    return f"{sign}{whole}.{part:02d}"


def parse_decimal_cents(text: str) -> int:
    """Cents of an ISO 20022 amount text (``"12.3"``, ``"12.30"``, ``"12"``); raises ValueError."""
    whole, _, part = text.strip().partition(".")
    if not whole.isdigit() or (part and (not part.isdigit() or len(part) > 2)):
        raise ValueError(f"not an amount: {text!r}")
    return int(whole) * 100 + int((part + "00")[:2])


def check_currency(currency: object) -> str:
    if not isinstance(currency, str) or currency not in CURRENCIES:
        known = ", ".join(sorted(CURRENCIES))
        raise InvalidInput(f"currency {currency!r} is not supported (supported: {known})")
    return currency
