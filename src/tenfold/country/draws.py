"""Random draws the generator needs beyond numpy's own."""

from __future__ import annotations

import numpy as np


def unique_integers(rng: np.random.Generator, count: int, high: int) -> np.ndarray:
    """``count`` distinct integers in [0, high), in random order (for account numbers, plates,
    cadastral codes, VINs: identifiers that must not repeat)."""
    if count > high:
        raise ValueError(f"cannot draw {count} distinct values below {high}")
    kept = np.empty(0, dtype=np.int64)
    while len(kept) < count:
        fresh = rng.integers(0, high, size=count - len(kept) + (count - len(kept)) // 8 + 16, dtype=np.int64)
        pool = np.concatenate([kept, fresh])
        _, first = np.unique(pool, return_index=True)
        kept = pool[np.sort(first)]
    return kept[:count]


def spread_days(rng: np.random.Generator, first_day: int, days: int, count: int) -> np.ndarray:
    """``count`` days drawn uniformly from ``first_day`` .. ``first_day + days - 1``."""
    return first_day + np.floor(rng.random(count) * days).astype(np.int64)
