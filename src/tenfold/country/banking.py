"""Bank accounts with valid Estonian IBANs, known to the tax board and to the holder's bank.

An Estonian IBAN is ``EE`` + two ISO 7064 check digits + a 16-digit BBAN: the bank code (2
digits), 13 digits of branch and account number, and a national check digit (weights 7, 3, 1
from the right). BANK1 uses Swedbank's code 22 and BANK2 SEB's code 10, so BIC look-ups work.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tenfold.country import parameters as p
from tenfold.country.codes import digits, join, literal
from tenfold.country.draws import unique_integers
from tenfold.country.models import Accounts, GenerationRequest, People
from tenfold.country.population import DAYS_PER_YEAR, age_years


@dataclass(frozen=True)
class Bank:
    member: str
    code: int
    bic: str


BANKS = (Bank("DEMO/COM/BANK1", 22, "HABAEE2X"), Bank("DEMO/COM/BANK2", 10, "EEUHEE2X"))
ACCOUNT_DIGITS = 13
_NATIONAL_WEIGHTS = np.array([7, 3, 1] * 5)[:ACCOUNT_DIGITS][::-1]  # 7 on the right-most digit


def national_check_digit(accounts: np.ndarray) -> np.ndarray:
    """The Estonian check digit of 13-digit branch + account numbers."""
    digits = (accounts[:, None] // 10 ** np.arange(ACCOUNT_DIGITS - 1, -1, -1)) % 10
    total = digits @ _NATIONAL_WEIGHTS
    return (10 - total % 10) % 10


def iban_check_digits(bban: np.ndarray) -> np.ndarray:
    """ISO 7064 mod 97-10 over BBAN + "EE00" (E = 14), without overflowing int64."""
    return 98 - ((bban % 97) * (10**6 % 97) + 141400) % 97


def make_ibans(bank_code: int, accounts: np.ndarray) -> np.ndarray:
    bban = bank_code * 10 ** (ACCOUNT_DIGITS + 1) + accounts * 10 + national_check_digit(accounts)
    check = iban_check_digits(bban)
    return join(literal("EE", len(bban)), digits(check, 2), digits(bban, 16))


def open_accounts(request: GenerationRequest, people: People) -> Accounts:
    """Most adults have one account known to the tax board; a few have one at each bank (the
    first is the primary). Accounts of people who died last year are still open."""
    rng = request.stream("banking")
    age = age_years(people.birth, request.as_of_day)
    holders = np.flatnonzero((age >= p.ADULT_AGE) & (rng.random(len(people)) < p.ACCOUNT_SHARE))
    bank = (rng.random(len(holders)) >= p.BANK1_SHARE).astype(np.int8)
    second = holders[rng.random(len(holders)) < p.SECOND_ACCOUNT_SHARE]
    person = np.concatenate([holders, second])
    bank = np.concatenate([bank, 1 - bank[np.searchsorted(holders, second)]])
    primary = np.r_[np.ones(len(holders), bool), np.zeros(len(second), bool)]
    years = np.clip(age[person] - p.ADULT_AGE, 0, 25) * rng.random(len(person))
    opened = request.as_of_day - 1 - (years * DAYS_PER_YEAR).astype(np.int64)
    known = opened + ((request.as_of_day - 1 - opened) * rng.random(len(person))).astype(np.int64)
    iban = np.empty(len(person), dtype="U20")
    for index, b in enumerate(BANKS):
        at = np.flatnonzero(bank == index)
        iban[at] = make_ibans(b.code, unique_integers(rng, len(at), 10**ACCOUNT_DIGITS))
    order = np.lexsort((~primary, person))
    return Accounts(person=person[order], bank=bank[order], iban=iban[order], primary=primary[order],
                    opened=opened[order], known_since=known[order])
