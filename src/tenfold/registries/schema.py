"""Registry definitions: a JSON-Schema-like document per registry and version.

A definition names the registry's primary key, which fields identify persons (for the usage
log), which fields are indexed for ``query.<field>`` filters, and which changes raise events.
Definitions are versioned: ``persons/1.0.json``; a client reading through version 1.0 sees
only the fields that version defines.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from tenfold.errors import InvalidInput
from tenfold.ids import scheme, xroad

SCHEMA_DIR = Path(__file__).parent / "schemas"
_VERSION = re.compile(r"^[0-9]+\.[0-9]+$")
_NAME = re.compile(r"^[a-z][a-z0-9-]{0,62}$")
# Field names end up inside SQL JSON paths, so they are restricted to plain identifiers.
_FIELD = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")


class UnknownRegistry(InvalidInput):
    """No such registry or version at this member."""


class RecordInvalid(InvalidInput):
    """A record or query that breaks the registry's schema; ``errors`` say where."""

    def __init__(self, errors: list[dict[str, Any]]):
        self.errors = errors
        first = errors[0]
        super().__init__(f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}")


def _format_checker() -> jsonschema.FormatChecker:
    checker = jsonschema.FormatChecker(formats=("email", "date"))

    @checker.checks("date-time", raises=ValueError)
    def _date_time(value: object) -> bool:
        if not isinstance(value, str):
            return True
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return parsed.tzinfo is not None

    @checker.checks("personal-code", raises=InvalidInput)
    def _personal_code(value: object) -> bool:
        return not isinstance(value, str) or bool(scheme().validate(value))

    @checker.checks("iban", raises=(SchwiftyException, ValueError))
    def _iban(value: object) -> bool:
        if not isinstance(value, str):
            return True
        return str(IBAN(value, validate_bban=True).compact) == value

    @checker.checks("xroad-member", raises=InvalidInput)
    def _member(value: object) -> bool:
        return not isinstance(value, str) or bool(xroad.parse_member(value))

    return checker


FORMATS = _format_checker()


@dataclass(frozen=True)
class EventRule:
    """Raise ``event_type`` on ``on`` (create/update/delete); for updates only when ``field`` changed."""

    on: str
    event_type: str
    payload: dict[str, str]
    field: str | None = None

    def payload_for(self, record: dict[str, Any], previous: dict[str, Any] | None) -> dict[str, Any]:
        result = {}
        for key, source in self.payload.items():
            if source.startswith("$previous."):
                result[key] = (previous or {}).get(source.removeprefix("$previous."))
            else:
                result[key] = record.get(source)
        return {k: v for k, v in result.items() if v is not None or k in ("fatherId", "previousAddressId")}


@dataclass(frozen=True)
class RegistrySchema:
    registry: str
    version: str
    title: dict[str, str]
    description: dict[str, str]
    primary_key: str
    json_schema: dict[str, Any]
    person_fields: tuple[str, ...] = ()
    indexed: tuple[str, ...] = ()
    events: tuple[EventRule, ...] = ()
    id_prefix: str | None = None
    _validator: Any = field(default=None, compare=False, repr=False)
    _partial_validator: Any = field(default=None, compare=False, repr=False)
    _field_validators: dict[str, Any] | None = field(default=None, compare=False, repr=False)

    @property
    def properties(self) -> dict[str, dict[str, Any]]:
        result: dict[str, dict[str, Any]] = self.json_schema["properties"]
        return result

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(self.json_schema.get("required", ()))

    def field_type(self, name: str) -> str:
        """The JSON type of a field, ignoring a nullable ``null`` alternative."""
        kind = self.properties[name].get("type", "string")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), "string")
        return str(kind)

    def check_field(self, name: str, where: tuple[str | int, ...]) -> None:
        if name not in self.properties:
            raise RecordInvalid([{"loc": [*where, name], "msg": f"{self.registry} {self.version} has no field {name!r}", "type": "unknown_field"}])

    def validate(self, record: dict[str, Any], where: tuple[str | int, ...] = ("content",)) -> None:
        """Check a whole record; every problem is reported with its location."""
        problems = sorted(self._validator.iter_errors(record), key=lambda e: list(e.absolute_path))
        if problems:
            raise RecordInvalid([_describe(p, where) for p in problems])

    def validate_partial(self, content: dict[str, Any], where: tuple[str | int, ...]) -> None:
        """Check the fields given in a query or partial update (no required fields)."""
        if not isinstance(content, dict):
            raise RecordInvalid([{"loc": list(where), "msg": "must be a JSON object", "type": "type_error"}])
        for name in content:
            self.check_field(name, where)
        fields = self._field_validators
        if fields is not None and all(fields[name].is_valid(value) for name, value in content.items()):
            return  # each field valid on its own is the whole check (see _field_validators_of)
        problems = list(self._partial_validator.iter_errors(content))
        if problems:
            raise RecordInvalid([_describe(p, where) for p in problems])

    def project(self, record: dict[str, Any]) -> dict[str, Any]:
        """The record as this version shows it: only the fields it defines."""
        return {k: v for k, v in record.items() if k in self.properties}

    def coerce(self, name: str, raw: str, where: tuple[str | int, ...]) -> Any:
        """Turn a query-string value into the field's type."""
        self.check_field(name, where)
        kind = self.field_type(name)
        try:
            if kind == "integer":
                return int(raw)
            if kind == "number":
                return float(raw)
            if kind == "boolean":
                if raw.lower() not in ("true", "false"):
                    raise ValueError
                return raw.lower() == "true"
        except ValueError:
            raise RecordInvalid([{"loc": [*where, name], "msg": f"{raw!r} is not a valid {kind}", "type": "type_error"}]) from None
        if kind != "string":
            raise RecordInvalid([{"loc": [*where, name], "msg": f"cannot filter on a field of type {kind}", "type": "type_error"}])
        return raw

    def persons_in(self, record: dict[str, Any]) -> list[str]:
        return [record[f] for f in self.person_fields if isinstance(record.get(f), str)]


def _describe(error: jsonschema.ValidationError, where: tuple[str | int, ...]) -> dict[str, Any]:
    location = [*where, *error.absolute_path]
    if error.validator == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        return {"loc": location + extra[:1], "msg": f"field {extra[0]!r} is not in the schema" if extra else error.message, "type": "unknown_field"}
    if error.validator == "required":
        missing = re.findall(r"'([^']+)' is a required property", error.message)
        return {"loc": location + missing[:1], "msg": "field required", "type": "missing"}
    if error.validator == "format" and error.cause is not None:
        return {"loc": location, "msg": f"not a valid {error.validator_value}: {error.cause}", "type": "format"}
    message = error.message if len(error.message) < 300 else error.message[:300] + "..."
    return {"loc": location, "msg": message, "type": str(error.validator)}


def _load(path: Path) -> RegistrySchema:
    raw = json.loads(path.read_text(encoding="utf-8"))
    registry, version = raw["registry"], raw["version"]
    if not _NAME.fullmatch(registry) or not _VERSION.fullmatch(version):
        raise ValueError(f"{path}: bad registry name or version")
    if (path.parent.name, path.stem) != (registry, version):
        raise ValueError(f"{path}: file name does not match registry {registry} {version}")
    schema = raw["schema"]
    jsonschema.Draft202012Validator.check_schema(schema)
    for name in schema["properties"]:
        if not _FIELD.fullmatch(name):
            raise ValueError(f"{path}: field name {name!r} must be a plain identifier")
    primary = raw["primaryKey"]
    for name in [primary, *raw.get("personFields", []), *raw.get("indexed", [])]:
        if name not in schema["properties"]:
            raise ValueError(f"{path}: {name!r} is not a field of the schema")
    events = tuple(
        EventRule(on=e["on"], event_type=e["eventType"], payload=e["payload"], field=e.get("field"))
        for e in raw.get("events", [])
    )
    return RegistrySchema(
        registry=registry,
        version=version,
        title=raw["title"],
        description=raw["description"],
        primary_key=primary,
        json_schema=schema,
        person_fields=tuple(raw.get("personFields", [])),
        indexed=tuple(raw.get("indexed", [])),
        events=events,
        id_prefix=raw.get("idPrefix"),
        _validator=jsonschema.Draft202012Validator(schema, format_checker=FORMATS),
        _partial_validator=jsonschema.Draft202012Validator({**schema, "required": []}, format_checker=FORMATS),
        _field_validators=_field_validators_of(schema),
    )


_OBJECT_KEYWORDS = {"$schema", "$id", "title", "description", "type", "properties", "additionalProperties", "required"}


def _field_validators_of(schema: dict[str, Any]) -> dict[str, Any] | None:
    """A validator per field, when the schema is a plain object of independent properties (no
    keyword that ties fields together, no references): a partial record whose fields are all
    known is then valid exactly when each field's value is, which costs less to check than the
    whole schema. Errors are still reported by the whole schema's validator."""
    text = json.dumps(schema["properties"])
    if set(schema) - _OBJECT_KEYWORDS or schema.get("type") != "object" or any(r in text for r in ("$ref", "$dynamicRef", "$recursiveRef")):
        return None
    return {name: jsonschema.Draft202012Validator(sub, format_checker=FORMATS) for name, sub in schema["properties"].items()}


class Catalogue:
    """Every registry definition found under a directory: ``<registry>/<version>.json``."""

    def __init__(self, directory: Path = SCHEMA_DIR):
        self.directory = directory
        self._schemas: dict[str, dict[str, RegistrySchema]] = {}
        for path in sorted(directory.glob("*/*.json")):
            schema = _load(path)
            self._schemas.setdefault(schema.registry, {})[schema.version] = schema

    def registries(self) -> list[str]:
        return sorted(self._schemas)

    def versions(self, registry: str) -> list[str]:
        return sorted(self._schemas.get(registry, {}), key=lambda v: tuple(int(x) for x in v.split(".")))

    def get(self, registry: str, version: str) -> RegistrySchema:
        versions = self._schemas.get(registry)
        if not versions:
            raise UnknownRegistry(f"no registry {registry!r}")
        if version not in versions:
            raise UnknownRegistry(f"registry {registry!r} has no version {version!r} (versions: {', '.join(self.versions(registry))})")
        return versions[version]

    def latest(self, registry: str) -> RegistrySchema:
        return self.get(registry, self.versions(registry)[-1]) if registry in self._schemas else self.get(registry, "")

    def union_fields(self, registry: str) -> set[str]:
        """Every field any version of the registry defines (for indexes and storage)."""
        return {name for s in self._schemas.get(registry, {}).values() for name in s.properties}


@lru_cache(maxsize=4)
def catalogue(directory: Path = SCHEMA_DIR) -> Catalogue:
    return Catalogue(directory)


def today() -> date:
    return date.today()
