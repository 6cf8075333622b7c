"""kill -9 of a member's gateway, application or worker while births and confirmations flow, on
PostgreSQL: the supervisor starts each again, and nothing is lost or done twice. SIB's worker
runs inside its benefits application and the treasury's dispatcher inside the payments
application, so killing those kills the workers mid-step."""

from __future__ import annotations

import os
import signal

import pytest

from tests.faults.country import (TODAY, assert_logs_verify, assert_one_offer_per_birth, assert_paid_once_each, confirm, mothers, pid,
                                  register_birth, restarted)
from tests.lifeevents.country import World

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
BIRTH_KILLS = {2: ("POP", "gateway"), 5: ("SIB", "lifeevents"), 8: ("SIB", "gateway")}
CONFIRMATION_KILLS = {1: ("TRE", "payments"), 4: ("SIB", "lifeevents"), 7: ("TRE", "gateway")}


def _kill(world: World, code: str, process: str) -> tuple[str, str, int]:
    old = pid(world, code, process)
    os.kill(old, signal.SIGKILL)
    return code, process, old


def test_kill_9_mid_stream_loses_no_birth_and_pays_no_offer_twice(faults_country: World) -> None:
    world = faults_country
    world.set_day(TODAY)
    pool = [m["ID"] for m in mothers(world)[:10]]
    killed, children = [], []
    for n, mother in enumerate(pool):
        if n in BIRTH_KILLS:
            killed.append(_kill(world, *BIRTH_KILLS[n]))
        children.append(register_birth(world, mother))
    for code, process, old in killed:
        restarted(world, code, process, old)
    assert_one_offer_per_birth(world, children)

    killed, offer_ids = [], []
    for n, (child, mother) in enumerate(zip(children, pool)):
        if n in CONFIRMATION_KILLS:
            killed.append(_kill(world, *CONFIRMATION_KILLS[n]))
        offer_ids.append(confirm(world, child, mother))
    for code, process, old in killed:
        restarted(world, code, process, old)
    assert_paid_once_each(world, offer_ids)
    assert_one_offer_per_birth(world, children)
    assert_logs_verify(world, ("POP", "SIB", "TRE", "PORTAL"))
