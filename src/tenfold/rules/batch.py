"""The vectorised path: a program's rules over many households at once (numpy), and the check
that it agrees with the per-household path.

A program's ``batch.decide(arrays, period, parameters, reasons)`` returns one :class:`ItemBlock`
per benefit: parallel arrays of household, person row, recipient row, amount in cents,
eligibility and a reason mask (bit ``i`` = the catalogue's ``i``-th code). Both paths use the
same :class:`ParameterSnapshot`; :func:`compare` reduces both to the same rows and lists every
difference.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np

from tenfold.rules.arrays import NO_MEMBER, HouseholdArrays
from tenfold.rules.decisions import Decision
from tenfold.rules.parameters import ParameterSnapshot
from tenfold.rules.periods import Month
from tenfold.rules.program import Program

Row = tuple[int, str, str, str, int, bool, tuple[str, ...]]


@dataclass
class ItemBlock:
    benefit: str
    household: np.ndarray
    person: np.ndarray
    recipient: np.ndarray
    amount_cents: np.ndarray
    eligible: np.ndarray
    reasons: np.ndarray            # uint64 masks

    def __len__(self) -> int:
        return len(self.household)


@dataclass
class BatchResult:
    program: Program
    period: Month
    parameters: ParameterSnapshot
    blocks: list[ItemBlock]
    n_households: int

    def total(self, kind: str) -> np.ndarray:
        """Per-household sum of the items of ``kind`` (monthly or one_off), in cents."""
        total = np.zeros(self.n_households, dtype=np.int64)
        for block in self.blocks:
            if self.program.benefits[block.benefit].kind == kind:
                total += np.bincount(block.household, weights=block.amount_cents, minlength=self.n_households).astype(np.int64)
        return total

    def item_count(self) -> int:
        return sum(len(block) for block in self.blocks)

    def rows(self, arrays: HouseholdArrays, households: Iterable[int] | None = None) -> list[Row]:
        """The items as comparable rows, for some households or all."""
        wanted = None if households is None else np.fromiter(households, dtype=np.int64)
        result: list[Row] = []
        for block in self.blocks:
            take = np.arange(len(block)) if wanted is None else np.flatnonzero(np.isin(block.household, wanted))
            for i in take:
                recipient = int(block.recipient[i])
                result.append((
                    int(block.household[i]), block.benefit, arrays.member_id(int(block.person[i])),
                    arrays.member_id(recipient) if recipient != NO_MEMBER else "",
                    int(block.amount_cents[i]), bool(block.eligible[i]), self.program.reasons.decode(int(block.reasons[i])),
                ))
        return sorted(result)


def evaluate_batch(program: Program, arrays: HouseholdArrays, period: Month, parameters: ParameterSnapshot | None = None) -> BatchResult:
    """``program`` for every household in ``arrays`` (which must be valid input) in ``period``."""
    parameters = parameters or program.parameters.at(period.start)
    blocks = program.batch.decide(arrays, period, parameters, program.reasons)
    for block in blocks:
        program.benefit(block.benefit)
    return BatchResult(program=program, period=period, parameters=parameters, blocks=blocks, n_households=arrays.n_households)


def decision_rows(decisions: Sequence[Decision | None], indices: Sequence[int] | None = None) -> list[Row]:
    """The per-household path's items as the same rows (``decisions[k]`` is household ``indices[k]``)."""
    indices = indices if indices is not None else range(len(decisions))
    rows: list[Row] = []
    for index, decision in zip(indices, decisions):
        if decision is None:
            continue
        for item in decision.items:
            rows.append((int(index), item.benefit, item.person, item.recipient or "", item.amount_cents, item.eligible,
                         tuple(sorted(r.code for r in item.reasons))))
    return sorted(_sorted_reasons(rows))


def compare(per_household: list[Row], vectorised: list[Row], limit: int = 20) -> list[str]:
    """Every row found by one path and not the other (at most ``limit``); empty when they agree."""
    left, right = _counts(_sorted_reasons(per_household)), _counts(_sorted_reasons(vectorised))
    problems = [f"per-household only: {row}" for row in sorted(left - right)]
    problems += [f"vectorised only: {row}" for row in sorted(right - left)]
    return problems[:limit]


def _sorted_reasons(rows: list[Row]) -> list[Row]:
    return [(*row[:6], tuple(sorted(row[6]))) for row in rows]  # type: ignore[misc]


def _counts(rows: list[Row]) -> set[tuple[Row, int]]:
    seen: dict[Row, int] = {}
    for row in rows:
        seen[row] = seen.get(row, 0) + 1
    return {(row, n) for row, n in seen.items()}
