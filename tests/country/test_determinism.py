"""The same request gives the same country, byte for byte; another seed gives another."""

from datetime import date
from pathlib import Path

from tenfold.country import GenerationRequest, generate
from tenfold.country.generator import generate_country

from tests.country.conftest import content_hash, settings_in


def test_the_same_seed_writes_identical_databases_and_another_seed_does_not(tmp_path: Path) -> None:
    hashes = {}
    for name, seed, workers in (("a", 7, 1), ("b", 7, 2), ("c", 8, 2)):
        settings = settings_in(tmp_path / name)
        generate(settings, GenerationRequest(persons=2000, seed=seed), workers=workers)
        hashes[name] = content_hash(settings)
    assert hashes["a"] == hashes["b"]
    assert hashes["a"] != hashes["c"]


def test_generation_does_not_depend_on_anything_but_the_request() -> None:
    first = generate_country(GenerationRequest(persons=1500, seed=3))
    second = generate_country(GenerationRequest(persons=1500, seed=3))
    assert (first.people.code == second.people.code).all()
    assert (first.accounts.iban == second.accounts.iban).all()
    assert (first.schedule.birth_code == second.schedule.birth_code).all()
    other = generate_country(GenerationRequest(persons=1500, seed=3, as_of=date(2030, 1, 1)))
    assert not (first.people.code == other.people.code).all()
