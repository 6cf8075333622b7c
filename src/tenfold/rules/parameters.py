"""Dated parameters: each value of law is in force from a date, so a change of law is a new
dated value in YAML, never a code edit.

A parameters file maps a dotted name to::

    child_allowance.lower_rate:
      description: {en: ..., zh-Hant: ...}
      unit: EUR cents            # or count, months, years, boolean
      reference: Perehüvitiste seadus (Family Benefits Act), child allowance   # or "demo parameter"
      values:
        - {from: 2023-01-01, value: 8000}

The value in force on a day is the latest one whose ``from`` is on or before that day; a day
before the first value is an error. The parameter version is the latest effective date plus a
hash of the file, so a decision names exactly the values it used.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import yaml

from tenfold.errors import InvalidInput
from tenfold.i18n import N_, _, gettext
from tenfold.rules.money import format_eur

UNITS: dict[str, type] = {N_("EUR cents"): int, N_("count"): int, N_("months"): int, N_("years"): int, N_("boolean"): bool}
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class ParameterNotInForce(InvalidInput):
    """A parameter was asked for a day before its first value."""


@dataclass(frozen=True)
class DatedValue:
    start: date
    value: int | bool


@dataclass(frozen=True)
class Parameter:
    name: str
    description: Mapping[str, str]
    unit: str
    reference: str
    values: tuple[DatedValue, ...]
    _starts: tuple[date, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_starts", tuple(v.start for v in self.values))

    def entry_at(self, day: date) -> DatedValue:
        """The dated value in force on ``day``."""
        position = bisect_right(self._starts, day)
        if position == 0:
            raise ParameterNotInForce(
                _("parameter {name} has no value on {day}: its first value is from {first}").format(
                    name=self.name, day=day.isoformat(), first=self._starts[0].isoformat()))
        return self.values[position - 1]

    def at(self, day: date) -> int | bool:
        return self.entry_at(day).value

    def in_force(self, day: date) -> int | bool | None:
        """The value on ``day``, or None before the first value (the law did not exist yet)."""
        return self.entry_at(day).value if day >= self._starts[0] else None

    def vector_at(self, days: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Values in force on many days (integer days since 1970-01-01) and whether each is known."""
        starts = np.array([np.datetime64(s, "D").astype(np.int64) for s in self._starts])
        values = np.array([v.value for v in self.values])
        position = np.searchsorted(starts, days, side="right")
        known = position > 0
        return values[np.maximum(position - 1, 0)], known

    def render(self, value: int | bool, language: str = "en") -> str:
        """A value as people read it: euros for cents, the unit otherwise."""
        if self.unit == "EUR cents":
            return format_eur(int(value))
        if self.unit == "boolean":
            return gettext("yes", language) if value else gettext("no", language)
        if self.unit == "count":
            return str(value)
        return f"{value} {gettext(self.unit, language)}"


@dataclass(frozen=True)
class ParameterSet:
    """All parameters of one program, read from its ``parameters.yaml``."""

    program: str
    parameters: Mapping[str, Parameter]
    version: str

    @classmethod
    def load(cls, path: Path, program: str) -> ParameterSet:
        content = path.read_bytes()
        try:
            document = yaml.load(content, Loader=_LOADER)
        except yaml.YAMLError as error:
            raise InvalidInput(_("{path}: not valid YAML: {error}").format(path=path.name, error=error)) from None
        if not isinstance(document, dict) or not document:
            raise InvalidInput(_("{path}: expected a mapping of parameter names").format(path=path.name))
        parameters = {name: _parse_parameter(path.name, name, body) for name, body in document.items()}
        latest = max(v.start for p in parameters.values() for v in p.values)
        version = f"{latest.isoformat()}+{hashlib.sha256(content).hexdigest()[:12]}"
        return cls(program=program, parameters=parameters, version=version)

    def __getitem__(self, name: str) -> Parameter:
        try:
            return self.parameters[name]
        except KeyError:
            raise InvalidInput(_("{program} has no parameter {name!r}").format(program=self.program, name=name)) from None

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.parameters.values())

    def at(self, day: date) -> ParameterSnapshot:
        """Every parameter's value in force on ``day`` (an error if any has none yet)."""
        return ParameterSnapshot(day=day, values={n: p.at(day) for n, p in self.parameters.items()}, source=self)


@dataclass(frozen=True)
class ParameterSnapshot:
    """The values one evaluation uses: the same object feeds both the per-household and the
    vectorised path."""

    day: date
    values: Mapping[str, Any]
    source: ParameterSet

    def __getitem__(self, name: str) -> Any:
        if name not in self.values:
            raise InvalidInput(_("{program} has no parameter {name!r}").format(program=self.source.program, name=name))
        return self.values[name]

    @property
    def version(self) -> str:
        return self.source.version


def _parse_parameter(filename: str, name: str, body: Any) -> Parameter:
    where = f"{filename}: {name}"
    if not isinstance(body, dict):
        raise InvalidInput(_("{where}: expected a mapping").format(where=where))
    missing = [key for key in ("description", "unit", "reference", "values") if key not in body]
    if missing:
        raise InvalidInput(_("{where}: missing {keys}").format(where=where, keys=", ".join(missing)))
    description = body["description"]
    if not isinstance(description, dict) or not all(isinstance(description.get(k), str) for k in ("en", "zh-Hant")):
        raise InvalidInput(_("{where}.description: needs an en and a zh-Hant text").format(where=where))
    unit = body["unit"]
    if unit not in UNITS:
        raise InvalidInput(_("{where}.unit: {unit!r} is not one of {units}").format(where=where, unit=unit, units=", ".join(UNITS)))
    if not isinstance(body["reference"], str) or not body["reference"].strip():
        raise InvalidInput(_("{where}.reference: a law and section, or \"demo parameter\"").format(where=where))
    values = tuple(_parse_value(f"{where}.values[{i}]", entry, UNITS[unit]) for i, entry in enumerate(body["values"] or []))
    if not values:
        raise InvalidInput(_("{where}.values: at least one dated value").format(where=where))
    if any(a.start >= b.start for a, b in zip(values, values[1:])):
        raise InvalidInput(_("{where}.values: dates must be strictly increasing").format(where=where))
    return Parameter(name=name, description=dict(description), unit=unit, reference=body["reference"].strip(), values=values)


def _parse_value(where: str, entry: Any, kind: type) -> DatedValue:
    if not isinstance(entry, dict) or set(entry) != {"from", "value"}:
        raise InvalidInput(_("{where}: expected a mapping with from (YYYY-MM-DD) and value").format(where=where))
    start = entry["from"]
    if isinstance(start, str):
        try:
            start = date.fromisoformat(start)
        except ValueError:
            start = None
    if not isinstance(start, date):
        raise InvalidInput(_("{where}.from: expected a date written YYYY-MM-DD").format(where=where))
    value = entry["value"]
    if type(value) is not kind or (kind is int and value < 0):
        raise InvalidInput(_("{where}.value: expected a {kind} value, got {value!r}").format(
            where=where, kind="true/false" if kind is bool else "whole non-negative", value=value))
    return DatedValue(start=start, value=value)
