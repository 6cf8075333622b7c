"""Facts in: a household of persons with roles, each fact with the exchange message it came from.

Input (JSON or YAML) is a household ``{"members": [...], <household facts>}``; a member has an
``id``, a ``role`` and a ``birthdate``, and the facts the programs declare (:class:`FactSpec`).
Any fact may be written plainly (``"father_known": true``) or with its source
(``"father_known": {"value": true, "source": "<exchange message id>"}``), so a decision can say
where each input came from. Every error names the field, e.g. ``household.members[2].recipient``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Iterable, Mapping

from tenfold.errors import InvalidInput
from tenfold.i18n import _
from tenfold.rules.periods import Month

ROLES = ("parent", "child", "adult", "deceased")
KINDS = ("bool", "int", "cents", "date", "month", "member", "choice")
_MISSING = object()


@dataclass(frozen=True)
class Fact:
    value: Any
    source: str | None = None   # the exchange message id the fact came from

    def to_json(self) -> dict[str, Any]:
        return {"value": _json_value(self.value), "source": self.source}


@dataclass(frozen=True)
class FactSpec:
    """A fact a program reads. ``nullable``: ``null`` means the registry had no data, which the
    rules treat explicitly (a caseworker decides), never as a default."""

    name: str
    kind: str
    roles: tuple[str, ...] = ()         # member roles that may carry it; () for a household fact
    choices: tuple[str, ...] = ()
    nullable: bool = False
    minimum: int | None = None
    maximum: int | None = None

    @property
    def household_level(self) -> bool:
        return not self.roles


@dataclass(frozen=True)
class Person:
    id: str
    role: str
    facts: Mapping[str, Fact]

    @property
    def birthdate(self) -> date:
        return self.facts["birthdate"].value  # type: ignore[no-any-return]

    def has(self, name: str) -> bool:
        return name in self.facts

    def value(self, name: str, default: Any = _MISSING) -> Any:
        if name in self.facts:
            return self.facts[name].value
        if default is _MISSING:
            raise KeyError(name)
        return default

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "role": self.role, "facts": {n: f.to_json() for n, f in self.facts.items()}}


@dataclass(frozen=True)
class Household:
    members: tuple[Person, ...]
    facts: Mapping[str, Fact] = field(default_factory=dict)
    id: str = "household"

    def member(self, member_id: str) -> Person:
        for person in self.members:
            if person.id == member_id:
                return person
        raise KeyError(member_id)

    def position(self, member_id: str) -> int:
        return next(i for i, p in enumerate(self.members) if p.id == member_id)

    def with_role(self, role: str) -> list[Person]:
        return [p for p in self.members if p.role == role]

    def value(self, name: str, default: Any = None) -> Any:
        return self.facts[name].value if name in self.facts else default

    def to_json(self) -> dict[str, Any]:
        """The input snapshot a decision record keeps."""
        return {"id": self.id, "members": [p.to_json() for p in self.members],
                "facts": {n: f.to_json() for n, f in self.facts.items()}}


def parse_household(document: Any, specs: Iterable[FactSpec], where: str = "household") -> Household:
    """A household from plain data (parsed JSON or YAML), or an :class:`InvalidInput` naming the field."""
    specs = tuple(specs)
    if not isinstance(document, dict):
        raise InvalidInput(_("{field}: expected an object with members").format(field=where))
    members_doc = document.get("members")
    if not isinstance(members_doc, list) or not members_doc:
        raise InvalidInput(_("{field}: expected a non-empty list of members").format(field=f"{where}.members"))
    member_specs = {s.name: s for s in specs if not s.household_level}
    members = tuple(_parse_member(f"{where}.members[{i}]", m, member_specs) for i, m in enumerate(members_doc))
    ids = [m.id for m in members]
    for i, member_id in enumerate(ids):
        if member_id in ids[:i]:
            raise InvalidInput(_("{field}: the id {value!r} is used twice").format(field=f"{where}.members[{i}].id", value=member_id))
    household_specs = {s.name: s for s in specs if s.household_level}
    facts: dict[str, Fact] = {}
    for key, raw in document.items():
        if key in ("members", "id"):
            continue
        if key not in household_specs:
            raise InvalidInput(_("{field}: unknown field; allowed: {allowed}").format(
                field=f"{where}.{key}", allowed=", ".join(sorted(["id", "members", *household_specs]))))
        facts[key] = _parse_fact(f"{where}.{key}", household_specs[key], raw)
    household = Household(members=members, facts=facts, id=str(document.get("id", "household")))
    _check_references(household, where, specs)
    return household


def _parse_member(where: str, document: Any, specs: Mapping[str, FactSpec]) -> Person:
    if not isinstance(document, dict):
        raise InvalidInput(_("{field}: expected an object").format(field=where))
    for key in ("id", "role", "birthdate"):
        if document.get(key) is None:
            raise InvalidInput(_("{field}: missing").format(field=f"{where}.{key}"))
    member_id, role = document["id"], document["role"]
    if not isinstance(member_id, str) or not member_id.strip():
        raise InvalidInput(_("{field}: expected a non-empty text").format(field=f"{where}.id"))
    if role not in ROLES:
        raise InvalidInput(_("{field}: {value!r} is not one of {allowed}").format(field=f"{where}.role", value=role, allowed=", ".join(ROLES)))
    facts = {"birthdate": _parse_fact(f"{where}.birthdate", FactSpec("birthdate", "date", ROLES), document["birthdate"])}
    for key, raw in document.items():
        if key in ("id", "role", "birthdate"):
            continue
        spec = specs.get(key)
        if spec is None:
            raise InvalidInput(_("{field}: unknown field; allowed: {allowed}").format(
                field=f"{where}.{key}", allowed=", ".join(sorted(["id", "role", "birthdate", *specs]))))
        if role not in spec.roles:
            raise InvalidInput(_("{field}: only for a member whose role is {roles}, not {role}").format(
                field=f"{where}.{key}", roles=" or ".join(spec.roles), role=role))
        facts[key] = _parse_fact(f"{where}.{key}", spec, raw)
    return Person(id=member_id, role=role, facts=facts)


def _parse_fact(where: str, spec: FactSpec, raw: Any) -> Fact:
    source = None
    if isinstance(raw, dict):
        if "value" not in raw or not set(raw) <= {"value", "source"}:
            raise InvalidInput(_("{field}: expected a value, or an object with value and source").format(field=where))
        source = raw.get("source")
        if source is not None and (not isinstance(source, str) or not source.strip()):
            raise InvalidInput(_("{field}: the source must be an exchange message id").format(field=f"{where}.source"))
        raw = raw["value"]
    if raw is None:
        if not spec.nullable:
            raise InvalidInput(_("{field}: missing").format(field=where))
        return Fact(None, source)
    return Fact(_convert(where, spec, raw), source)


def _convert(where: str, spec: FactSpec, raw: Any) -> Any:
    kind = spec.kind
    if kind == "bool":
        if not isinstance(raw, bool):
            raise InvalidInput(_("{field}: expected true or false, got {value!r}").format(field=where, value=raw))
        return raw
    if kind in ("int", "cents"):
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise InvalidInput(_("{field}: expected a whole number, got {value!r}").format(field=where, value=raw))
        low = 0 if spec.minimum is None else spec.minimum
        if raw < low or (spec.maximum is not None and raw > spec.maximum):
            bound = f"{low}..{spec.maximum}" if spec.maximum is not None else f">= {low}"
            raise InvalidInput(_("{field}: {value} is out of range ({bound})").format(field=where, value=raw, bound=bound))
        return raw
    if kind == "date":
        return _date(where, raw)
    if kind == "month":
        return Month.parse(raw.strftime("%Y-%m") if isinstance(raw, date) else raw, where)
    if kind == "choice":
        if raw not in spec.choices:
            raise InvalidInput(_("{field}: {value!r} is not one of {allowed}").format(field=where, value=raw, allowed=", ".join(spec.choices)))
        return raw
    if not isinstance(raw, str) or not raw:   # member: the id of another member, checked later
        raise InvalidInput(_("{field}: expected the id of a member, got {value!r}").format(field=where, value=raw))
    return raw


def _date(where: str, raw: Any) -> date:
    if isinstance(raw, date):
        return raw
    try:
        return date.fromisoformat(raw) if isinstance(raw, str) and len(raw) == 10 else _raise_date(where, raw)
    except ValueError:
        return _raise_date(where, raw)


def _raise_date(where: str, raw: Any) -> date:
    raise InvalidInput(_("{field}: expected a date written YYYY-MM-DD, got {value!r}").format(field=where, value=raw))


def _check_references(household: Household, where: str, specs: tuple[FactSpec, ...]) -> None:
    ids = {m.id for m in household.members}
    references = {s.name for s in specs if s.kind == "member"}
    for i, member in enumerate(household.members):
        for name in references & set(member.facts):
            value = member.facts[name].value
            if value is not None and value not in ids:
                raise InvalidInput(_("{field}: no member has the id {value!r}").format(field=f"{where}.members[{i}].{name}", value=value))
    for name in references & set(household.facts):
        value = household.facts[name].value
        if value is not None and value not in ids:
            raise InvalidInput(_("{field}: no member has the id {value!r}").format(field=f"{where}.{name}", value=value))


def member_field(household: Household, member_id: str, name: str, where: str = "household") -> str:
    """The input path of one member's field, for error messages."""
    return f"{where}.members[{household.position(member_id)}].{name}"


def _json_value(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Month):
        return str(value)
    return value
