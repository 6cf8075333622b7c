"""Checking what people type (each check answers with a message for the error summary), and
showing bank accounts the way people read them."""

from __future__ import annotations

from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from tenfold.i18n import N_, gettext

IBAN_MISSING = N_("Enter the IBAN of the account")
IBAN_INVALID = N_("Enter a valid IBAN, like EE38 2200 2210 2014 5685")
REASON_MISSING = N_("Enter the reason")
REASON_TOO_LONG = N_("The reason must be 2,000 characters or fewer")


def check_iban(text: str | None) -> tuple[str | None, str | None]:
    """(the IBAN in compact form, None) or (None, the error to show)."""
    cleaned = (text or "").strip()
    if not cleaned:
        return None, gettext(IBAN_MISSING)
    try:
        return str(IBAN(cleaned).compact), None
    except SchwiftyException:
        return None, gettext(IBAN_INVALID)


def shown_iban(compact: str | None) -> str:
    if not compact:
        return "–"
    try:
        return str(IBAN(compact, allow_invalid=True).formatted)
    except SchwiftyException:
        return compact


def check_reason(text: str | None) -> tuple[str | None, str | None]:
    cleaned = (text or "").strip()
    if not cleaned:
        return None, gettext(REASON_MISSING)
    if len(cleaned) > 2000:
        return None, gettext(REASON_TOO_LONG)
    return cleaned, None
