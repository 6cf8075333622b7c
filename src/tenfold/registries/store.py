"""SQL adapter for registry records: one table, JSON documents, partial expression indexes.

Every function takes a connection, so the service layer decides the transaction. Registry and
field names are checked against the definitions before they reach here and are the only
values written into SQL text; every user value is a bound parameter.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Callable, Iterable, Sequence

import orjson
from sqlalchemy import Connection, ColumnElement, Engine, and_, bindparam, delete, func, insert, literal_column, or_, select, text, update
from sqlalchemy.exc import IntegrityError

from tenfold.registries.schema import RegistrySchema
from tenfold.registries.tables import records
from tenfold.storage import is_sqlite
from tenfold.storage.writelock import begin_immediate_briefly

SQLITE_TIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f"


class DuplicateRecord(Exception):
    """A record with this primary key already exists."""


@dataclass(frozen=True)
class Search:
    term: str
    fields: tuple[str, ...]


def _field_sql(dialect: str, name: str, kind: str) -> str:
    if dialect == "sqlite":
        return f"json_extract(data, '$.{name}')"
    cast = {"integer": "::bigint", "number": "::numeric", "boolean": "::boolean"}.get(kind, "")
    return f"((data->>'{name}'){cast})" if cast else f"(data->>'{name}')"


def field(connection: Connection, schema: RegistrySchema, name: str) -> ColumnElement[Any]:
    """The SQL expression of a field, identical to the one its index is built on."""
    if name == schema.primary_key:
        return records.c.record_id
    return literal_column(_field_sql(connection.dialect.name, name, schema.field_type(name)))


def _in_registry(schema: RegistrySchema) -> ColumnElement[bool]:
    # A literal (not a bound parameter) so that the planner can use the partial indexes.
    return records.c.registry == bindparam("registry_name", schema.registry, literal_execute=True)


def _where(
    connection: Connection, schema: RegistrySchema, filters: dict[str, Any], search: Search | None
) -> ColumnElement[bool]:
    clauses = [_in_registry(schema)]
    for name, value in filters.items():
        expression = field(connection, schema, name)
        if value is None:
            clauses.append(expression.is_(None))
        else:
            clauses.append(expression == bindparam(None, value))
    if search is not None:
        pattern = "%" + search.term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        likes = []
        for name in search.fields:
            expression = field(connection, schema, name)
            if connection.dialect.name == "sqlite":
                likes.append(expression.like(pattern, escape="\\"))
            else:
                likes.append(expression.ilike(pattern, escape="\\"))
        clauses.append(or_(*likes))
    return and_(*clauses)


# Built once: the hottest read, by primary key, skips building a statement per call.
_BY_KEY = select(records.c.data).where(
    records.c.registry == bindparam("registry"), records.c.record_id == bindparam("record_id")
)


def get(connection: Connection, registry: str, record_id: str) -> dict[str, Any] | None:
    row = connection.execute(_BY_KEY, {"registry": registry, "record_id": record_id}).first()
    return None if row is None else row[0]


def find(
    connection: Connection,
    schema: RegistrySchema,
    *,
    filters: dict[str, Any] | None = None,
    search: Search | None = None,
    order_by: str | None = None,
    descending: bool = False,
    offset: int = 0,
    limit: int = 20,
) -> list[dict[str, Any]]:
    filters = filters or {}
    where = _where(connection, schema, filters, search)
    order = field(connection, schema, order_by or schema.primary_key)
    if (
        connection.dialect.name == "sqlite"
        and order_by is None
        and any(name in schema.indexed and name != schema.primary_key for name in filters)
    ):
        # Otherwise SQLite walks the primary key to avoid a sort, scanning the whole registry,
        # instead of using the selective partial index of the filter (a unary + hides the
        # column from the planner's ordering choice).
        order = literal_column("+registry_records.record_id")
    order = order.desc() if descending else order.asc()
    query = select(records.c.data).where(where).order_by(order, records.c.record_id).offset(offset).limit(limit)
    return [row[0] for row in connection.execute(query)]


def count(connection: Connection, schema: RegistrySchema, *, filters: dict[str, Any] | None = None, search: Search | None = None) -> int:
    where = _where(connection, schema, filters or {}, search)
    return int(connection.execute(select(func.count()).select_from(records).where(where)).scalar_one())


def insert_record(connection: Connection, registry: str, record_id: str, data: dict[str, Any]) -> None:
    now = datetime.now(UTC)
    try:
        with connection.begin_nested():
            connection.execute(
                insert(records).values(registry=registry, record_id=record_id, data=data, created_at=now, updated_at=now)
            )
    except IntegrityError:
        raise DuplicateRecord(record_id) from None


def replace_record(connection: Connection, registry: str, record_id: str, data: dict[str, Any]) -> None:
    connection.execute(
        update(records)
        .where(records.c.registry == registry, records.c.record_id == record_id)
        .values(data=data, updated_at=datetime.now(UTC))
    )


def delete_record(connection: Connection, registry: str, record_id: str) -> bool:
    result = connection.execute(delete(records).where(records.c.registry == registry, records.c.record_id == record_id))
    return result.rowcount > 0


def index_name(registry: str, name: str) -> str:
    return f"ix_rr_{registry.replace('-', '_')}_{name}"


def _index_names(engine: Engine) -> set[str]:
    # Not SQLAlchemy's inspector: on SQLite it skips expression indexes, which these all are.
    if engine.dialect.name == "sqlite":
        query = "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'registry_records'"
    else:
        query = "SELECT indexname FROM pg_indexes WHERE tablename = 'registry_records'"
    with engine.connect() as connection:
        # PostgreSQL folds unquoted names to lower case, so compare them in lower case.
        return {row[0].lower() for row in connection.execute(text(query))}


def ensure_indexes(engine: Engine, schemas: Sequence[RegistrySchema]) -> list[str]:
    """Create the missing partial expression index of every indexed field; returns their names.

    Indexes live outside Alembic because registry definitions, not migrations, declare them;
    creating them after a bulk load is also much faster than maintaining them during it.
    When any index is created the table is analysed, so the planner knows its selectivity.
    """
    dialect = engine.dialect.name
    existing = _index_names(engine)
    created = []
    with engine.begin() as connection:
        for schema in schemas:
            for name in schema.indexed:
                index = index_name(schema.registry, name)
                if name == schema.primary_key or index.lower() in existing or index in created:
                    continue
                expression = _field_sql(dialect, name, schema.field_type(name))
                if dialect != "sqlite":
                    expression = f"({expression})"
                connection.execute(
                    text(f"CREATE INDEX IF NOT EXISTS {index} ON registry_records ({expression}) WHERE registry = '{schema.registry}'")
                )
                created.append(index)
        if created:
            connection.execute(text("ANALYZE" if dialect == "sqlite" else "ANALYZE registry_records"))
    return created


def bulk_load(engine: Engine, registry: str, rows: Iterable[tuple[str, dict[str, Any] | bytes]]) -> int:
    """Insert many new records fast (the synthetic country): no outbox, no usage log.

    ``rows`` are (record id, record) pairs; a record may already be serialised JSON bytes.
    """
    now = datetime.now(UTC)
    raw = engine.raw_connection()
    try:
        if is_sqlite(engine):
            stamp = now.strftime(SQLITE_TIME_FORMAT)
            payload = (
                (registry, record_id, (data if isinstance(data, bytes) else orjson.dumps(data)).decode(), stamp, stamp)
                for record_id, data in rows
            )
            cursor = raw.cursor()
            cursor.executemany(
                "INSERT INTO registry_records (registry, record_id, data, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
                payload,
            )
            written = cursor.rowcount
            raw.commit()
            return int(written)
        return _copy_postgres(raw, registry, rows, now)
    finally:
        raw.close()


def _copy_postgres(raw: Any, registry: str, rows: Iterable[tuple[str, dict[str, Any] | bytes]], now: datetime) -> int:
    stamp = now.isoformat()
    written = 0
    cursor = raw.cursor()
    with cursor.copy("COPY registry_records (registry, record_id, data, created_at, updated_at) FROM STDIN") as copy:
        buffer = io.StringIO()
        for record_id, data in rows:
            document = (data if isinstance(data, bytes) else orjson.dumps(data)).decode()
            escaped = document.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
            buffer.write(f"{registry}\t{record_id}\t{escaped}\t{stamp}\t{stamp}\n")
            written += 1
            if written % 10000 == 0:
                copy.write(buffer.getvalue())
                buffer = io.StringIO()
        copy.write(buffer.getvalue())
    raw.commit()
    return written


_USAGE_COLUMNS = ("person_id", "registry", "record_id", "operation", "client", "user_id", "purpose", "issue", "message_id", "read_at")


class KeyReads:
    """The hottest read, one record by its primary key with the usage-log entries it leaves, in
    one transaction straight through the DB-API driver: building, compiling and running two
    statements through SQLAlchemy per read costs several times more than the database's own
    work. The driver sees the same calls as through SQLAlchemy (the select, the insert, commit;
    rollback on any error), so the transaction is the same one on either backend."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.sqlite = is_sqlite(engine)
        marker = "?" if engine.dialect.paramstyle == "qmark" else "%s"
        self.select = f"SELECT data FROM registry_records WHERE registry = {marker} AND record_id = {marker}"
        self.insert = (f"INSERT INTO personal_data_usage ({', '.join(_USAGE_COLUMNS)}) "
                       f"VALUES ({', '.join([marker] * len(_USAGE_COLUMNS))})")

    def read(self, registry: str, record_id: str, usage_of: Callable[[dict[str, Any]], list[dict[str, Any]]]) -> dict[str, Any] | None:
        """The record (or None) after its usage entries (``usage_of(record)``) are committed."""
        raw = self.engine.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute(self.select, (registry, record_id))
            row = cursor.fetchone()
            record = None if row is None else _document(row[0])
            entries = usage_of(record) if record is not None else []
            if entries:
                if self.sqlite:  # the gateway's log commits in the same file: wait for it in short steps
                    begin_immediate_briefly(cursor)
                cursor.executemany(self.insert, [self._usage_row(entry) for entry in entries])
            cursor.close()
            raw.commit()
        except BaseException:
            try:
                raw.rollback()
            finally:
                raw.close()
            raise
        raw.close()
        return record

    def _usage_row(self, entry: dict[str, Any]) -> tuple[Any, ...]:
        values = [entry[c] for c in _USAGE_COLUMNS]
        at = values[-1].astimezone(UTC)
        values[-1] = at.replace(tzinfo=None).isoformat(" ", "microseconds") if self.sqlite else at  # as SQLITE_TIME_FORMAT
        return tuple(values)


def _document(value: Any) -> dict[str, Any]:
    # SQLite hands back JSON text; psycopg has already parsed JSONB.
    if isinstance(value, (str, bytes)):
        result: dict[str, Any] = orjson.loads(value)
        return result
    return value  # type: ignore[no-any-return]
