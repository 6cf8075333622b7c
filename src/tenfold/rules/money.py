"""Money is integer euro cents; euros appear only where people read or write them."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from tenfold.errors import InvalidInput
from tenfold.i18n import _

CURRENCY = "EUR"


def format_eur(cents: int) -> str:
    """``8000`` -> ``€80.00``; ``-150`` -> ``-€1.50``."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(int(cents)), 100)
    return f"{sign}€{whole:,}.{part:02d}"


def eur_to_cents(value: object, field: str) -> int:
    """A euro amount written by a person (``80``, ``433.33``, ``"1,000.00"``) as exact cents."""
    if isinstance(value, bool):
        raise InvalidInput(_("{field}: expected an amount in euros, got {value!r}").format(field=field, value=value))
    try:
        amount = Decimal(str(value).replace(",", "").replace("€", "").strip())
    except InvalidOperation:
        raise InvalidInput(_("{field}: expected an amount in euros, got {value!r}").format(field=field, value=value)) from None
    cents = amount * 100
    if cents != cents.to_integral_value():
        raise InvalidInput(_("{field}: an amount in euros has at most two decimals, got {value!r}").format(field=field, value=value))
    return int(cents)

