"""Residence addresses: one dwelling per household, numbered so that no two households share one.

A household gets a municipality (by population weight) and a settlement in it; within a
settlement dwellings are numbered street by street, then house by house, then (in towns)
apartment by apartment.
"""

from __future__ import annotations

import zlib

import numpy as np

from tenfold.country import places
from tenfold.country.models import Addresses, GenerationRequest

_RURAL_SUFFIXES = (" küla", " alevik", " alev")


class Gazetteer:
    """The flat lists of settlements and their facts, derived from :mod:`places`."""

    def __init__(self) -> None:
        names, municipality, urban, street_sets = [], [], [], []
        for m_index, municipality_ in enumerate(places.MUNICIPALITIES):
            for s_index, settlement in enumerate(municipality_.settlements):
                town = municipality_.urban or not settlement.endswith(_RURAL_SUFFIXES)
                main = s_index == 0
                names.append(settlement)
                municipality.append(m_index)
                urban.append(town)
                count = places.URBAN_STREETS if town and main else places.RURAL_STREETS
                rng = np.random.default_rng(zlib.crc32(settlement.encode()))
                street_sets.append(rng.choice(len(places.STREETS), size=min(count, len(places.STREETS)), replace=False))
        self.settlements = np.array(names, dtype=object)
        self.settlement_municipality = np.array(municipality)
        self.settlement_urban = np.array(urban)
        self.street_sets = street_sets
        self.streets = np.array(places.STREETS, dtype=object)
        self.municipalities = np.array([m.name for m in places.MUNICIPALITIES], dtype=object)
        self.counties = np.array([m.county for m in places.MUNICIPALITIES], dtype=object)
        self.russian_share = np.array([m.russian_share for m in places.MUNICIPALITIES])
        self.cadastral_unit = np.array([m.cadastral_unit for m in places.MUNICIPALITIES])
        self.postal_base = np.array([m.postal_base for m in places.MUNICIPALITIES])
        self.municipality_urban = np.array([m.urban for m in places.MUNICIPALITIES])

    def settlement_weights(self, municipality: int) -> np.ndarray:
        count = int((self.settlement_municipality == municipality).sum())
        if count == 1:
            return np.ones(1)
        return np.r_[0.55, np.full(count - 1, 0.45 / (count - 1))]


GAZETTEER = Gazetteer()


def assign_addresses(request: GenerationRequest, households: int) -> tuple[Addresses, np.ndarray]:
    """A dwelling for each household; returns the addresses and each household's address index
    (addresses are numbered in household order, so the index is the household's)."""
    rng = request.stream("addresses")
    g = GAZETTEER
    municipality = rng.choice(len(g.municipalities), size=households, p=places.municipality_weights())
    settlement = np.empty(households, dtype=np.int64)
    for m in range(len(g.municipalities)):
        members = np.flatnonzero(municipality == m)
        first = int(np.flatnonzero(g.settlement_municipality == m)[0])
        settlement[members] = first + rng.choice(len(g.settlement_weights(m)), size=len(members), p=g.settlement_weights(m))
    street, house, apartment = _number_dwellings(rng, settlement)
    postal = g.postal_base[municipality] + (street % 8) * 2
    addresses = Addresses(municipality=municipality, settlement=settlement, street=street, house=house,
                          apartment=apartment, postal_code=postal)
    return addresses, np.arange(households, dtype=np.int64)


def _number_dwellings(rng: np.random.Generator, settlement: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    g = GAZETTEER
    order = np.lexsort((rng.random(len(settlement)), settlement))
    counts = np.bincount(settlement, minlength=len(g.settlements))
    starts = np.r_[0, np.cumsum(counts)[:-1]]
    rank = np.empty(len(settlement), dtype=np.int64)
    rank[order] = np.arange(len(settlement)) - starts[settlement[order]]
    street = np.empty(len(settlement), dtype=np.int64)
    house = np.empty(len(settlement), dtype=np.int64)
    apartment = np.zeros(len(settlement), dtype=np.int64)
    for s, streets in enumerate(g.street_sets):
        members = np.flatnonzero(settlement == s)
        j = rank[members]
        k = len(streets)
        street[members] = streets[j % k]
        if g.settlement_urban[s]:
            house[members] = 1 + (j // k) % 60
            apartment[members] = 1 + j // (k * 60)
        else:
            house[members] = 1 + j // k
    return street, house, apartment
