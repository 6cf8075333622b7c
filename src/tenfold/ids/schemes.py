"""The national personal-code scheme in force, chosen by the ``TENFOLD_ID_SCHEME`` setting."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from tenfold.errors import InvalidInput
from tenfold.ids import isikukood, verhoeff


@dataclass(frozen=True)
class PersonalIdScheme:
    name: str
    length: int
    country_prefix: str
    _validate: Callable[[str], str]
    _generate: Callable[[np.random.Generator, np.ndarray, np.ndarray], np.ndarray]

    def validate(self, code: str) -> str:
        """Return the code without its optional country prefix, or raise :class:`InvalidInput`."""
        if isinstance(code, str) and code.upper().startswith(self.country_prefix):
            code = code[len(self.country_prefix):]
        return self._validate(code)

    def is_valid(self, code: str) -> bool:
        try:
            self.validate(code)
        except InvalidInput:
            return False
        return True

    def generate_many(self, rng: np.random.Generator, birth_dates: np.ndarray, sexes: np.ndarray) -> np.ndarray:
        """Distinct codes for people with these birth dates (datetime64[D]) and sexes (0 M, 1 F)."""
        return self._generate(rng, birth_dates, sexes)


def _ee_generate(rng: np.random.Generator, birth_dates: np.ndarray, sexes: np.ndarray) -> np.ndarray:
    """Serials are numbered within each (birth date, sex) from a random start, so codes are
    distinct and do not reveal the order in which the country was generated."""
    days = birth_dates.astype("datetime64[D]").astype(np.int64)
    key = days * 2 + sexes.astype(np.int64)
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_key)) + 1]
    group_of = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(key)]))
    rank = np.arange(len(key)) - starts[group_of]
    if rank.size and rank.max() > 999:
        raise InvalidInput("more than 1,000 people share a birth date and sex; the Estonian code cannot hold them")
    group_sizes = np.diff(np.r_[starts, len(key)])
    offsets = (rng.random(len(starts)) * (1000 - group_sizes + 1)).astype(np.int64)
    serials = np.empty(len(key), dtype=np.int64)
    serials[order] = offsets[group_of] + rank
    return isikukood.generate_many(birth_dates, sexes, serials)


def _verhoeff_generate(rng: np.random.Generator, birth_dates: np.ndarray, sexes: np.ndarray) -> np.ndarray:
    return verhoeff.generate_many(rng, len(birth_dates))


SCHEMES = {
    "ee": PersonalIdScheme("ee", isikukood.LENGTH, "EE", isikukood.validate, _ee_generate),
    "verhoeff": PersonalIdScheme("verhoeff", verhoeff.LENGTH, "IN", verhoeff.validate, _verhoeff_generate),
}


def scheme(name: str | None = None) -> PersonalIdScheme:
    """The named scheme, or the one the settings choose."""
    if name is None:
        from tenfold.settings import get_settings

        name = get_settings().id_scheme
    try:
        return SCHEMES[name]
    except KeyError:
        raise InvalidInput(f"unknown personal-code scheme {name!r}; choose one of {', '.join(SCHEMES)}") from None
