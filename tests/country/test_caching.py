"""A country is generated once per request: again is a no-op, --force regenerates, and a
different country is only replaced when forced."""

from pathlib import Path

import pytest

from tenfold.country import CountryExists, GenerationRequest, generate, summary
from tenfold.country.store import open_engine

from tests.country.conftest import content_hash, records_of, settings_in


def test_the_same_request_again_does_nothing_and_force_regenerates(tmp_path: Path) -> None:
    settings = settings_in(tmp_path)
    request = GenerationRequest(persons=1200, seed=4)
    first = generate(settings, request)
    pop = tmp_path / "pop.sqlite"
    before = pop.stat().st_mtime_ns
    again = generate(settings, request)
    assert first.generated and not again.generated
    assert again.figures == first.figures and pop.stat().st_mtime_ns == before
    digest = content_hash(settings)
    forced = generate(settings, request, force=True)
    assert forced.generated and content_hash(settings) == digest


def test_a_different_country_is_replaced_only_with_force(tmp_path: Path) -> None:
    settings = settings_in(tmp_path)
    generate(settings, GenerationRequest(persons=1000, seed=1))
    with pytest.raises(CountryExists, match="--force"):
        generate(settings, GenerationRequest(persons=1000, seed=2))
    replaced = generate(settings, GenerationRequest(persons=900, seed=2), force=True)
    assert replaced.generated
    assert len(records_of(settings, "POP", "persons")) == 900
    metadata, figures = summary(settings)
    assert (metadata.seed, metadata.persons) == (2, 900) and figures == replaced.figures


def test_records_without_a_complete_country_are_not_overwritten_silently(tmp_path: Path) -> None:
    settings = settings_in(tmp_path)
    generate(settings, GenerationRequest(persons=800, seed=1))
    engine = open_engine(settings)
    with engine.begin() as connection:
        from tenfold.country.store import forget

        forget(connection)  # as if a generation had been interrupted
    engine.dispose()
    with pytest.raises(CountryExists, match="interrupted"):
        generate(settings, GenerationRequest(persons=800, seed=1))
    assert generate(settings, GenerationRequest(persons=800, seed=1), force=True).generated


def test_the_summary_counted_in_the_databases_matches_the_generated_figures(written) -> None:
    settings, outcome = written
    metadata, figures = summary(settings)
    assert figures == outcome.figures
    assert figures["persons"] == metadata.persons == 3000
    assert sum(outcome.counts["POP"].values()) == sum(figures[k] for k in (
        "persons", "addresses", "relations_parent_of", "relations_spouse_of", "births", "deaths"))


def test_a_failing_member_writer_fails_the_generation_and_leaves_no_complete_country(tmp_path: Path, monkeypatch) -> None:
    from tenfold.errors import TenfoldError

    settings = settings_in(tmp_path)
    monkeypatch.setenv("TENFOLD_DATABASE_URL_TAX", "sqlite:////proc/no-such-place/tax.sqlite")
    with pytest.raises(TenfoldError, match="TAX"):
        generate(settings, GenerationRequest(persons=600, seed=1), workers=2)
    engine = open_engine(settings)
    with engine.connect() as connection:
        from tenfold.country.store import read_metadata

        assert read_metadata(connection) is None
    engine.dispose()
