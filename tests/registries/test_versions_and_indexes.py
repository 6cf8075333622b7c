"""Registry definitions are versioned, and filters use the partial indexes they declare."""

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy.dialects import sqlite

from tenfold.registries import Reader, RecordInvalid, open_service, store
from tenfold.registries.schema import SCHEMA_DIR, Catalogue
from tenfold.storage import make_engine

from .conftest import MOTHER, POP_REGISTRIES, person

READER = Reader(client="DEMO/GOV/SIB/benefits")


@pytest.fixture
def two_versions(tmp_path: Path) -> Catalogue:
    """A catalogue where persons 1.1 adds a field that 1.0 does not know."""
    directory = tmp_path / "schemas"
    shutil.copytree(SCHEMA_DIR, directory)
    newer = json.loads((directory / "persons" / "1.0.json").read_text())
    newer["version"] = "1.1"
    newer["schema"]["properties"]["preferredLanguage"] = {"type": "string", "enum": ["et", "en", "ru"]}
    (directory / "persons" / "1.1.json").write_text(json.dumps(newer))
    return Catalogue(directory)


def test_each_version_shows_only_its_own_fields(sqlite_url: str, two_versions: Catalogue) -> None:
    pop = open_service(make_engine(sqlite_url), "DEMO/GOV/POP", POP_REGISTRIES, two_versions)
    pop.create(READER, "persons", "1.1", person(MOTHER, preferredLanguage="et"))
    assert pop.read(READER, "persons", "1.1", {"ID": MOTHER})["preferredLanguage"] == "et"
    assert "preferredLanguage" not in pop.read(READER, "persons", "1.0", {"ID": MOTHER})
    # An update through the older version keeps what only the newer version knows.
    pop.update(READER, "persons", "1.0", {"ID": MOTHER}, {"lastName": "Kask"})
    assert pop.read(READER, "persons", "1.1", {"ID": MOTHER})["preferredLanguage"] == "et"
    with pytest.raises(RecordInvalid, match="preferredLanguage"):
        pop.update(READER, "persons", "1.0", {"ID": MOTHER}, {"preferredLanguage": "en"})
    assert two_versions.versions("persons") == ["1.0", "1.1"]


def test_a_filter_on_an_indexed_field_uses_its_partial_index(sqlite_url: str) -> None:
    from sqlalchemy import event

    pop = open_service(make_engine(sqlite_url), "DEMO/GOV/POP", POP_REGISTRIES)
    schema = pop.schema("persons", "1.0")
    executed: list[tuple[str, tuple]] = []

    def capture(_conn, _cursor, statement, parameters, _context, _many):  # type: ignore[no-untyped-def]
        executed.append((statement, parameters))

    event.listen(pop.engine, "before_cursor_execute", capture)
    with pop.engine.connect() as connection:
        store.find(connection, schema, filters={"householdId": "H-1"})
        statement, parameters = executed[-1]
        plan = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
    # The registry name is written into the SQL (not bound), so SQLite can match the index's WHERE.
    assert "registry = 'persons'" in statement
    assert any("ix_rr_persons_householdId" in str(row) for row in plan), plan


def test_indexes_are_made_once_and_a_restart_finds_them(any_database_url: str) -> None:
    engine = make_engine(any_database_url)
    first = open_service(engine, "DEMO/GOV/POP", POP_REGISTRIES)
    schemas = first.schemas()
    assert store.ensure_indexes(engine, schemas) == []
    again = open_service(make_engine(any_database_url), "DEMO/GOV/POP", POP_REGISTRIES)
    assert store.ensure_indexes(again.engine, schemas) == []
    assert "ix_rr_persons_householdid" in store._index_names(engine)
