"""Matching people by age: children to mothers, women to partners.

Both are done bucket by bucket (one bucket per year of age) with sorted arrays, so a million
people match in a fraction of a second.
"""

from __future__ import annotations

import numpy as np

from tenfold.country.models import NOBODY


def _sorted_pool(rng: np.random.Generator, pool: np.ndarray, pool_age: np.ndarray, buckets: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The pool sorted by age (random within an age), and where each age starts and how many."""
    shuffled = rng.permutation(len(pool))
    order = shuffled[np.argsort(pool_age[shuffled].astype(np.int16), kind="stable")]
    counts = np.bincount(pool_age, minlength=buckets)[:buckets]
    starts = np.r_[0, np.cumsum(counts)[:-1]]
    return pool[order], starts, counts


def nearest_supplied(target: np.ndarray, supply: np.ndarray, low: np.ndarray, high: np.ndarray, reach: int = 12) -> np.ndarray:
    """Move each target age to the nearest age within [low, high] that has supply (-1: none)."""
    result = np.full(len(target), -1, dtype=np.int64)
    last = len(supply) - 1
    for step in range(reach + 1):
        for offset in ((0,) if step == 0 else (step, -step)):
            candidate = np.clip(target + offset, 0, last)
            ok = (result < 0) & (supply[candidate] > 0) & (candidate >= low) & (candidate <= high) & (target + offset == candidate)
            result[ok] = candidate[ok]
    return result


def share_by_age(
    rng: np.random.Generator, target_age: np.ndarray, pool: np.ndarray, pool_age: np.ndarray,
    per_member: float, max_share: float, buckets: int,
) -> np.ndarray:
    """Give each seeker one member of the pool of its target age; members may be shared.

    In each age, ``seekers / per_member`` members (at most ``max_share`` of the age) are picked
    and each seeker goes to one of them at random, so a member gets a Poisson number of seekers
    (children per mother). Seekers whose age has no pool get ``NOBODY``.
    """
    result = np.full(len(target_age), NOBODY, dtype=np.int64)
    if len(pool) == 0 or len(target_age) == 0:
        return result
    sorted_pool, starts, counts = _sorted_pool(rng, pool, pool_age, buckets)
    needs = np.bincount(target_age[target_age >= 0], minlength=buckets)[:buckets]
    picked = np.minimum(np.ceil(needs / per_member), np.maximum(1, np.floor(counts * max_share))).astype(np.int64)
    picked = np.where(counts > 0, picked, 0)
    has = (target_age >= 0) & (picked[np.clip(target_age, 0, buckets - 1)] > 0)
    age = target_age[has]
    result[has] = sorted_pool[starts[age] + (rng.random(len(age)) * picked[age]).astype(np.int64)]
    return result


def pair_by_age(
    rng: np.random.Generator, target_age: np.ndarray, pool: np.ndarray, pool_age: np.ndarray,
    taken: np.ndarray, buckets: int, rounds: int = 11,
) -> np.ndarray:
    """Give each seeker a distinct member of the pool (one-to-one), of the target age if one is
    free, otherwise of the nearest age (+1, -1, +2, -2 ...). ``taken`` marks pool members (by
    person index) already paired and is updated. Unmatched seekers get ``NOBODY``."""
    result = np.full(len(target_age), NOBODY, dtype=np.int64)
    pending = np.arange(len(target_age))
    for round_ in range(rounds):
        free = pool[~taken[pool]]
        if len(pending) == 0 or len(free) == 0:
            break
        offset = 0 if round_ == 0 else ((round_ + 1) // 2) * (1 if round_ % 2 else -1)
        wanted = np.clip(target_age[pending] + offset, 0, buckets - 1)
        sorted_free, starts, counts = _sorted_pool(rng, free, pool_age[~taken[pool]], buckets)
        shuffled = rng.permutation(len(pending))
        order = shuffled[np.argsort(wanted[shuffled].astype(np.int16), kind="stable")]
        wanted_sorted = wanted[order]
        group_start = np.searchsorted(wanted_sorted, wanted_sorted, side="left")
        rank = np.arange(len(order)) - group_start
        ok = rank < counts[wanted_sorted]
        chosen = sorted_free[starts[wanted_sorted[ok]] + rank[ok]]
        result[pending[order[ok]]] = chosen
        taken[chosen] = True
        pending = pending[order[~ok]]
    return result
