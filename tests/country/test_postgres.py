"""The same generator on PostgreSQL: one database per member (and one for the simulator),
through the URL template, loaded with COPY."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tenfold.country import GenerationRequest, generate, summary
from tenfold.settings import Settings

from tests.country.conftest import MEMBERS, content_hash, records_of, settings_in


@pytest.fixture
def postgres_template(postgres_server_url: str) -> Iterator[str]:
    """A URL template whose member databases exist for this test only."""
    prefix = f"tenfold_country_{uuid.uuid4().hex[:8]}"
    admin = create_engine(postgres_server_url, isolation_level="AUTOCOMMIT")
    names = [f"{prefix}_{member.lower()}" for member in (*MEMBERS, "COUNTRY")]
    with admin.connect() as connection:
        for name in names:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        server = make_url(postgres_server_url).set(database="").render_as_string(hide_password=False).rstrip("/")
        yield f"{server}/{prefix}_{{member}}"
    finally:
        with admin.connect() as connection:
            for name in names:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.mark.postgres
def test_a_small_country_on_postgresql_equals_the_one_on_sqlite(postgres_template: str, tmp_path: Path) -> None:
    settings = Settings(var_dir=tmp_path / "unused", database_url_template=postgres_template)
    request = GenerationRequest(persons=1500, seed=21)
    outcome = generate(settings, request, workers=2)
    assert outcome.generated and not (tmp_path / "unused" / "pop.sqlite").exists()
    assert summary(settings)[1] == outcome.figures
    assert not generate(settings, request).generated
    regenerated = generate(settings, request, force=True)  # truncates, reloads, re-indexes
    assert regenerated.figures == outcome.figures
    on_sqlite = settings_in(tmp_path / "sqlite")
    generate(on_sqlite, request)
    assert content_hash(settings) == content_hash(on_sqlite)
    assert records_of(settings, "POP", "persons")[:5] == records_of(on_sqlite, "POP", "persons")[:5]
