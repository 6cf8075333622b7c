"""Land parcels and vehicles owned by some adults (facts for means tests and estates).

A cadastral code is ``ddddd:ddd:dddd``: the municipality's cadastral unit, a block and a parcel
number. A VIN has 17 characters without I, O or Q: a maker's code (WMI), five characters that
make it unique here, the ISO 3779 check digit, the model year, a plant and a serial number.
Plates are three digits and three letters, as Estonian ones are.
"""

from __future__ import annotations

import numpy as np

from tenfold.country import parameters as p
from tenfold.country.addresses import GAZETTEER
from tenfold.country.codes import digits, join, letters, literal
from tenfold.country.draws import unique_integers
from tenfold.country.models import LAND_USES, Addresses, GenerationRequest, Parcels, People, Vehicles
from tenfold.country.population import DAYS_PER_YEAR, age_years

RESIDENTIAL, AGRICULTURAL, FOREST, COMMERCIAL = range(len(LAND_USES))
# median area (m2), sigma, price per m2 in cents (rural; towns x 6 for homes)
_LAND = {RESIDENTIAL: (1200, 0.5, 2_000), AGRICULTURAL: (40_000, 1.0, 30), FOREST: (60_000, 1.0, 50),
         COMMERCIAL: (3_000, 0.8, 10_000)}
_OTHER_USES = np.array([RESIDENTIAL, AGRICULTURAL, FOREST, COMMERCIAL])
_OTHER_USE_SHARES = np.array([0.10, 0.45, 0.40, 0.05])

# (make, model, category, world manufacturer identifier, value when new in cents, popularity, first model year)
MODELS = (
    ("Toyota", "Corolla", "M1", "SB1", 2_500_000, 10, 1995), ("Toyota", "RAV4", "M1", "JTM", 3_800_000, 8, 1994),
    ("Škoda", "Octavia", "M1", "TMB", 2_800_000, 10, 1995), ("Škoda", "Superb", "M1", "TMB", 3_600_000, 4, 1995),
    ("Volkswagen", "Passat", "M1", "WVW", 3_500_000, 7, 1995), ("Volkswagen", "Golf", "M1", "WVW", 2_700_000, 6, 1995),
    ("Volvo", "V70", "M1", "YV1", 4_000_000, 5, 1995), ("Volvo", "XC60", "M1", "YV1", 5_200_000, 3, 2008),
    ("BMW", "520d", "M1", "WBA", 5_500_000, 4, 1995), ("Audi", "A6", "M1", "WAU", 5_300_000, 4, 1995),
    ("Audi", "A4", "M1", "WAU", 4_200_000, 3, 1995), ("Opel", "Astra", "M1", "W0L", 2_300_000, 4, 1995),
    ("Ford", "Focus", "M1", "WF0", 2_400_000, 4, 1995), ("Kia", "Ceed", "M1", "U5Y", 2_300_000, 3, 2007),
    ("Hyundai", "i30", "M1", "TMA", 2_300_000, 3, 2007), ("Nissan", "Qashqai", "M1", "SJN", 2_900_000, 3, 2007),
    ("Mercedes-Benz", "E 220", "M1", "WDD", 5_800_000, 3, 1995), ("Peugeot", "308", "M1", "VF3", 2_500_000, 2, 1995),
    ("Tesla", "Model 3", "M1", "5YJ", 4_500_000, 1, 2017),
    ("Ford", "Transit", "N1", "WF0", 3_800_000, 3, 1995), ("Volkswagen", "Transporter", "N1", "WV1", 4_200_000, 3, 1995),
    ("Renault", "Kangoo", "N1", "VF1", 2_200_000, 2, 1995), ("Toyota", "Hilux", "N1", "AHT", 4_300_000, 2, 1995),
    ("Honda", "CBF600", "L3", "JH2", 800_000, 1, 2004), ("Yamaha", "MT-07", "L3", "JYA", 800_000, 1, 2014),
    ("KTM", "390 Duke", "L3", "VBK", 600_000, 1, 2013),
)
VIN_CHARACTERS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
_VIN_VALUES = dict(zip("ABCDEFGHJKLMNPRSTUVWXYZ", [1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 7, 9, 2, 3, 4, 5, 6, 7, 8, 9]))
_VIN_VALUES.update({str(d): d for d in range(10)})
_VIN_WEIGHTS = np.array([8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2])
_MODEL_YEAR_CODES = "ABCDEFGHJKLMNPRSTVWXY123456789"  # 1980 (and 2010) ... 2009
PLATE_LETTERS = 26**3


def own_parcels(request: GenerationRequest, people: People, addresses: Addresses, household_address: np.ndarray) -> Parcels:
    rng = request.stream("parcels")
    age = age_years(people.birth, request.as_of_day)
    owners = np.flatnonzero((age >= 30) & (rng.random(len(people)) < p.PARCEL_OWNER_SHARE))
    count = rng.choice(4, size=len(owners), p=[0.70, 0.20, 0.07, 0.03]) + 1
    owner = np.repeat(owners, count)
    first = np.r_[True, owner[1:] != owner[:-1]] if len(owner) else np.zeros(0, bool)
    home = addresses.municipality[household_address[people.household[owner]]]
    use = np.where(first & (rng.random(len(owner)) < 0.6), RESIDENTIAL,
                   rng.choice(_OTHER_USES, size=len(owner), p=_OTHER_USE_SHARES))
    rural = np.flatnonzero(~GAZETTEER.municipality_urban)
    elsewhere = rural[rng.integers(0, len(rural), len(owner))]
    municipality = np.where(use == RESIDENTIAL, home, elsewhere)
    area = np.empty(len(owner), dtype=np.int64)
    value = np.empty(len(owner), dtype=np.int64)
    for kind, (median, sigma, price) in _LAND.items():
        at = np.flatnonzero(use == kind)
        area[at] = np.maximum(1, np.round(median * np.exp(rng.normal(0, sigma, len(at))))).astype(np.int64)
        town = GAZETTEER.municipality_urban[municipality[at]] & (kind == RESIDENTIAL)
        value[at] = np.round(area[at] * price * np.where(town, 6, 1) * np.exp(rng.normal(0, 0.3, len(at)))).astype(np.int64)
    serial = unique_integers(rng, len(owner), 999 * 9999)
    unit = GAZETTEER.cadastral_unit[municipality]
    key = unit * 10**7 + (1 + serial // 9999) * 10**4 + (1 + serial % 9999)
    colon = literal(":", len(key))
    code = join(digits(key // 10**7, 5), colon, digits(key // 10**4 % 1000, 3), colon, digits(key % 10**4, 4))
    order = np.argsort(key, kind="stable")
    return Parcels(owner=owner[order], cadastral_code=code[order], area_m2=area[order], land_use=use[order].astype(np.int8),
                   value_cents=value[order], municipality=municipality[order])


def own_vehicles(request: GenerationRequest, people: People) -> Vehicles:
    rng = request.stream("vehicles")
    age = age_years(people.birth, request.as_of_day)
    owners = np.flatnonzero((age >= p.ADULT_AGE) & (age <= 85) & (rng.random(len(people)) < p.VEHICLE_OWNER_SHARE))
    owner = np.repeat(owners, 1 + (rng.random(len(owners)) < p.SECOND_VEHICLE_SHARE))
    popularity = np.array([m[5] for m in MODELS], dtype=float)
    model = rng.choice(len(MODELS), size=len(owner), p=popularity / popularity.sum())
    first_year = np.array([m[6] for m in MODELS])[model]
    years_old = np.clip(rng.gamma(3.0, 4.0, len(owner)), 0, np.maximum(request.as_of.year - first_year - 0.01, 0.5))
    first_registration = request.as_of_day - 1 - (years_old * DAYS_PER_YEAR).astype(np.int64)
    new_value = np.array([m[4] for m in MODELS])[model]
    value = np.maximum(50_000, np.round(new_value * 0.85**years_old)).astype(np.int64)
    model_year = request.as_of.year - np.floor(years_old).astype(np.int64)
    vin = make_vins(rng, model, model_year)
    plate = make_plates(rng, len(owner))
    order = np.argsort(vin, kind="stable")
    return Vehicles(owner=owner[order], vin=vin[order], plate=plate[order], model=model[order].astype(np.int16),
                    first_registration=first_registration[order], value_cents=value[order])


def vin_check_digits(vins: np.ndarray) -> np.ndarray:
    """ISO 3779 (North American) check characters of rows of 17 VIN bytes."""
    values = np.zeros(256, dtype=np.int64)
    for character, value in _VIN_VALUES.items():
        values[ord(character)] = value
    remainder = (values[vins] @ _VIN_WEIGHTS) % 11
    return np.where(remainder == 10, ord("X"), ord("0") + remainder).astype(np.uint8)


def make_vins(rng: np.random.Generator, model: np.ndarray, model_year: np.ndarray) -> np.ndarray:
    count, base = len(model), len(VIN_CHARACTERS)
    alphabet = np.frombuffer(VIN_CHARACTERS.encode(), dtype=np.uint8)
    vins = np.empty((count, 17), dtype=np.uint8)
    vins[:, 0:3] = np.frombuffer("".join(m[3] for m in MODELS).encode(), dtype=np.uint8).reshape(-1, 3)[model]
    unique = unique_integers(rng, count, base**5)
    for i in range(5):
        vins[:, 3 + i] = alphabet[unique // base**i % base]
    vins[:, 9] = np.frombuffer(_MODEL_YEAR_CODES.encode(), dtype=np.uint8)[(model_year - 1980) % 30]
    vins[:, 10] = alphabet[rng.integers(0, base, count)]
    serial = rng.integers(0, 10**6, count)
    for i in range(6):
        vins[:, 16 - i] = ord("0") + serial // 10**i % 10
    vins[:, 8] = ord("0")
    vins[:, 8] = vin_check_digits(vins)
    return vins.view("S17").ravel().astype("U17")


def make_plates(rng: np.random.Generator, count: int) -> np.ndarray:
    number = unique_integers(rng, count, 1000 * PLATE_LETTERS)
    return join(digits(number // PLATE_LETTERS, 3), letters(number % PLATE_LETTERS, 3))
