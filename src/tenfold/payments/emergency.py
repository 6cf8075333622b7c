"""Emergency transfers (India's DBT in 2020, Ukraine's eRecovery): an operator defines a one-off
program as a filter over the registries, and every eligible resident is paid.

The program file (TOML)::

    id = "FLOOD-2026"
    name = { en = "Flood relief 2026", zh-Hant = "2026 年水災救助" }
    amount = "150.00"           # per person
    currency = "EUR"
    budget = "90000000.00"      # allocated once (the allocation id is "initial")
    narration = "Flood relief 2026"

    [eligibility]
    min_age = 18                # on as_of (default: today)
    income_year = 2025          # total declared income that year...
    income_below = "9000.00"    # ...below this amount

Persons (POP), incomes and known accounts (TAX) are read through the exchange; each eligible
person is registered in the account mapper under a keyed pseudonym (a functional id, never the
personal code) with their primary account, and paid once: the instruction's request id is the
program and the pseudonym, so running the program again pays nobody twice.
"""

from __future__ import annotations

import tomllib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Callable

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tenfold.payments import mapper
from tenfold.payments.errors import InvalidInput
from tenfold.payments.models import BatchReceipt, BatchRequest, InstructionRequest, content_hash
from tenfold.payments.money import MAX_BUDGET_CENTS, check_currency, to_cents
from tenfold.payments.service import PaymentsService
from tenfold.payments.sources import Progress, Read, RegistrySource

POP_REGISTRY = "DEMO/GOV/POP/registry/registry"
TAX_REGISTRY = "DEMO/GOV/TAX/registry/registry"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Name(_Strict):
    en: str = Field(min_length=1, max_length=200)
    zh_Hant: str = Field(min_length=1, max_length=200, alias="zh-Hant")


class Eligibility(_Strict):
    min_age: int | None = Field(None, ge=0, le=130)
    max_age: int | None = Field(None, ge=0, le=130)
    income_year: int | None = Field(None, ge=1990, le=2100)
    income_below: str | None = None
    as_of: date | None = None


class ProgramFile(_Strict):
    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
    name: Name
    amount: str
    currency: str = "EUR"
    budget: str
    narration: str | None = Field(None, max_length=140)
    eligibility: Eligibility = Field(default_factory=Eligibility)


@dataclass(frozen=True)
class EmergencyProgram:
    program_id: str
    name: Name
    amount_cents: int
    currency: str
    budget_cents: int
    narration: str
    min_age: int | None
    max_age: int | None
    income_year: int | None
    income_below_cents: int | None
    as_of: date


def load_program(path: Path) -> EmergencyProgram:
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        parsed = ProgramFile.model_validate(raw)
    except OSError as error:
        raise InvalidInput(f"cannot read the program file {path}: {error.strerror}") from None
    except tomllib.TOMLDecodeError as error:
        raise InvalidInput(f"the program file {path} is not valid TOML: {error}") from None
    except ValidationError as error:
        first = error.errors()[0]
        raise InvalidInput(f"{path}: {'.'.join(str(p) for p in first['loc'])}: {first['msg']}") from None
    rules = parsed.eligibility
    if (rules.income_year is None) != (rules.income_below is None):
        raise InvalidInput(f"{path}: eligibility.income_year and eligibility.income_below go together")
    return EmergencyProgram(
        parsed.id, parsed.name, to_cents(parsed.amount, what="amount"), check_currency(parsed.currency),
        to_cents(parsed.budget, limit=MAX_BUDGET_CENTS, what="budget"), parsed.narration or parsed.name.en, rules.min_age,
        rules.max_age, rules.income_year, to_cents(rules.income_below, limit=MAX_BUDGET_CENTS, what="income_below")
        if rules.income_below else None, rules.as_of or datetime.now(UTC).date())


@dataclass
class Eligible:
    persons: int = 0
    eligible: list[tuple[str, str]] = field(default_factory=list)  # (personal code, IBAN)
    without_account: int = 0


def _age(birth: str, on: date) -> int:
    born = date.fromisoformat(birth)
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def find_eligible(program: EmergencyProgram, source: RegistrySource, progress: Progress | None = None) -> Eligible:
    """Read the registries through the exchange (at the same time) and apply the program's filter.

    Incomes are read whole and the year is picked here: the registry API pages a filtered list
    much more slowly than a whole one (it sorts the matches again for every page)."""
    reads = [Read(POP_REGISTRY, "persons", ("ID", "birthDate", "status")), Read(TAX_REGISTRY, "accounts", ("personId", "iban", "primary"))]
    if program.income_year is not None:
        reads.append(Read(TAX_REGISTRY, "incomes", ("personId", "amountCents", "year")))
    persons, known_accounts, *more = source.fetch_all(reads, progress)
    incomes: dict[str, int] = defaultdict(int)
    for person, cents, year in (more[0] if more else []):
        if year == program.income_year:
            incomes[person] += int(cents or 0)
    accounts: dict[str, str] = {}
    for person, iban, primary in known_accounts:
        if primary or person not in accounts:
            accounts[person] = iban
    result = Eligible(persons=len(persons))
    for code, birth, status in persons:
        if status != "alive" or not birth:
            continue
        age = _age(birth, program.as_of)
        if (program.min_age is not None and age < program.min_age) or (program.max_age is not None and age > program.max_age):
            continue
        if program.income_below_cents is not None and incomes.get(code, 0) >= program.income_below_cents:
            continue
        iban = accounts.get(code)
        if iban is None:
            result.without_account += 1
        else:
            result.eligible.append((code, iban))
    return result


@dataclass
class Submitted:
    registered: int = 0
    updated: int = 0
    unpayable: int = 0
    instructions: int = 0
    replayed: int = 0
    batches: list[str] = field(default_factory=list)


def pay(service: PaymentsService, program: EmergencyProgram, eligible: list[tuple[str, str]], secret: bytes,
        progress: Callable[[int], None] | None = None) -> Submitted:
    """Register every eligible person's account under a pseudonym and submit their payments."""
    service.create_program(program.program_id, program.name.en, program.currency)
    service.allocate(program.program_id, "initial", program.budget_cents)
    institution = service.settings.client
    result = Submitted()
    size = service.settings.max_batch_instructions
    for start in range(0, len(eligible), size):
        chunk = [(mapper.pseudonym(secret, code), iban) for code, iban in eligible[start:start + size]]
        payable = _register(service, institution, chunk, result)
        receipt = _submit(service, program, institution, payable)
        if receipt is not None and receipt.replay:
            result.replayed += receipt.accepted
        elif receipt is not None:
            result.batches.append(receipt.batch_id)
            result.instructions += receipt.accepted
            result.replayed += len(receipt.replayed)
        if progress:
            progress(len(chunk))
    return result


def _register(service: PaymentsService, institution: str, chunk: list[tuple[str, str]], result: Submitted) -> list[str]:
    known = service.lookup(institution, [payee for payee, _iban in chunk])
    fresh = [mapper.Beneficiary(payee, "00", iban) for payee, iban in chunk if payee not in known]
    moved = [mapper.Beneficiary(payee, "00", iban) for payee, iban in chunk
             if payee in known and known[payee]["financial_address"] != iban.replace(" ", "")]
    registered = service.register(institution, fresh)
    updated = service.update(institution, moved, changed_by=None, channel="TAX accounts registry", reason="emergency transfer")
    result.registered += registered.registered
    result.updated += updated.updated
    failed = {f.payee_identity for f in registered.failures + updated.failures}
    result.unpayable += len(failed)
    return [payee for payee, _iban in chunk if payee not in failed]


def _submit(service: PaymentsService, program: EmergencyProgram, institution: str, payees: list[str]) -> BatchReceipt | None:
    if not payees:
        return None
    instructions = [InstructionRequest(f"{program.program_id}:{payee}", payee, program.amount_cents, program.currency, "00",
                                       program.narration) for payee in payees]
    correlation = "EMG-" + content_hash(program.program_id, *payees)[:24]
    return service.submit(BatchRequest(institution, correlation, program.program_id, instructions))


def outcome(service: PaymentsService, program_id: str) -> dict[str, Any]:
    """Counts and amounts per state of one program's instructions."""
    from sqlalchemy import func, select

    from tenfold.payments.tables import payment_instructions as t

    with service.engine.connect() as connection:
        rows = connection.execute(select(t.c.state, func.count(), func.sum(t.c.amount_cents))
                                  .where(t.c.program_id == program_id).group_by(t.c.state)).all()
    return {state: {"count": int(n), "cents": int(c or 0)} for state, n, c in rows}
