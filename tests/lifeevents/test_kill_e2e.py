"""Kill SIB with SIGKILL in the middle of a burst of births, twice; the supervisor starts it
again. Every birth still ends with exactly one offer, and no event is left unhandled: the room
keeps pushing what SIB did not take, and SIB's own queue carries on from its database."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tenfold.lifeevents.tables import life_events, offers
from tests.lifeevents.country import World, until
from tests.lifeevents.journeys import mothers, register_birth

pytestmark = pytest.mark.slow
BIRTHS = 24


def _sib_pid(world: World) -> int | None:
    """The running SIB application of this country (found by its command line and var dir)."""
    var = world.env["TENFOLD_VAR_DIR"]
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().split(b"\0")
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        if b"lifeevents" in command and b"--app" in command and f"TENFOLD_VAR_DIR={var}".encode() in environ:
            return int(entry.name)
    return None


def test_killing_sib_during_a_burst_of_births_leaves_exactly_one_offer_per_birth(world: World) -> None:
    world.set_day("2026-03-03")
    pool = [m["ID"] for m in mothers(world)[40:40 + BIRTHS]]
    children: list[str] = []
    killed: list[int] = []

    def kill_when(count: int) -> None:
        until(lambda: len(children) >= count, 120, "the burst reaches the kill point")
        pid = until(lambda: _sib_pid(world), 60, "SIB runs")
        os.kill(pid, signal.SIGKILL)
        killed.append(pid)

    killers = [threading.Thread(target=kill_when, args=(n,)) for n in (6, 15)]
    for killer in killers:
        killer.start()
    for mother in pool:
        children.append(register_birth(world, mother))
        time.sleep(0.05)
        if len(children) == 10:   # the second kill waits for SIB to be back, so that it lands in a new process
            until(lambda: _sib_pid(world) not in (None, *killed), 120, "SIB is started again")
    for killer in killers:
        killer.join()
    assert len(killed) == 2 and killed[0] != killed[1]
    engine = world.engine("SIB")

    def every_birth_has_its_offer() -> bool:
        with engine.connect() as connection:
            found = connection.execute(select(offers.c.subject, func.count()).where(
                offers.c.subject.in_(children), offers.c.program == "family_benefits").group_by(offers.c.subject)).all()
        return len(found) == len(children)

    until(every_birth_has_its_offer, 180, "every birth has its offer")
    with engine.connect() as connection:
        counts = dict(connection.execute(select(offers.c.subject, func.count()).where(
            offers.c.subject.in_(children), offers.c.program == "family_benefits").group_by(offers.c.subject)).all())
        states = connection.execute(select(life_events.c.state, func.count()).where(
            life_events.c.subject.in_(children)).group_by(life_events.c.state)).all()
    assert set(counts) == set(children) and set(counts.values()) == {1}
    assert dict(states).keys() <= {"processed", "received", "processing"} and dict(states).get("error") is None
