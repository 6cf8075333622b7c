"""Registry use cases, one transaction each (GovStack Digital Registries Data API semantics).

Writes raise the events their definition declares, through the outbox, in the same
transaction. Reads of records that concern persons are written to the usage log in the same
transaction as the read, so nothing is shown to a reader that was not logged.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select

from tenfold.errors import InvalidInput, TenfoldError
from tenfold.ids import scheme
from tenfold.registries import store
from tenfold.registries.schema import Catalogue, RecordInvalid, RegistrySchema, UnknownRegistry
from tenfold.registries.tables import usage
from tenfold.storage import outbox

MAX_PAGE_SIZE = 1000
MAX_PAGE = 1_000_000
MAX_UPDATE_ENTRIES = 10_000
_LOG_READ = insert(usage)


class RecordNotFound(TenfoldError):
    """No record matches (the API answers 404 ``no record found``)."""


class AmbiguousQuery(TenfoldError):
    """A query that must match one record matches several."""


class RecordExists(TenfoldError):
    """A record with this primary key already exists."""


@dataclass(frozen=True)
class Reader:
    """Who is asking, as the exchange headers say: the client subsystem, the official or
    citizen behind it, the purpose, the case and the message id."""

    client: str
    user_id: str | None = None
    purpose: str | None = None
    issue: str | None = None
    message_id: str | None = None


@dataclass(frozen=True)
class Page:
    count: int
    results: list[dict[str, Any]]
    page: int
    page_size: int

    @property
    def has_next(self) -> bool:
        return self.page * self.page_size < self.count


class RegistryService:
    """The registries one member keeps, over that member's own database."""

    def __init__(self, engine: Engine, member_id: str, registries: list[str], catalogue: Catalogue):
        self.engine = engine
        self.member_id = member_id
        self.registries = list(registries)
        self.catalogue = catalogue
        self._key_reads = store.KeyReads(engine)

    # ---------------------------------------------------------------- definitions
    def schema(self, registry: str, version: str) -> RegistrySchema:
        if registry not in self.registries:
            raise UnknownRegistry(f"no registry {registry!r} at {self.member_id}")
        return self.catalogue.get(registry, version)

    def schemas(self) -> list[RegistrySchema]:
        return [self.catalogue.get(r, v) for r in self.registries for v in self.catalogue.versions(r)]

    # ---------------------------------------------------------------- reads
    def list(
        self,
        reader: Reader,
        registry: str,
        version: str,
        *,
        filters: dict[str, str],
        search: str | None = None,
        search_field: str | None = None,
        ordering: str | None = None,
        page: int = 1,
        page_size: int = 20,
    ) -> Page:
        schema = self.schema(registry, version)
        if not 1 <= page <= MAX_PAGE:
            raise RecordInvalid([{"loc": ["query", "page"], "msg": f"page must be between 1 and {MAX_PAGE}", "type": "range"}])
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise RecordInvalid([{"loc": ["query", "pageSize"], "msg": f"pageSize must be between 1 and {MAX_PAGE_SIZE}", "type": "range"}])
        typed = {name: schema.coerce(name, value, ("query",)) for name, value in filters.items()}
        found_search = _search(schema, search, search_field)
        order_by, descending = _ordering(schema, ordering)
        with self.engine.begin() as connection:
            total = store.count(connection, schema, filters=typed, search=found_search)
            rows = store.find(
                connection, schema, filters=typed, search=found_search, order_by=order_by,
                descending=descending, offset=(page - 1) * page_size, limit=page_size,
            )
            self._log_reads(connection, reader, schema, rows, "list")
        return Page(total, [schema.project(r) for r in rows], page, page_size)

    def read(self, reader: Reader, registry: str, version: str, query: dict[str, Any]) -> dict[str, Any]:
        schema = self.schema(registry, version)
        filters = _query_filters(schema, query)
        if filters.keys() == {schema.primary_key}:
            record = self._read_by_key(reader, schema, filters[schema.primary_key], "read")
            if record is None:
                raise RecordNotFound("no record found")
            return schema.project(record)
        with self.engine.begin() as connection:
            rows = self._find_one(connection, schema, filters)
            if not rows:
                raise RecordNotFound("no record found")
            self._log_reads(connection, reader, schema, rows, "read")
        return schema.project(rows[0])

    def exists(self, reader: Reader, registry: str, version: str, query: dict[str, Any]) -> bool:
        schema = self.schema(registry, version)
        filters = _query_filters(schema, query)
        if filters.keys() == {schema.primary_key}:
            return self._read_by_key(reader, schema, filters[schema.primary_key], "exists") is not None
        with self.engine.begin() as connection:
            rows = self._find_one(connection, schema, filters)
            self._log_reads(connection, reader, schema, rows, "exists")
        return bool(rows)

    def read_value(self, reader: Reader, registry: str, version: str, record_id: str, field_name: str) -> Any:
        schema = self.schema(registry, version)
        schema.check_field(field_name, ("path", "field"))
        with self.engine.begin() as connection:
            record = store.get(connection, registry, record_id)
            if record is None:
                raise RecordNotFound("no record found")
            self._log_reads(connection, reader, schema, [record], "readValue")
        return record.get(field_name)

    # ---------------------------------------------------------------- writes
    def create(self, reader: Reader, registry: str, version: str, content: dict[str, Any]) -> dict[str, Any]:
        schema = self.schema(registry, version)
        record = dict(content)
        if schema.primary_key not in record and schema.id_prefix:
            record[schema.primary_key] = f"{schema.id_prefix}{uuid.uuid4().hex[:16].upper()}"
        schema.validate(record, ("write", "content"))
        with self.engine.begin() as connection:
            self._insert(connection, schema, record, reader)
        return schema.project(record)

    def update(self, reader: Reader, registry: str, version: str, query: dict[str, Any], write: dict[str, Any]) -> dict[str, Any]:
        schema = self.schema(registry, version)
        filters = _query_filters(schema, query)
        schema.validate_partial(write, ("write", "content"))
        with self.engine.begin() as connection:
            rows = store.find(connection, schema, filters=filters, limit=2)
            if not rows:
                raise RecordNotFound("no record found")
            if len(rows) > 1:
                raise AmbiguousQuery("the query matches more than one record; use updateEntries to change them all")
            updated = self._update(connection, schema, rows[0], write, reader)
        return schema.project(updated)

    def update_entries(self, reader: Reader, registry: str, version: str, query: dict[str, Any], write: dict[str, Any]) -> int:
        schema = self.schema(registry, version)
        filters = _query_filters(schema, query)
        schema.validate_partial(write, ("write", "content"))
        with self.engine.begin() as connection:
            matched = store.count(connection, schema, filters=filters)
            if matched > MAX_UPDATE_ENTRIES:
                raise RecordInvalid([{"loc": ["query", "content"], "msg": f"the query matches {matched} records; at most {MAX_UPDATE_ENTRIES} can be updated at once", "type": "range"}])
            rows = store.find(connection, schema, filters=filters, limit=max(matched, 1))
            for row in rows:
                self._update(connection, schema, row, write, reader)
        return len(rows)

    def update_or_create(
        self, reader: Reader, registry: str, version: str, query: dict[str, Any], write: dict[str, Any]
    ) -> tuple[dict[str, Any], bool]:
        """Update the one record the query matches, or create one from query and write.
        Returns the record and whether it was created."""
        schema = self.schema(registry, version)
        filters = _query_filters(schema, query)
        schema.validate_partial(write, ("write", "content"))
        with self.engine.begin() as connection:
            rows = store.find(connection, schema, filters=filters, limit=2)
            if len(rows) > 1:
                raise AmbiguousQuery("the query matches more than one record")
            if rows:
                return schema.project(self._update(connection, schema, rows[0], write, reader)), False
            record = {**query, **write}
            if schema.primary_key not in record and schema.id_prefix:
                record[schema.primary_key] = f"{schema.id_prefix}{uuid.uuid4().hex[:16].upper()}"
            schema.validate(record, ("write", "content"))
            self._insert(connection, schema, record, reader)
        return schema.project(record), True

    def delete(self, reader: Reader, registry: str, version: str, record_id: str) -> None:
        schema = self.schema(registry, version)
        with self.engine.begin() as connection:
            previous = store.get(connection, registry, record_id)
            if previous is None:
                raise RecordNotFound("no record found")
            store.delete_record(connection, registry, record_id)
            self._raise_events(connection, schema, "delete", previous, previous, reader)

    # ---------------------------------------------------------------- usage log
    def usage(self, person_id: str, registry: str | None = None, offset: int = 0, limit: int = 100) -> list[dict[str, Any]]:
        """Who read this person's data here, newest first."""
        person = scheme().validate(person_id)
        if registry is not None and registry not in self.registries:
            raise UnknownRegistry(f"no registry {registry!r} at {self.member_id}")
        if not 0 <= offset <= 10**7 or not 1 <= limit <= MAX_PAGE_SIZE:
            raise InvalidInput(f"offset must be 0 or more and limit between 1 and {MAX_PAGE_SIZE}")
        query = select(usage).where(usage.c.person_id == person)
        if registry is not None:
            query = query.where(usage.c.registry == registry)
        query = query.order_by(usage.c.read_at.desc(), usage.c.id.desc()).offset(offset).limit(limit)
        with self.engine.connect() as connection:
            return [dict(row) for row in connection.execute(query).mappings()]

    def usage_count(self, person_id: str) -> int:
        person = scheme().validate(person_id)
        with self.engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(usage).where(usage.c.person_id == person)).scalar_one())

    # ---------------------------------------------------------------- internals
    @staticmethod
    def _find_one(connection: Connection, schema: RegistrySchema, filters: dict[str, Any]) -> list[dict[str, Any]]:
        if filters.keys() == {schema.primary_key}:
            record = store.get(connection, schema.registry, str(filters[schema.primary_key]))
            return [] if record is None else [record]
        return store.find(connection, schema, filters=filters, limit=1)

    def _insert(self, connection: Connection, schema: RegistrySchema, record: dict[str, Any], reader: Reader) -> None:
        record_id = str(record[schema.primary_key])
        try:
            store.insert_record(connection, schema.registry, record_id, record)
        except store.DuplicateRecord:
            raise RecordExists(f"a {schema.registry} record with {schema.primary_key} {record_id} already exists") from None
        self._raise_events(connection, schema, "create", record, None, reader)

    def _update(
        self, connection: Connection, schema: RegistrySchema, current: dict[str, Any], write: dict[str, Any], reader: Reader
    ) -> dict[str, Any]:
        key = schema.primary_key
        if key in write and write[key] != current[key]:
            raise RecordInvalid([{"loc": ["write", "content", key], "msg": f"{key} cannot be changed", "type": "read_only"}])
        updated = {**current, **write}
        schema.validate(schema.project(updated), ("write", "content"))
        store.replace_record(connection, schema.registry, str(current[key]), updated)
        self._raise_events(connection, schema, "update", updated, current, reader)
        return updated

    def _raise_events(
        self, connection: Connection, schema: RegistrySchema, on: str, record: dict[str, Any],
        previous: dict[str, Any] | None, reader: Reader,
    ) -> None:
        declared = False
        for rule in schema.events:
            if rule.on != on:
                continue
            if rule.field and previous is not None and previous.get(rule.field) == record.get(rule.field):
                continue
            declared = True
            outbox.append(
                connection, event_type=rule.event_type, source=self.member_id,
                subject=str(record[schema.primary_key]), payload=rule.payload_for(record, previous),
            )
        if not declared:
            # Every change leaves a trace in the outbox, even one no subscriber listens for.
            outbox.append(
                connection, event_type=f"registry.{on}", source=self.member_id,
                subject=str(record[schema.primary_key]),
                payload={"registry": schema.registry, "recordId": str(record[schema.primary_key]), "client": reader.client},
            )

    def _read_by_key(self, reader: Reader, schema: RegistrySchema, key: Any, operation: str) -> dict[str, Any] | None:
        """One record by its primary key (or None), its read logged in the same transaction."""
        return self._key_reads.read(schema.registry, str(key), lambda record: _usage_entries(reader, schema, [record], operation))

    def _log_reads(self, connection: Connection, reader: Reader, schema: RegistrySchema, rows: list[dict[str, Any]], operation: str) -> None:
        entries = _usage_entries(reader, schema, rows, operation)
        if entries:
            connection.execute(_LOG_READ, entries)


def _usage_entries(reader: Reader, schema: RegistrySchema, rows: list[dict[str, Any]], operation: str) -> list[dict[str, Any]]:
    """The usage-log entries of a read: one per person each record concerns."""
    if not schema.person_fields or not rows:
        return []
    now = datetime.now(UTC)
    return [
        {
            "person_id": person, "registry": schema.registry, "record_id": str(row[schema.primary_key]),
            "operation": operation, "client": reader.client, "user_id": reader.user_id,
            "purpose": reader.purpose, "issue": reader.issue, "message_id": reader.message_id, "read_at": now,
        }
        for row in rows
        for person in schema.persons_in(row)
    ]


def _query_filters(schema: RegistrySchema, query: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(query, dict) or not query:
        raise RecordInvalid([{"loc": ["query", "content"], "msg": "give at least one field to match", "type": "missing"}])
    schema.validate_partial(query, ("query", "content"))
    return dict(query)


def _search(schema: RegistrySchema, term: str | None, field_name: str | None) -> store.Search | None:
    if term is None or term == "":
        if field_name:
            schema.check_field(field_name, ("query", "filter"))
        return None
    if len(term) > 200:
        raise RecordInvalid([{"loc": ["query", "search"], "msg": "search is longer than 200 characters", "type": "range"}])
    if field_name:
        schema.check_field(field_name, ("query", "filter"))
        if schema.field_type(field_name) != "string":
            raise RecordInvalid([{"loc": ["query", "filter"], "msg": f"{field_name} is not a text field", "type": "type_error"}])
        return store.Search(term, (field_name,))
    fields = tuple(n for n in schema.properties if schema.field_type(n) == "string")
    return store.Search(term, fields)


def _ordering(schema: RegistrySchema, ordering: str | None) -> tuple[str | None, bool]:
    if not ordering or ordering.lower() in ("ascending", "asc"):
        return None, False
    if ordering.lower() in ("descending", "desc"):
        return None, True
    descending = ordering.startswith("-")
    name = ordering.lstrip("-")
    schema.check_field(name, ("query", "ordering"))
    return name, descending
