"""Load a topology file and report every problem with the line it is on."""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema
from pydantic import ValidationError

from tenfold.errors import TenfoldError
from tenfold.topology.models import Topology

Location = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    line: int | None
    location: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line else "file"
        return f"{where}: {self.location}: {self.message}" if self.location else f"{where}: {self.message}"


class TopologyError(TenfoldError):
    """A topology file that cannot be used; ``problems`` lists each one with its line."""

    def __init__(self, path: Path, problems: list[Problem]):
        self.path = path
        self.problems = problems
        first = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(f"{path}: {first}{more}")


_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\-\.\"' ]+?)\s*=")


class _LineIndex:
    """Maps locations such as ('members', 2, 'subsystems', 0, 'code') to line numbers by
    following the table headers and keys of the TOML text."""

    def __init__(self, text: str):
        self.lines: dict[Location, int] = {}
        counters: dict[Location, int] = {}
        current: Location = ()
        for number, line in enumerate(text.splitlines(), start=1):
            header = _HEADER.match(line)
            if header:
                is_array = header.group(1) == "[["
                parts = [p.strip().strip('"') for p in header.group(2).split(".")]
                prefix: Location = ()
                for part in parts[:-1]:
                    prefix = prefix + (part,)
                    if prefix in counters:
                        prefix = prefix + (counters[prefix] - 1,)
                prefix = prefix + (parts[-1],)
                if is_array:
                    counters[prefix] = counters.get(prefix, 0) + 1
                    prefix = prefix + (counters[prefix] - 1,)
                current = prefix
                self.lines.setdefault(current, number)
                continue
            key = _KEY.match(line)
            if key and not line.lstrip().startswith("#"):
                path = tuple(p.strip().strip('"') for p in key.group(1).split("."))
                self.lines.setdefault(current + path, number)

    def line_of(self, location: Location) -> int | None:
        location = tuple(location)
        while location:
            if location in self.lines:
                return self.lines[location]
            location = location[:-1]
        return None


def _dotted(location: Location) -> str:
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _structural_problems(error: ValidationError, index: _LineIndex) -> list[Problem]:
    problems = []
    for item in error.errors():
        location = tuple(p for p in item["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        problems.append(Problem(index.line_of(location), _dotted(location), item["msg"]))
    return problems


def _reference_problems(topology: Topology, base: Path) -> list[tuple[Location, str]]:
    """Checks that span several parts of the file: uniqueness and references."""
    found: list[tuple[Location, str]] = []
    subsystems = topology.subsystem_ids()
    clients = subsystems | topology.room_ids()  # a room pushes events to subscribers' inboxes
    member_ids: set[str] = set()
    member_codes: set[str] = set()
    for m_index, member in enumerate(topology.members):
        here: Location = ("members", m_index)
        if member.id in member_ids or member.code in member_codes:
            found.append((here + ("id",), f"member {member.id} appears twice"))
        member_ids.add(member.id)
        member_codes.add(member.code)
        if member.xroad_id.instance != topology.instance:
            found.append((here + ("id",), f"member {member.id} is not in instance {topology.instance}"))
        if len(set(member.registries)) != len(member.registries):
            found.append((here + ("registries",), f"a registry is listed twice for {member.id}"))
        codes = [s.code for s in member.subsystems] + [r.code for r in member.rooms]
        for duplicate in {c for c in codes if codes.count(c) > 1}:
            found.append((here, f"subsystem or room code {duplicate!r} is used twice in {member.id}"))
        for s_index, subsystem in enumerate(member.subsystems):
            service_codes = [s.code for s in subsystem.services]
            for v_index, service in enumerate(subsystem.services):
                where = here + ("subsystems", s_index, "services", v_index)
                if service_codes.count(service.code) > 1:
                    found.append((where + ("code",), f"service code {service.code!r} is used twice"))
                for r_index, right in enumerate(service.rights):
                    if right.client not in clients:
                        found.append((where + ("rights", r_index, "client"), f"no subsystem {right.client} in the topology"))
        for r_index, room in enumerate(member.rooms):
            where = here + ("rooms", r_index)
            event_codes = {e.code for e in room.event_types}
            for e_index, event_type in enumerate(room.event_types):
                problem = _schema_problem(base / event_type.schema_file)
                if problem:
                    found.append((where + ("event_types", e_index, "schema_file"), problem))
            for s_index, subscription in enumerate(room.subscriptions):
                sub_where = where + ("subscriptions", s_index)
                if subscription.subscriber not in subsystems:
                    found.append((sub_where + ("subscriber",), f"no subsystem {subscription.subscriber} in the topology"))
                if subscription.event_type not in event_codes:
                    found.append((sub_where + ("event_type",), f"room {room.code} has no event type {subscription.event_type!r}"))
    central = topology.central.member
    if central in member_ids:
        found.append((("central", "member"), "the platform operator must not also be an ordinary member"))
    return found


def _schema_problem(path: Path) -> str | None:
    if not path.is_file():
        return f"schema file {path} does not exist"
    try:
        jsonschema.Draft202012Validator.check_schema(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, jsonschema.SchemaError) as error:
        return f"schema file {path.name} is not a valid JSON Schema: {str(error).splitlines()[0]}"
    return None


def parse(text: str, path: Path) -> Topology:
    """Validate topology text; ``path`` names the file in messages and anchors schema files."""
    try:
        raw: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        line = re.search(r"line (\d+)", str(error))
        raise TopologyError(path, [Problem(int(line.group(1)) if line else None, "", f"not valid TOML: {error}")]) from None
    index = _LineIndex(text)
    try:
        topology = Topology.model_validate(raw)
    except ValidationError as error:
        raise TopologyError(path, _structural_problems(error, index)) from None
    problems = [Problem(index.line_of(loc), _dotted(loc), msg) for loc, msg in _reference_problems(topology, path.parent)]
    if problems:
        raise TopologyError(path, problems)
    return topology


def load(path: Path | str) -> Topology:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise TopologyError(path, [Problem(None, "", f"cannot read the file: {error.strerror}")]) from None
    return parse(text, path)


@lru_cache(maxsize=8)
def _cached(path: str) -> Topology:
    return load(path)


def current() -> Topology:
    """The topology the settings point at (cached per path)."""
    from tenfold.settings import get_settings

    return _cached(str(Path(get_settings().topology).resolve()))


def event_schema(topology_path: Path, schema_file: str) -> dict[str, Any]:
    result: dict[str, Any] = json.loads((Path(topology_path).parent / schema_file).read_text(encoding="utf-8"))
    return result
