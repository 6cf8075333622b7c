"""The account mapper (GovStack Payments ID mapper; India's DBT mapper; OpenG2P SPAR).

A registering institution (a subsystem such as ``DEMO/GOV/SIB/benefits``) links the *functional
id* it uses for a payee to a financial address. The functional id is never the personal code:
the mapper refuses one that is a valid personal code, so account data cannot be joined to the
population register by its key. IBANs are validated with schwifty and routed to a bank of the
directory by their BIC; every change of address is logged with who made it, through which
client, and why (the citizen changes their account through the portal).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Iterable, Sequence

from schwifty import IBAN
from schwifty.exceptions import SchwiftyException
from sqlalchemy import Connection, select

from tenfold.ids import scheme
from tenfold.payments.config import BankDirectory
from tenfold.payments.tables import financial_address_changes, financial_addresses
from tenfold.storage import bulk

MODALITIES = {"00": "bank account", "01": "mobile money", "02": "voucher", "03": "digital wallet", "04": "proxy"}
SUPPORTED_MODALITIES = ("00",)
PAYEE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")
CHUNK = 500


@dataclass(frozen=True)
class Beneficiary:
    payee_identity: str
    payment_modality: str
    financial_address: str
    holder_name: str | None = None


@dataclass(frozen=True)
class Failure:
    payee_identity: str
    payment_modality: str
    code: str
    reason: str


@dataclass
class Registration:
    registered: int = 0
    updated: int = 0
    unchanged: int = 0
    failures: list[Failure] = field(default_factory=list)


@dataclass(frozen=True)
class Route:
    iban: str
    bic: str
    bank: str


class Router:
    """IBAN -> (compact IBAN, BIC, bank code of the directory); BICs cached per national bank code."""

    def __init__(self, directory: BankDirectory):
        self.directory = directory
        self._bics: dict[tuple[str, str], str | None] = {}

    def route(self, text: str) -> Route:
        """Raises ValueError with a reason a person can act on."""
        try:
            iban = IBAN(text)
        except SchwiftyException as error:
            raise ValueError(f"not a valid IBAN: {error}") from None
        key = (iban.country_code, iban.bank_code or "")
        if key not in self._bics:
            bic = iban.bic
            self._bics[key] = str(bic) if bic is not None else None
        bic_text = self._bics[key]
        if bic_text is None:
            raise ValueError(f"no BIC is known for bank code {key[1]} of {key[0]}")
        bank = self.directory.by_bic(bic_text)
        if bank is None:
            raise ValueError(f"the treasury has no connection to the bank {bic_text}")
        return Route(str(iban.compact), bic_text, bank.code)


def check_payee_identity(value: str) -> str | None:
    """Why ``value`` cannot be a payee identity, or None."""
    if not isinstance(value, str) or not PAYEE_PATTERN.match(value):
        return "a payee identity is 1 to 64 letters, digits or . _ : - (a functional id)"
    if scheme().is_valid(value):
        return "the payee identity is a personal code; register the functional id instead"
    return None


def pseudonym(secret: bytes, personal_code: str) -> str:
    """A 20-character functional id for a person (GovStack's length), keyed so that it cannot be
    reversed or recomputed without the treasury's secret."""
    digest = hmac.new(secret, personal_code.encode(), hashlib.sha256).digest()
    return "F" + base64.b32encode(digest).decode()[:19]


def _validate(beneficiary: Beneficiary, router: Router) -> tuple[Route | None, Failure | None]:
    def fail(code: str, reason: str) -> tuple[None, Failure]:
        return None, Failure(beneficiary.payee_identity, beneficiary.payment_modality, code, reason)

    problem = check_payee_identity(beneficiary.payee_identity)
    if problem:
        return fail("INVALID_ID", problem)
    if beneficiary.payment_modality not in SUPPORTED_MODALITIES:
        known = MODALITIES.get(beneficiary.payment_modality, "unknown")
        return fail("UNSUPPORTED_MODALITY", f"payment modality {beneficiary.payment_modality} ({known}) is not paid here; use 00 (bank account)")
    try:
        return router.route(beneficiary.financial_address), None
    except ValueError as error:
        return fail("INVALID_ADDRESS", str(error))


def existing(connection: Connection, institution: str, payees: Sequence[str]) -> dict[str, dict]:  # type: ignore[type-arg]
    """Mapper rows of some payees of one institution, by payee identity."""
    t = financial_addresses
    found: dict[str, dict] = {}  # type: ignore[type-arg]
    for start in range(0, len(payees), CHUNK):
        query = select(t).where(t.c.institution == institution, t.c.payee_identity.in_(payees[start:start + CHUNK]))
        found.update({row["payee_identity"]: dict(row) for row in connection.execute(query).mappings()})
    return found


def routes(connection: Connection, institution: str, payees: Sequence[str]) -> dict[str, tuple[int, str, str, str]]:
    """The hot path's lookup: payee identity -> (beneficiary id, IBAN, BIC, bank)."""
    sql = ("SELECT payee_identity, id, financial_address, bic, bank FROM financial_addresses "
           "WHERE institution = ? AND payee_identity IN")
    return {row[0]: (row[1], row[2], row[3], row[4]) for row in bulk.select_in(connection, sql, payees, (institution,))}


def register(connection: Connection, router: Router, institution: str, beneficiaries: Iterable[Beneficiary],
             now: datetime) -> Registration:
    """Add new beneficiaries; one already registered is reported, not overwritten."""
    result = Registration()
    valid = _screen(beneficiaries, router, result)
    known = existing(connection, institution, [b.payee_identity for b, _r in valid])
    rows = []
    for beneficiary, route in valid:
        if beneficiary.payee_identity in known:
            result.failures.append(Failure(beneficiary.payee_identity, beneficiary.payment_modality, "DUPLICATE",
                                           "already registered by this institution; update it with PUT"))
            continue
        rows.append((institution, beneficiary.payee_identity, beneficiary.payment_modality, route.iban, route.bic, route.bank,
                     beneficiary.holder_name, now, now))
    bulk.insert_rows(connection, financial_addresses, ("institution", "payee_identity", "payment_modality", "financial_address",
                                                       "bic", "bank", "holder_name", "created_at", "updated_at"), rows)
    result.registered = len(rows)
    return result


def update(connection: Connection, router: Router, institution: str, beneficiaries: Iterable[Beneficiary], now: datetime,
           *, changed_by: str | None, channel: str, reason: str | None) -> Registration:
    """Change registered beneficiaries' addresses; each change is logged."""
    result = Registration()
    valid = _screen(beneficiaries, router, result)
    known = existing(connection, institution, [b.payee_identity for b, _r in valid])
    changes, updates = [], []
    for beneficiary, route in valid:
        row = known.get(beneficiary.payee_identity)
        if row is None:
            result.failures.append(Failure(beneficiary.payee_identity, beneficiary.payment_modality, "NOT_REGISTERED",
                                           "not registered by this institution; register it with POST"))
            continue
        if (row["financial_address"], row["payment_modality"]) == (route.iban, beneficiary.payment_modality):
            result.unchanged += 1
            continue
        updates.append((beneficiary.payment_modality, route.iban, route.bic, route.bank, now, row["id"]))
        changes.append((row["id"], row["payment_modality"], row["financial_address"], beneficiary.payment_modality, route.iban,
                        changed_by, channel, reason, now))
    bulk.update_rows(connection, financial_addresses, ("payment_modality", "financial_address", "bic", "bank", "updated_at"),
                     ("id",), updates)
    bulk.insert_rows(connection, financial_address_changes, ("address_id", "old_modality", "old_address", "new_modality",
                                                             "new_address", "changed_by", "channel", "reason", "changed_at"), changes)
    result.updated = len(updates)
    return result


def _screen(beneficiaries: Iterable[Beneficiary], router: Router, result: Registration) -> list[tuple[Beneficiary, Route]]:
    valid: list[tuple[Beneficiary, Route]] = []
    seen: set[str] = set()
    for beneficiary in beneficiaries:
        if beneficiary.payee_identity in seen:
            result.failures.append(Failure(beneficiary.payee_identity, beneficiary.payment_modality, "DUPLICATE",
                                           "the payee identity appears twice in this request"))
            continue
        seen.add(beneficiary.payee_identity)
        route, failure = _validate(beneficiary, router)
        if failure:
            result.failures.append(failure)
        elif route:
            valid.append((beneficiary, route))
    return valid


def changes(connection: Connection, address_id: int) -> list[dict]:  # type: ignore[type-arg]
    t = financial_address_changes
    query = select(t).where(t.c.address_id == address_id).order_by(t.c.id)
    return [dict(row) for row in connection.execute(query).mappings()]
