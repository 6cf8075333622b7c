"""People drawn from the age pyramid: birth dates and sexes; calendar ages."""

from __future__ import annotations

import numpy as np

from tenfold.country import parameters as p
from tenfold.country.models import GenerationRequest, People

DAYS_PER_YEAR = 365.2425


def draw_people(request: GenerationRequest) -> People:
    """``request.persons`` people whose ages follow the pyramid (uniform within a band)."""
    rng = request.stream("people")
    weights = p.PYRAMID_THOUSANDS / p.PYRAMID_THOUSANDS.sum()
    band = rng.choice(len(weights), size=request.persons, p=weights)
    female = rng.random(request.persons) < p.FEMALE_SHARE[band]
    age_days = ((band * p.BAND_WIDTH + rng.random(request.persons) * p.BAND_WIDTH) * DAYS_PER_YEAR).astype(np.int64)
    birth = request.as_of_day - 1 - age_days
    return People(birth=birth, sex=female.astype(np.int8))


def _year_month_day(days: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Calendar year and month*100+day of each day, through a table of the days in range
    (datetime conversions of a million values are slow; a few thousand distinct days are not)."""
    if days.size == 0:
        return days.copy(), days.copy()
    first = int(days.min())
    span = np.arange(first, int(days.max()) + 1, dtype=np.int64).astype("datetime64[D]")
    months = span.astype("datetime64[M]")
    year = months.astype("datetime64[Y]").astype(np.int64) + 1970
    month_day = (months.astype(np.int64) % 12) * 100 + (span - months).astype(np.int64)
    return year[days - first], month_day[days - first]


def age_years(birth: np.ndarray, on_day: int | np.ndarray) -> np.ndarray:
    """Completed years of age on ``on_day`` (the calendar way: the birthday counts)."""
    birth_year, birth_md = _year_month_day(np.asarray(birth, dtype=np.int64))
    if np.ndim(on_day) == 0:
        day_year, day_md = (v[0] for v in _year_month_day(np.array([on_day], dtype=np.int64)))
    else:
        day_year, day_md = _year_month_day(np.asarray(on_day, dtype=np.int64))
    return day_year - birth_year - (day_md < birth_md)


def year_of(days: np.ndarray) -> np.ndarray:
    return _year_month_day(np.asarray(days, dtype=np.int64))[0]


def iso_dates(days: np.ndarray) -> list[str]:
    """``YYYY-MM-DD`` strings, through a table of the days in range (as :func:`age_years`)."""
    days = np.asarray(days, dtype=np.int64)
    if days.size == 0:
        return []
    first = int(days.min())
    table = np.arange(first, int(days.max()) + 1, dtype=np.int64).astype("datetime64[D]").astype("U10").astype(object)
    return table[days - first].tolist()
