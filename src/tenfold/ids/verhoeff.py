"""A 12-digit national id with a Verhoeff check digit, as Aadhaar and MOSIP UINs are.

Rules (from the public Aadhaar and MOSIP UIN descriptions): 12 digits; the first is not 0 or 1;
the last is the Verhoeff check digit of the first eleven. MOSIP also filters out ids that are
easy to mistype or guess; we apply two of its filters to the generated ids: no digit repeated
within two places (``11``, ``1x1``) and no run of three ascending or descending digits
(``123``, ``987``). Validation accepts any id with a correct check digit and a valid first
digit, since older schemes did not filter. The id carries no birth date or sex.
"""

from __future__ import annotations

import numpy as np

from tenfold.errors import InvalidInput

LENGTH = 12

_MULTIPLY = np.array(
    [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 2, 3, 4, 0, 6, 7, 8, 9, 5], [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
     [3, 4, 0, 1, 2, 8, 9, 5, 6, 7], [4, 0, 1, 2, 3, 9, 5, 6, 7, 8], [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
     [6, 5, 9, 8, 7, 1, 0, 4, 3, 2], [7, 6, 5, 9, 8, 2, 1, 0, 4, 3], [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
     [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]]
)
_PERMUTE = np.array(
    [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 5, 7, 6, 2, 8, 3, 0, 9, 4], [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
     [8, 9, 1, 6, 0, 4, 3, 5, 2, 7], [9, 4, 5, 3, 1, 2, 6, 8, 7, 0], [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
     [2, 7, 9, 3, 8, 0, 6, 4, 1, 5], [7, 0, 4, 6, 9, 1, 3, 2, 5, 8]]
)
_INVERSE = np.array([0, 4, 3, 2, 1, 5, 6, 7, 8, 9])


class InvalidVerhoeffId(InvalidInput):
    """A 12-digit id that does not follow the scheme."""


def check_digit(digits: str) -> int:
    """The Verhoeff check digit to append to ``digits``."""
    c = 0
    for i, d in enumerate(reversed(digits)):
        c = _MULTIPLY[c][_PERMUTE[(i + 1) % 8][int(d)]]
    return int(_INVERSE[c])


def validate(code: str) -> str:
    if not isinstance(code, str) or len(code) != LENGTH or not code.isdigit():
        raise InvalidVerhoeffId("a national id has exactly 12 digits")
    if code[0] in "01":
        raise InvalidVerhoeffId("a national id does not start with 0 or 1")
    if check_digit(code[:-1]) != int(code[-1]):
        raise InvalidVerhoeffId("the check digit of the national id is wrong")
    return code


def _check_digits(body: np.ndarray) -> np.ndarray:
    """Vectorised check digits for rows of eleven digits."""
    c = np.zeros(len(body), dtype=np.int64)
    for i in range(body.shape[1]):
        digit = body[:, body.shape[1] - 1 - i]
        c = _MULTIPLY[c, _PERMUTE[(i + 1) % 8][digit]]
    return _INVERSE[c]


def _allowed(previous2: np.ndarray | None, previous1: np.ndarray, digit: np.ndarray) -> np.ndarray:
    """Whether ``digit`` may follow: it repeats neither of the two digits before it and does
    not complete a run of three ascending or descending digits."""
    ok = digit != previous1
    if previous2 is not None:
        step = previous1 - previous2
        ok &= (digit != previous2) & ~((np.abs(step) == 1) & (digit - previous1 == step))
    return ok


def _filtered_bodies(rng: np.random.Generator, count: int) -> np.ndarray:
    """Rows of eleven digits built digit by digit, each drawn uniformly from the digits the
    filters allow after the ones before it, so every row passes."""
    rows = np.empty((count, LENGTH - 1), dtype=np.int64)
    rows[:, 0] = rng.integers(2, 10, size=count)
    candidates = np.arange(10)[None, :]
    for i in range(1, LENGTH - 1):
        previous2 = rows[:, i - 2, None] if i >= 2 else None
        allowed = _allowed(previous2, rows[:, i - 1, None], candidates)
        pick = (rng.random(count) * allowed.sum(axis=1)).astype(np.int64)
        rows[:, i] = np.argmax(np.cumsum(allowed, axis=1) > pick[:, None], axis=1)
    return rows


def generate_many(rng: np.random.Generator, count: int) -> np.ndarray:
    """``count`` distinct, filtered ids as 12-character strings, in random order."""
    numbers = np.empty(0, dtype=np.int64)
    place = 10 ** np.arange(LENGTH - 1, -1, -1, dtype=np.int64)
    while len(numbers) < count:
        wanted = int((count - len(numbers)) * 1.5) + 16
        # Chunks keep the (rows x 10) work arrays inside the CPU cache.
        body = np.concatenate([_filtered_bodies(rng, min(65536, wanted - s)) for s in range(0, wanted, 65536)])
        check = _check_digits(body)
        keep = _allowed(body[:, -2], body[:, -1], check)
        rows = np.concatenate([body[keep], check[keep][:, None]], axis=1)
        numbers = np.unique(np.concatenate([numbers, rows @ place]))
    chosen = numbers[rng.permutation(len(numbers))[:count]]
    return chosen.astype(f"U{LENGTH}")
