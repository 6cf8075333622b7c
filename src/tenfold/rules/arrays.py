"""Households as numpy arrays, for the vectorised path.

Members are rows, sorted by household (``household[i]`` is member ``i``'s household, in order)
and, inside a household, in input order. A reference to a member is its row (``NO_MEMBER``: none).
Each fact is an array plus two masks: ``present`` (the input had the field) and ``known``
(present and not ``null``). Days are integers since 1970-01-01, months are month indexes
(:attr:`Month.index`), choices are positions in their list.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Iterable, Sequence

import numpy as np

from tenfold.rules.facts import ROLES, Fact, FactSpec, Household, Person
from tenfold.rules.periods import Month

NO_MEMBER = -1
NO_VALUE = np.iinfo(np.int64).min
EPOCH = date(1970, 1, 1)
ROLE_CODE = {role: code for code, role in enumerate(ROLES)}
_DTYPES = {"bool": np.bool_, "int": np.int64, "cents": np.int64, "date": np.int64, "month": np.int64,
           "member": np.int64, "choice": np.int8}
_EMPTY = {"bool": False, "int": 0, "cents": 0, "date": NO_VALUE, "month": NO_VALUE, "member": NO_MEMBER, "choice": -1}


@dataclass
class Column:
    values: np.ndarray
    present: np.ndarray
    known: np.ndarray


@dataclass
class HouseholdArrays:
    household: np.ndarray                  # member row -> household index, non-decreasing
    role: np.ndarray                       # int8, ROLE_CODE
    birth_day: np.ndarray                  # int64 days since 1970-01-01
    members: dict[str, Column]             # member facts
    households: dict[str, Column]          # household facts (one row per household)
    n_households: int
    member_ids: np.ndarray | None = None   # ids as given (None: the row number is the id)
    household_ids: np.ndarray | None = None
    _starts: np.ndarray | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return len(self.household)

    @property
    def starts(self) -> np.ndarray:
        """The first row of each household."""
        if self._starts is None:
            self._starts = np.searchsorted(self.household, np.arange(self.n_households + 1))
        return self._starts

    def column(self, name: str, spec: FactSpec | None = None) -> Column:
        """A member fact; absent everywhere when no household gave it."""
        if name not in self.members:
            kind = spec.kind if spec else "bool"
            self.members[name] = _empty_column(len(self), kind)
        return self.members[name]

    def household_column(self, name: str, kind: str) -> Column:
        if name not in self.households:
            self.households[name] = _empty_column(self.n_households, kind)
        return self.households[name]

    def birth_month(self) -> np.ndarray:
        return self.birth_day.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)

    def member_id(self, row: int) -> str:
        return str(self.member_ids[row]) if self.member_ids is not None else str(row)

    def household_id(self, index: int) -> str:
        return str(self.household_ids[index]) if self.household_ids is not None else str(index)


def to_arrays(households: Sequence[Household], specs: Iterable[FactSpec]) -> HouseholdArrays:
    """Columns from parsed households (used for golden cases, tests and comparisons)."""
    specs = tuple(specs)
    rows = [(h, i, p) for h, household in enumerate(households) for i, p in enumerate(household.members)]
    offsets = np.cumsum([0] + [len(h.members) for h in households])
    arrays = HouseholdArrays(
        household=np.array([h for h, _i, _p in rows], dtype=np.int64),
        role=np.array([ROLE_CODE[p.role] for _h, _i, p in rows], dtype=np.int8),
        birth_day=np.array([(p.birthdate - EPOCH).days for _h, _i, p in rows], dtype=np.int64),
        members={}, households={}, n_households=len(households),
        member_ids=np.array([p.id for _h, _i, p in rows], dtype=object),
        household_ids=np.array([h.id for h in households], dtype=object),
    )
    for spec in specs:
        if spec.household_level:
            facts = [h.facts.get(spec.name) for h in households]
            arrays.households[spec.name] = _column(spec, facts, households, offsets, [h for h in range(len(households))])
        else:
            facts = [p.facts.get(spec.name) for _h, _i, p in rows]
            arrays.members[spec.name] = _column(spec, facts, households, offsets, [h for h, _i, _p in rows])
    return arrays


def to_households(arrays: HouseholdArrays, indices: Iterable[int], specs: Iterable[FactSpec]) -> list[Household]:
    """The inverse of :func:`to_arrays` for some households (the per-household path's input)."""
    specs = tuple(specs)
    result = []
    for index in indices:
        start, stop = int(arrays.starts[index]), int(arrays.starts[index + 1])
        members = tuple(_person(arrays, row, start, specs) for row in range(start, stop))
        facts = {}
        for spec in (s for s in specs if s.household_level):
            column = arrays.households.get(spec.name)
            if column is not None and column.present[index]:
                facts[spec.name] = Fact(_decode(arrays, spec, column, index, start) if column.known[index] else None)
        result.append(Household(members=members, facts=facts, id=arrays.household_id(index)))
    return result


def _person(arrays: HouseholdArrays, row: int, start: int, specs: tuple[FactSpec, ...]) -> Person:
    facts = {"birthdate": Fact(EPOCH + timedelta(days=int(arrays.birth_day[row])))}
    for spec in (s for s in specs if not s.household_level):
        column = arrays.members.get(spec.name)
        if column is not None and column.present[row]:
            facts[spec.name] = Fact(_decode(arrays, spec, column, row, start) if column.known[row] else None)
    return Person(id=arrays.member_id(row), role=ROLES[int(arrays.role[row])], facts=facts)


def _decode(arrays: HouseholdArrays, spec: FactSpec, column: Column, row: int, start: int) -> Any:
    value = column.values[row]
    if spec.kind == "bool":
        return bool(value)
    if spec.kind in ("int", "cents"):
        return int(value)
    if spec.kind == "date":
        return EPOCH + timedelta(days=int(value))
    if spec.kind == "month":
        return Month.from_index(int(value))
    if spec.kind == "choice":
        return spec.choices[int(value)]
    return arrays.member_id(int(value))


def _column(spec: FactSpec, facts: list[Fact | None], households: Sequence[Household], offsets: np.ndarray, owner: list[int]) -> Column:
    n = len(facts)
    column = _empty_column(n, spec.kind)
    for row, fact in enumerate(facts):
        if fact is None:
            continue
        column.present[row] = True
        if fact.value is None:
            continue
        column.known[row] = True
        column.values[row] = _encode(spec, fact.value, households[owner[row]], int(offsets[owner[row]]))
    return column


def _encode(spec: FactSpec, value: Any, household: Household, offset: int) -> Any:
    if spec.kind == "date":
        return (value - EPOCH).days
    if spec.kind == "month":
        return value.index
    if spec.kind == "choice":
        return spec.choices.index(value)
    if spec.kind == "member":
        return offset + household.position(value)
    return value


def _empty_column(n: int, kind: str) -> Column:
    return Column(values=np.full(n, _EMPTY[kind], dtype=_DTYPES[kind]), present=np.zeros(n, dtype=bool),
                  known=np.zeros(n, dtype=bool))


def group_sum(values: np.ndarray, household: np.ndarray, n_households: int) -> np.ndarray:
    """Exact integer sums per household."""
    total = np.zeros(n_households, dtype=np.int64)
    np.add.at(total, household, values.astype(np.int64))
    return total


def rank_within(group: np.ndarray, order_key: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """For the rows selected, their 0-based rank inside their group, ordered by ``order_key`` and
    then by row (the input order)."""
    order = np.lexsort((rows, order_key, group))
    sorted_group = group[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = sorted_group[1:] != sorted_group[:-1]
    start_of = np.maximum.accumulate(np.where(first, np.arange(len(order)), 0))
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order)) - start_of
    return rank


def first_in_group(group: np.ndarray, order_key: np.ndarray, rows: np.ndarray, n_groups: int) -> np.ndarray:
    """For each group, the row that comes first by ``order_key`` then by row (``NO_MEMBER``: none)."""
    result = np.full(n_groups, NO_MEMBER, dtype=np.int64)
    if len(rows) == 0:
        return result
    order = np.lexsort((rows, order_key, group))
    sorted_group = group[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = sorted_group[1:] != sorted_group[:-1]
    result[sorted_group[first]] = rows[order][first]
    return result
