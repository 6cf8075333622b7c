"""The synthetic country as plain data: the request and the generated arrays (no I/O).

People, households, addresses and everything they own are numpy arrays indexed by position;
a reference to a person is that person's index (``-1``: nobody). Days are integers counted from
1970-01-01 (numpy ``datetime64[D]``), ``NO_DAY`` where there is none.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from tenfold.errors import InvalidInput
from tenfold.i18n import _

GENERATOR_VERSION = "1.0"
MAX_PERSONS = 10_000_000
MAX_SEED = 2**63 - 1
MAX_DAYS = 3660
DEFAULT_AS_OF = date(2026, 1, 1)
EARLIEST_AS_OF, LATEST_AS_OF = date(1992, 1, 1), date(2100, 12, 31)
NOBODY = -1
NO_DAY = np.iinfo(np.int64).min


@dataclass(frozen=True)
class GenerationRequest:
    """What to generate; the same request always gives the same country."""

    persons: int
    seed: int = 1
    as_of: date = DEFAULT_AS_OF
    days: int = 365
    id_scheme: str = "ee"

    def __post_init__(self) -> None:
        if isinstance(self.persons, bool) or not isinstance(self.persons, int) or not 1 <= self.persons <= MAX_PERSONS:
            raise InvalidInput(_("--persons must be a whole number from 1 to {max:,}").format(max=MAX_PERSONS))
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or not 0 <= self.seed <= MAX_SEED:
            raise InvalidInput(_("--seed must be a whole number from 0 to {max}").format(max=MAX_SEED))
        if not isinstance(self.days, int) or not 1 <= self.days <= MAX_DAYS:
            raise InvalidInput(_("--days must be a whole number from 1 to {max}").format(max=MAX_DAYS))
        if not EARLIEST_AS_OF <= self.as_of <= LATEST_AS_OF:  # the incomes registry holds years 1990-2100
            raise InvalidInput(_("--as-of must be a date from {first} to {last}").format(
                first=EARLIEST_AS_OF.isoformat(), last=LATEST_AS_OF.isoformat()))

    @property
    def as_of_day(self) -> int:
        return int(np.datetime64(self.as_of, "D").astype(np.int64))

    def stream(self, name: str) -> np.random.Generator:
        """An independent random stream per concern, so a change in one part of the generator
        leaves the others' draws as they were."""
        return np.random.default_rng([self.seed, zlib.crc32(name.encode())])


def parse_int(text: str, option: str) -> int:
    """A whole number given on the command line, or one clear error."""
    try:
        return int(str(text).replace("_", "").replace(",", ""))
    except ValueError:
        raise InvalidInput(_("{option} must be a whole number, not {value!r}").format(option=option, value=text)) from None


def parse_date(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(_("{option} must be a date written YYYY-MM-DD, not {value!r}").format(option=option, value=text)) from None


@dataclass
class People:
    birth: np.ndarray            # day of birth
    sex: np.ndarray              # 0 male, 1 female
    code: np.ndarray = field(default_factory=lambda: np.empty(0, dtype="U11"))
    death: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    mother: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    father: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    partner: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    married: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=bool))
    union_day: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    multiple_size: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int8))
    household: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    ethnicity: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int8))
    first_name: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int32))
    surname: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int32))
    citizenship: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=object))
    phone: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))       # 0: none
    email_tag: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))   # 0: none

    def __len__(self) -> int:
        return len(self.birth)

    @property
    def alive(self) -> np.ndarray:
        return self.death == NO_DAY


@dataclass
class Addresses:
    """One dwelling per household; ``apartment`` 0 where the dwelling is a house."""

    municipality: np.ndarray
    settlement: np.ndarray       # index into the settlement vocabulary
    street: np.ndarray
    house: np.ndarray
    apartment: np.ndarray
    postal_code: np.ndarray

    def __len__(self) -> int:
        return len(self.municipality)


@dataclass
class Incomes:
    person: np.ndarray
    year: np.ndarray
    kind: np.ndarray             # index into INCOME_KINDS
    amount_cents: np.ndarray


INCOME_KINDS = ("employment", "self_employment", "pension", "benefits", "capital")


@dataclass
class Accounts:
    person: np.ndarray
    bank: np.ndarray             # 0 BANK1, 1 BANK2
    iban: np.ndarray             # "EE.." strings
    primary: np.ndarray
    opened: np.ndarray           # day the bank opened it
    known_since: np.ndarray      # day the tax board learnt it


@dataclass
class Parcels:
    owner: np.ndarray
    cadastral_code: np.ndarray   # "ddddd:ddd:dddd"
    area_m2: np.ndarray
    land_use: np.ndarray         # index into LAND_USES
    value_cents: np.ndarray
    municipality: np.ndarray


LAND_USES = ("residential", "agricultural", "forest", "commercial")


@dataclass
class Vehicles:
    owner: np.ndarray
    vin: np.ndarray
    plate: np.ndarray
    model: np.ndarray            # index into the model list
    first_registration: np.ndarray
    value_cents: np.ndarray


@dataclass
class Schedule:
    """Future events the simulator releases later: births (one row per child) and deaths."""

    birth_mother: np.ndarray
    birth_father: np.ndarray
    birth_day: np.ndarray
    birth_sex: np.ndarray
    birth_code: np.ndarray
    birth_first_name: np.ndarray
    birth_surname: np.ndarray
    birth_delivery: np.ndarray   # children of one delivery share it
    birth_size: np.ndarray       # multiple-birth size of the delivery
    death_person: np.ndarray
    death_day: np.ndarray


@dataclass
class Country:
    request: GenerationRequest
    people: People
    addresses: Addresses
    household_address: np.ndarray
    incomes: Incomes
    accounts: Accounts
    parcels: Parcels
    vehicles: Vehicles
    schedule: Schedule
    timings: dict[str, float] = field(default_factory=dict)
