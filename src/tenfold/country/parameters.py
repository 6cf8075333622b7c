"""Demographic and economic parameters of the synthetic country (Estonia-like).

Figures are rounded, written for this project from public statistics of the kind Statistics
Estonia publishes (population by five-year age band, crude birth and death rates, mean age of
the mother at birth, household types, wages and pensions); they make a believable country,
not a statistical replica. Rates are per person per year unless the name says otherwise.
"""

from __future__ import annotations

import numpy as np

# ---------------------------------------------------------------- age pyramid
# People per five-year age band (thousands, about 1.37 M in all) and the share of women in the
# band: more boys are born, women outlive men (Estonian men's life expectancy is ~9 years lower).
BAND_WIDTH = 5
PYRAMID_THOUSANDS = np.array(
    [61, 72, 76, 72, 61, 70, 92, 98, 97, 93, 88, 85, 89, 82, 73, 53, 39, 24, 10, 2.4, 0.3]
)
FEMALE_SHARE = np.array(
    [.487, .487, .487, .486, .485, .480, .480, .485, .490, .500, .510, .530, .550, .580, .620,
     .660, .700, .750, .800, .850, .880]
)
MAX_AGE = BAND_WIDTH * len(PYRAMID_THOUSANDS) - 1
ADULT_AGE = 18
RETIREMENT_AGE = 65

# ---------------------------------------------------------------- vital rates
CRUDE_BIRTH_RATE = 8.5 / 1000      # births per inhabitant per year
CRUDE_DEATH_RATE = 11.5 / 1000     # deaths per inhabitant per year
MALE_SHARE_AT_BIRTH = 0.512
# Deliveries with twins / triplets (European twinning rate ~15 per 1,000 deliveries).
TWIN_DELIVERY_RATE = 0.015
TRIPLET_DELIVERY_RATE = 0.0002
# Age-specific fertility: a bell (more women are in their late thirties than late twenties, so its
# centre lies below the mean age at birth), restricted to 18-45, scaled so that births / population
# = CRUDE_BIRTH_RATE.
FERTILITY_MEAN_AGE = 27.5    # the bell's centre; with this pyramid the mean age at birth is ~30.5
FERTILITY_SD = 5.6
FERTILE_AGES = (18, 45)
# Women without a partner have far fewer children; this relative rate leaves a few per cent of
# births with no father recorded.
SINGLE_WOMAN_FERTILITY = 0.08
# Mortality, Gompertz-Makeham q(x) = A + B exp(b x), men at MALE_MORTALITY_FACTOR times the
# women's rate; B is scaled so that deaths / population = CRUDE_DEATH_RATE.
GOMPERTZ_SLOPE = 0.095
MAKEHAM_CONSTANT = 0.0002
INFANT_MORTALITY = 0.002
MALE_MORTALITY_FACTOR = 1.7

# ---------------------------------------------------------------- families
# The mother's age at a child's birth: ~25.5 for children born before 1990, rising to ~30.5 by 2015.
MATERNAL_AGE_OLD, MATERNAL_AGE_NEW = 25.5, 30.5
MATERNAL_AGE_YEARS = (1990, 2015)
MATERNAL_AGE_SD = 5.2
MATERNAL_AGE_RANGE = (18.0, 44.0)
# Children per mother among a mother's children in the register ~ Poisson(lambda) given >= 1
# (mean ~1.7: 55 % one child, 30 % two, 15 % three or more).
CHILDREN_POISSON = 1.1
# Share of women of an age who can be mothers in the register (some have no children).
MOTHER_SUPPLY = 0.9
MIN_SIBLING_GAP_DAYS = 300


def mother_in_register(age: np.ndarray) -> np.ndarray:
    """Chance that a person's mother is in the register: all minors; fewer adults, as mothers die
    or live abroad."""
    return np.clip(0.97 - np.clip(age - 25, 0, None) * 0.02, 0.0, 1.0) * (age <= 72) + (age < ADULT_AGE) * 0.03


# One family with children in five is headed by a single parent, mostly the mother.
SINGLE_MOTHER_SHARE = 0.17
SINGLE_FATHER_SHARE = 0.03
# A single mother's children have their father recorded (he lives elsewhere) this often.
FATHER_RECORDED_SINGLE_MOTHER = 0.75
# Partner's age minus the woman's age.
PARTNER_AGE_GAP_MEAN, PARTNER_AGE_GAP_SD = 2.5, 3.5
# Share of women living in a couple, by age band 18-24, 25-29, 30-34, 35-44, 45-54, 55-64,
# 65-74, 75-84, 85+.
COUPLE_AGE_EDGES = np.array([18, 25, 30, 35, 45, 55, 65, 75, 85])
COUPLE_SHARE = np.array([0.25, 0.55, 0.68, 0.72, 0.70, 0.65, 0.50, 0.30, 0.10])
# Share of couples that are married, by the woman's age: under 35, 35-54, 55+.
MARRIED_SHARE = ((35, 0.50), (55, 0.65), (200, 0.80))
# An adult child lives with the parents with this chance by age (18 ... 29), then not (young
# Estonians leave home at ~23 on average).
AT_HOME_BY_AGE = np.array([0.92, 0.85, 0.75, 0.65, 0.55, 0.45, 0.35, 0.27, 0.20, 0.15, 0.12, 0.10])
# A widowed or single person of 75 or more moves in with an adult child this often.
LIVES_WITH_CHILD_75_PLUS = 0.15
# An adult's father is the mother's current partner this often (otherwise not recorded).
ADULT_FATHER_IS_PARTNER = 0.85

# ---------------------------------------------------------------- incomes (EUR cents)
CURRENCY = "EUR"
# Employment by age band 18-24, 25-54, 55-64, 65-69, 70+.
EMPLOYMENT_AGE_EDGES = np.array([18, 25, 55, 65, 70])
EMPLOYMENT_SHARE = np.array([0.55, 0.85, 0.70, 0.30, 0.08])
WAGE_MEDIAN_CENTS = 1_800_000      # median annual gross wage, ~1,500 a month
WAGE_SIGMA = 0.6
WAGE_GROWTH = 0.06                 # nominal growth from one year to the next
PENSION_MEAN_CENTS = 960_000       # ~800 a month
PENSION_SD = 0.15
PENSION_GROWTH = 0.07
SELF_EMPLOYMENT_SHARE = 0.06
SELF_EMPLOYMENT_MEDIAN_CENTS = 800_000
CAPITAL_SHARE = 0.05
CAPITAL_MEDIAN_CENTS = 50_000
CAPITAL_SIGMA = 1.5
BENEFITS_SHARE_OF_JOBLESS = 0.35
BENEFITS_MEAN_CENTS = 300_000

# ---------------------------------------------------------------- banking and property
ACCOUNT_SHARE = 0.97               # adults with an account known to the tax board
SECOND_ACCOUNT_SHARE = 0.05        # ... of whom some have one at each bank
BANK1_SHARE = 0.55
PARCEL_OWNER_SHARE = 0.25          # adults 30+ owning land
VEHICLE_OWNER_SHARE = 0.42         # adults 18-85 owning a vehicle
SECOND_VEHICLE_SHARE = 0.08
