"""Fixtures of the life-events tests: SIB's service over a fresh database (SQLite, and
PostgreSQL for ``any_database_url``), and offers made from real decisions of the rules."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tenfold.ids import isikukood
from tenfold.lifeevents import LifeSettings, open_lifeevents, births, offers
from tenfold.lifeevents.service import LifeEvents
from tenfold.rules import Month
from tenfold.storage import make_engine

MOTHER = isikukood.generate(date(1992, 3, 4), "F", 21)
FATHER = isikukood.generate(date(1990, 7, 8), "M", 33)
SISTER = isikukood.generate(date(2021, 5, 6), "F", 45)
BABY = isikukood.generate(date(2026, 1, 10), "M", 57)
IBAN = "EE382200221020145685"


def open_life(url: str, directory: Path, **settings: Any) -> LifeEvents:
    # Nothing listens on port 9: these tests never reach the exchange.
    life = open_lifeevents(make_engine(url), LifeSettings(worker=False, mail_dir=directory / "mail", **settings),
                           gateway_url="http://127.0.0.1:9")
    life.clock.set(date(2026, 1, 12))
    return life


@pytest.fixture
def life(any_database_url: str, tmp_path: Path) -> LifeEvents:
    return open_life(any_database_url, tmp_path)


@pytest.fixture
def life_sqlite(sqlite_url: str, tmp_path: Path) -> LifeEvents:
    return open_life(sqlite_url, tmp_path)


def family_document(recipient: str = MOTHER) -> dict[str, Any]:
    facts = {"value": None, "source": "test"}
    child = lambda person, born: {  # noqa: E731
        "id": person, "role": "child", "birthdate": born, "recipient": {"value": recipient, "source": births.PROPOSED_SOURCE},
        "father_known": {**facts, "value": True}, "multiple_birth_size": {**facts, "value": 1}}
    return {"id": "H-1", "members": [
        {"id": MOTHER, "role": "parent", "birthdate": "1992-03-04"}, {"id": FATHER, "role": "parent", "birthdate": "1990-07-08"},
        child(SISTER, "2021-05-06"), child(BABY, "2026-01-10")]}


def make_offer(life: LifeEvents, deadline: date = date(2026, 7, 9), iban: str | None = IBAN) -> str:
    """A birth offer as the journey stores it: the family's decision, the items, the notification."""
    evaluation = births.decide(family_document(), Month(2026, 1))
    with life.engine.begin() as connection:
        ids = offers.store_decisions(connection, "birth", BABY, evaluation, [{"fact": "test", "message_id": "DEMO-1"}], None)
        decision = next(d for d in evaluation.decisions if d.program == "family_benefits")
        draft = offers.Draft(journey="birth", subject=BABY, program="family_benefits", addressee=MOTHER, recipient=MOTHER,
                             recipient_options=[MOTHER, FATHER],
                             iban_options=[{"person": MOTHER, "iban": IBAN, "primary": True}] if iban else [],
                             iban=iban, deadline=deadline, contact="mother@example.com", facts=[])
        draft.items = offers.items_of(decision, offers.covered(connection, [MOTHER, FATHER, SISTER, BABY]))
        return life.journeys.store_offer(connection, draft, ids["family_benefits"], "birth_offer")


@pytest.fixture(scope="session")
def world():  # type: ignore[no-untyped-def]
    """The running country of the journey tests (started once for the session). Its directory is
    its own, not pytest's numbered base directory, which concurrent sessions prune."""
    import shutil
    import tempfile

    from tests.lifeevents.country import World

    directory = Path(tempfile.mkdtemp(prefix="tenfold-life-country-"))
    running = World.start(directory)
    yield running
    running.stop()
    shutil.rmtree(directory, ignore_errors=True)
