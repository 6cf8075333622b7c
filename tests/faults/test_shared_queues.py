"""Two worker processes on one PostgreSQL database share each queue without doubles: SIB's work
queue, its notifications (each process with its own mail spool, as on two hosts), a gateway's PUSH
deliveries and a member's outbox. Every item is taken once, by one of them."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tenfold.exchange import pubsub
from tenfold.exchange.store import migrate as migrate_exchange
from tenfold.lifeevents.tables import notifications
from tenfold.storage import make_engine, outbox
from tests.lifeevents.conftest import open_life
from tests.lifeevents.country import ROOT, until

pytestmark = pytest.mark.postgres
ITEMS = 60
ROOM = pubsub.Room("DEMO/GOV/POP/vital-events", frozenset({("DEMO/GOV/SIB/benefits", "death"), ("DEMO/GOV/TAX/taxation", "death")}))
DEATH = {"deathId": "D-1", "personId": "36102030075", "deathDate": "2026-02-01", "place": "Tartu"}


def _fill(kind: str, url: str, directory: Path) -> None:
    if kind in ("life_events", "notifications"):
        life = open_life(url, directory)
        with life.engine.begin() as connection:
            for n in range(ITEMS):
                if kind == "life_events":
                    life.receive("DEMO/GOV/POP/vital-events", f"ev-{n}", "death", {**DEATH, "deathId": f"D-{n}"}, {}, None, None)
                else:
                    connection.execute(notifications.insert().values(
                        person="49005170125", channel="email", address="mother@example.com", template="automatic_payment",
                        params={"program": "family_benefits", "total_cents": 1000}, state="pending", attempts=0,
                        created_at=datetime.now(UTC)))
        life.engine.dispose()
        return
    engine = make_engine(url)
    migrate_exchange(engine)
    if kind == "deliveries":
        with engine.begin() as connection:
            pubsub.ensure_event_type(connection, ROOM.id, "death", {"type": "object"})
            for subscriber in ("DEMO/GOV/SIB/benefits", "DEMO/GOV/TAX/taxation"):
                pubsub.ensure_subscription(connection, ROOM.id, "death", subscriber, "PUSH")
        with engine.begin() as connection:
            for n in range(ITEMS // 2):
                pubsub.publish_in(connection, ROOM.id, "death", "DEMO/GOV/POP/registry", {**DEATH, "deathId": f"D-{n}"})
    else:
        with engine.begin() as connection:
            for n in range(ITEMS):
                outbox.append(connection, event_type="death", source="DEMO/GOV/POP", payload={**DEATH, "deathId": f"D-{n}"})
    engine.dispose()


@pytest.mark.parametrize("kind", ["life_events", "notifications", "deliveries", "outbox"])
def test_two_processes_share_a_queue_without_doubles(kind: str, postgres_url: str, tmp_path: Path) -> None:
    _fill(kind, postgres_url, tmp_path)
    spools = [tmp_path / f"worker-{n}" for n in (1, 2)]
    workers = []
    for spool in spools:
        spool.mkdir()
        workers.append(subprocess.Popen([sys.executable, "-m", "tests.faults.queue_worker", kind, postgres_url, str(spool)], cwd=ROOT))
    until(lambda: all((spool / "ready").exists() for spool in spools), 120, "both workers are ready")
    (tmp_path / "go").touch()
    for worker in workers:
        assert worker.wait(timeout=120) == 0
    if kind == "notifications":
        taken = [sorted(p.name for p in spool.glob("*.eml")) for spool in spools]
    else:
        taken = [json.loads((spool / "taken.json").read_text()) for spool in spools]
    both = set(taken[0]) & set(taken[1])
    assert not both, f"{len(both)} {kind} taken by both processes"
    assert len(taken[0]) + len(taken[1]) == ITEMS and taken[0] and taken[1], [len(t) for t in taken]
