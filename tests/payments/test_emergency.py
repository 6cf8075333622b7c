"""Emergency transfers: a program file, a filter over the registries, everyone eligible paid once."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, Callable, Sequence

import pytest

from tenfold.errors import InvalidInput
from tenfold.ids import isikukood
from tenfold.payments import emergency
from tenfold.payments.sources import Read
from tests.payments.world import World, iban

PROGRAM_FILE = """
id = "FLOOD-2026"
name = { en = "Flood relief", zh-Hant = "水災救助" }
amount = "150.00"
budget = "10000.00"
[eligibility]
min_age = 18
income_year = 2025
income_below = "9000.00"
as_of = "2026-03-01"
"""


def _code(n: int, born: date) -> str:
    return isikukood.generate(born, "F" if n % 2 else "M", n)


class Registries:
    """What POP and TAX would answer through the exchange."""

    def __init__(self) -> None:
        adult, child = date(1980, 5, 1), date(2015, 5, 1)
        self.persons = [(_code(n, child if n == 4 else adult), (child if n == 4 else adult).isoformat(),
                         "deceased" if n == 5 else "alive") for n in range(1, 9)]
        codes = [p[0] for p in self.persons]
        self.incomes = [(codes[0], 500_000, 2025), (codes[1], 800_000, 2025), (codes[1], 200_000, 2025), (codes[2], 1_000_000, 2025),
                        (codes[5], 2_000_000, 2024)]
        self.accounts = [(codes[n - 1], iban(n), True) for n in range(1, 8)] + [(codes[0], iban(21), False)]
        self.calls: list[tuple[str, str]] = []

    def fetch_all(self, reads: Sequence[Read], progress: Callable[[str, int, int], None] | None = None) -> list[list[tuple[Any, ...]]]:
        tables = {"persons": self.persons, "incomes": self.incomes, "accounts": self.accounts}
        self.calls += [(read.service, read.registry) for read in reads]
        return [[tuple(row[:len(read.fields)]) for row in tables[read.registry]] for read in reads]  # type: ignore[misc]


def test_the_filter_picks_adults_alive_below_the_income_threshold(tmp_path: Path) -> None:
    (tmp_path / "p.toml").write_text(PROGRAM_FILE)
    program = emergency.load_program(tmp_path / "p.toml")
    source = Registries()
    found = emergency.find_eligible(program, source)
    # 1: 5,000 EUR -> in; 2: 10,000 in total -> out; 3: 10,000 -> out; 4: a child; 5: deceased;
    # 6 (income in 2024 only), 7: no income in 2025 -> in; 8: no account -> eligible but unpayable
    assert [iban_ for _code, iban_ in found.eligible] == [iban(1), iban(6), iban(7)]
    assert (found.persons, found.without_account) == (8, 1)
    assert ("DEMO/GOV/TAX/registry/registry", "incomes") in source.calls


def test_an_emergency_run_pays_each_person_once_even_when_run_again(world: World, tmp_path: Path) -> None:
    (tmp_path / "p.toml").write_text(PROGRAM_FILE)
    program = emergency.load_program(tmp_path / "p.toml")
    found = emergency.find_eligible(program, Registries())
    secret = world.treasury.functional_id_secret()
    first = emergency.pay(world.treasury, program, found.eligible, secret)
    assert (first.registered, first.instructions) == (3, 3)
    world.settle()
    again = emergency.pay(world.treasury, program, found.eligible, secret)
    assert (again.registered, again.instructions, again.replayed) == (0, 0, 3)
    outcome = emergency.outcome(world.treasury, "FLOOD-2026")
    assert outcome == {"settled": {"count": 3, "cents": 45_000}}
    assert world.treasury.program("FLOOD-2026").available_cents == 1_000_000 - 45_000
    # the mapper holds pseudonyms, never personal codes
    assert all(len(p) == 20 and p.startswith("F") for p in world.treasury.lookup(world.treasury.settings.client, [
        emergency.mapper.pseudonym(secret, code) for code, _i in found.eligible]))
    assert world.treasury.check_ledger().ok


@pytest.mark.parametrize("text, problem", [
    ('id = "X"\nname = { en = "x", zh-Hant = "x" }\namount = "1.001"\nbudget = "5"', "more than two decimals"),
    ('id = "X"\nname = { en = "x", zh-Hant = "x" }\namount = "1"\nbudget = "5"\ncurrency = "USD"', "not supported"),
    ('id = "bad id"\nname = { en = "x", zh-Hant = "x" }\namount = "1"\nbudget = "5"', "id"),
    ('id = "X"\nname = { en = "x", zh-Hant = "x" }\namount = "1"\nbudget = "5"\n[eligibility]\nincome_year = 2025', "go together"),
    ('id = "X"\nname = { en = "x", zh-Hant = "x" }\namount = "1"\nbudget = "5"\nsurprise = 1', "surprise"),
    ("id = ", "not valid TOML"),
])
def test_a_bad_program_file_is_refused_with_where_and_why(tmp_path: Path, text: str, problem: str) -> None:
    (tmp_path / "p.toml").write_text(text)
    with pytest.raises(InvalidInput, match=problem):
        emergency.load_program(tmp_path / "p.toml")
    with pytest.raises(InvalidInput, match="cannot read"):
        emergency.load_program(tmp_path / "missing.toml")
