"""CENTRAL stops answering (SIGSTOP: a hung host, which the supervisor does not restart) while the
country works on PostgreSQL: the gateways keep serving on their cached global configuration until
it expires, then refuse with X-Road's OutdatedGlobalConf, and serve again once CENTRAL is back.
Births registered meanwhile wait in POP's room and each still ends with exactly one offer."""

from __future__ import annotations

import os
import signal
import time

import pytest

from tests.faults.country import (FAST, TODAY, assert_logs_verify, assert_one_offer_per_birth, central_pid, mothers, read_offers,
                                  register_birth)
from tests.lifeevents.country import World, until

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
EXPIRY = float(FAST["TENFOLD_EXCHANGE_CONF_EXPIRY_SECONDS"])
REFRESH = float(FAST["TENFOLD_EXCHANGE_CONF_REFRESH_SECONDS"])


def _outdated(answer) -> bool:  # type: ignore[no-untyped-def]
    return answer.status_code == 503 and answer.headers.get("X-Road-Error", "").endswith(".OutdatedGlobalConf")


def test_without_central_gateways_serve_until_the_configuration_expires_then_refuse_then_recover(faults_country: World) -> None:
    world = faults_country
    world.set_day(TODAY)
    pool = [m["ID"] for m in mothers(world)[40:46]]
    reader = pool[0]
    assert read_offers(world, reader).status_code == 200
    central = central_pid(world)
    os.kill(central, signal.SIGSTOP)
    stopped = time.monotonic()
    try:
        children = [register_birth(world, mother) for mother in pool[:3]]
        answers = []
        while not answers or not _outdated(answers[-1][1]):
            answers.append((time.monotonic() - stopped, read_offers(world, reader)))
            assert answers[-1][0] < EXPIRY + 30, "the configuration never expired"
            time.sleep(0.3)
        refused_after, refused = answers[-1]
        served = [(moment, answer.status_code) for moment, answer in answers[:-1]]
        assert all(status == 200 for _moment, status in served), served
        assert refused_after >= EXPIRY - 2 * REFRESH - 2, f"refused {refused_after:.1f} s after CENTRAL stopped"
        assert refused.json().get("type", "").endswith("OutdatedGlobalConf") or "expired" in refused.text
        children += [register_birth(world, mother) for mother in pool[3:]]   # taken by POP; the room waits
    finally:
        os.kill(central, signal.SIGCONT)
    until(lambda: read_offers(world, reader).status_code == 200, 60, "the gateways serve again")
    assert_one_offer_per_birth(world, children)
    assert_logs_verify(world, ("POP", "SIB", "PORTAL"))
