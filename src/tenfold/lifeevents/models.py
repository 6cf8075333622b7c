"""Domain objects of the journeys, without I/O: the states of an event's handling (moved by the
work queue, see queue.py), the offer's state machine, the named errors, and the reason codes of
the exception queue."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tenfold.errors import InvalidInput, TenfoldError
from tenfold.i18n import N_, gettext

# ---------------------------------------------------------------- an event's handling
# received -> processing (leased) -> processed | error; processing -> received when deferred (it
# waits for another event); error -> processing when retried by the worker, or received by hand.
RECEIVED, PROCESSING, PROCESSED, ERROR = "received", "processing", "processed", "error"


def backoff(attempts: int, base: float, ceiling: float) -> timedelta:
    """Exponential: base, 2 base, 4 base... never more than ceiling."""
    return timedelta(seconds=min(base * (2 ** max(attempts - 1, 0)), ceiling))


# ---------------------------------------------------------------- an offer's life
PROPOSED, NOTIFIED, CONFIRMED, DECLINED, EXPIRED, PAID = "proposed", "notified", "confirmed", "declined", "expired", "paid"
OFFER_STATES = (PROPOSED, NOTIFIED, CONFIRMED, DECLINED, EXPIRED, PAID)
OPEN_OFFER = (PROPOSED, NOTIFIED)
NOTIFY, CONFIRM, DECLINE, EXPIRE, PAY = "notify", "confirm", "decline", "expire", "pay"
OFFER_MOVES = {
    (PROPOSED, NOTIFY): NOTIFIED,
    (PROPOSED, CONFIRM): CONFIRMED, (NOTIFIED, CONFIRM): CONFIRMED,
    (PROPOSED, DECLINE): DECLINED, (NOTIFIED, DECLINE): DECLINED,
    (PROPOSED, EXPIRE): EXPIRED, (NOTIFIED, EXPIRE): EXPIRED,
    (CONFIRMED, PAY): PAID,
}


class OfferNotFound(TenfoldError):
    """No such offer (or not one the caller may see)."""


class OfferNotOpen(TenfoldError):
    """The offer was confirmed, declined, expired or paid already, differently."""


class OfferExpired(OfferNotOpen):
    """The offer's deadline has passed."""


class NotTheAddressee(TenfoldError):
    """Only the person the offer is addressed to may confirm or decline it."""


class IdempotencyConflict(TenfoldError):
    """The same Idempotency-Key was used with another request body."""


class NotFound(TenfoldError):
    """No such decision, event, exception or application."""


class ChoiceInvalid(InvalidInput):
    """A recipient or account choice that is not one of the offer's options, or not an IBAN."""


def offer_move(state: str, action: str) -> str:
    """The offer's next state, or the named error a caller can act on."""
    found = OFFER_MOVES.get((state, action))
    if found is not None:
        return found
    if state == EXPIRED:
        raise OfferExpired("the offer has expired")
    raise OfferNotOpen(f"the offer is {state}; it cannot be {action}ed" if action != NOTIFY else f"the offer is {state}")


# ---------------------------------------------------------------- the exception queue
REASONS = {
    "person_not_found": N_("The population register has no person {field} named in the event; nothing was decided."),
    "child_deceased": N_("The child died before the birth was handled; a caseworker decides what is due."),
    "no_living_parent": N_("No living parent lives with the child in the population register; a caseworker finds the recipient."),
    "rules_cannot_settle": N_("The rules cannot settle this case with the facts the registries gave: {message}"),
    "needs_caseworker": N_("The rules need a caseworker for {program}: {reasons}"),
    "event_failed": N_("Handling the event failed {attempts} times; the last error: {error}"),
    "appeal": N_("Appeal against decision {decision}: {reason}"),
    "recipient_deceased": N_("The recipient of the family's allowances died; their payments stop. The surviving parent needs a new offer."),
    "overpayment": N_("{amount} was paid for months after the death (until {month}); recovery is for a caseworker to decide."),
    "payment_refused": N_("The treasury refused the payment instruction {request}: {reason}"),
    "no_account": N_("No bank account is known for {person}; the automatic payment waits for one."),
}


def reason_text(code: str, params: dict[str, Any], language: str) -> str:
    template = REASONS.get(code, code)
    try:
        return gettext(template, language).format(**params)
    except (KeyError, IndexError):
        return gettext(template, language)
