"""Access rights: deny by default; granted per service to a client subsystem (or room), and
optionally only for some methods and service paths.

Path patterns: ``*`` matches one path segment, a final ``**`` matches any rest (also none).
The rights a provider gateway enforces are those the global configuration carries for its
member's services, except where the provider changed a client's rights on a service through the
GovStack IM configuration API: an allow then sets that client's rights (its methods and paths),
a deny removes them. Changes are stored in the member's own database, every one audited.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Iterable, Sequence
from urllib.parse import unquote

from sqlalchemy import Engine, delete, insert, select

from tenfold.errors import InvalidInput
from tenfold.exchange.tables import admin_audit, local_rights
from tenfold.topology import HTTP_METHODS

ALL = "*"


class InvalidPattern(InvalidInput):
    """A path pattern that does not start with '/' or has '**' before its end."""


def compile_pattern(pattern: str) -> re.Pattern[str]:
    if not pattern.startswith("/"):
        raise InvalidPattern(f"path pattern {pattern!r} must start with '/'")
    segments = pattern.split("/")[1:]
    parts: list[str] = []
    for index, segment in enumerate(segments):
        if segment == "**":
            if index != len(segments) - 1:
                raise InvalidPattern(f"'**' may only end a path pattern ({pattern!r})")
            return re.compile("^" + "".join(parts) + "(?:/.*)?$", re.DOTALL)
        parts.append("/[^/]+" if segment == "*" else "/" + re.escape(segment))
    return re.compile("^" + "".join(parts) + "$", re.DOTALL)


def normalised_path(raw_path: str) -> str:
    """The decoded service path rights are matched against; dot segments are refused."""
    path = unquote(raw_path or "/", errors="strict") if raw_path else "/"
    if any(segment in (".", "..") for segment in path.split("/")):
        raise InvalidInput("the service path may not contain '.' or '..' segments")
    return path


@dataclass(frozen=True)
class Right:
    client: str
    methods: frozenset[str] = frozenset()
    paths: tuple[str, ...] = ()
    _patterns: tuple[re.Pattern[str], ...] = field(default=(), compare=False, repr=False)

    @classmethod
    def of(cls, client: str, methods: Iterable[str] = (), paths: Iterable[str] = ()) -> Right:
        methods = frozenset(m.upper() for m in methods)
        unknown = methods - set(HTTP_METHODS)
        if unknown:
            raise InvalidInput(f"unknown HTTP method {sorted(unknown)[0]!r}")
        paths = tuple(paths)
        return cls(client, methods, paths, tuple(compile_pattern(p) for p in paths))

    def allows(self, method: str, path: str) -> bool:
        if self.methods and method not in self.methods:
            return False
        return not self._patterns or any(p.match(path) for p in self._patterns)

    def as_dict(self) -> dict[str, Any]:
        return {"client": self.client, "methods": sorted(self.methods), "paths": list(self.paths)}


class RightsTable:
    """service id -> client id -> rights; built whenever the configuration or a local change lands."""

    def __init__(self, rights: dict[str, dict[str, list[Right]]] | None = None):
        self.rights = rights or {}

    def allows(self, service_id: str, client_id: str, method: str, path: str) -> bool:
        for right in self.rights.get(service_id, {}).get(client_id, ()):
            if right.allows(method, path):
                return True
        return False

    def for_client(self, service_id: str, client_id: str) -> list[Right]:
        return list(self.rights.get(service_id, {}).get(client_id, ()))

    def entries(self) -> list[tuple[str, Right]]:
        return [(service, right) for service in sorted(self.rights) for client in sorted(self.rights[service])
                for right in self.rights[service][client]]


def build_table(declared: Iterable[tuple[str, Right]], local: Sequence[dict[str, Any]]) -> RightsTable:
    """Declared rights (service id, right), where a local change for a (service, client) pair
    replaces the declared ones of that pair: an allow with its own methods and paths, a deny
    with nothing."""
    table: dict[str, dict[str, list[Right]]] = {}
    for service_id, right in declared:
        table.setdefault(service_id, {}).setdefault(right.client, []).append(right)
    for row in local:
        clients = table.setdefault(row["service"], {})
        clients.pop(row["client"], None)
        if row["effect"] == "allow":
            clients[row["client"]] = [Right.of(row["client"], row["methods"], row["paths"])]
    return RightsTable({s: c for s, c in table.items() if c})


def load_local(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        return [dict(r) for r in connection.execute(select(local_rights).order_by(local_rights.c.id)).mappings()]


def allow(engine: Engine, service_id: str, right: Right) -> None:
    """Set a client's right on a service (replacing declared ones and lifting a deny)."""
    now = datetime.now(UTC)
    with engine.begin() as connection:
        connection.execute(delete(local_rights).where(
            local_rights.c.service == service_id, local_rights.c.client == right.client))
        connection.execute(insert(local_rights).values(
            service=service_id, client=right.client, effect="allow", methods=sorted(right.methods),
            paths=list(right.paths), created_at=now))


def deny(engine: Engine, service_id: str, client_id: str) -> None:
    """Take away every right of a client on a service, the declared ones included."""
    with engine.begin() as connection:
        connection.execute(delete(local_rights).where(
            local_rights.c.service == service_id, local_rights.c.client == client_id))
        connection.execute(insert(local_rights).values(
            service=service_id, client=client_id, effect="deny", methods=[], paths=[], created_at=datetime.now(UTC)))


def audit(engine: Engine, actor: str, action: str, payload: Any, error: str | None = None) -> None:
    """Record an administrative action and whether it succeeded."""
    with engine.begin() as connection:
        connection.execute(insert(admin_audit).values(
            at=datetime.now(UTC), actor=actor[:255], action=action, payload=payload,
            outcome="failed" if error else "succeeded", error=error))
