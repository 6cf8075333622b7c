"""PostgreSQL restarts (pg_ctl restart -m fast of the country's own server) while births are
registered and residents read through the exchange: every birth still ends with exactly one
offer, every confirmation made after it is paid once, every read that was answered is in both
gateways' message logs, and the logs verify."""

from __future__ import annotations

import itertools
import threading

import pytest

from tests.faults.country import (TODAY, Postgres, assert_logs_verify, assert_one_offer_per_birth, assert_paid_once_each, confirm,
                                  logged_ids, mothers, read_offers, register_birth)
from tests.lifeevents.country import World, until

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
READS = itertools.count()


def test_a_postgresql_restart_under_load_loses_nothing_and_doubles_nothing(faults_country: World, faults_postgres: Postgres) -> None:
    world = faults_country
    world.set_day(TODAY)
    pool = [m["ID"] for m in mothers(world)[50:60]]
    answered: list[str] = []
    stop = threading.Event()

    def reads() -> None:
        while not stop.is_set():
            message_id = f"DEMO-faults-pg-{next(READS)}"
            try:
                if read_offers(world, pool[0], message_id).status_code == 200:
                    answered.append(message_id)
            except Exception:  # noqa: BLE001 - refused or cut while the database is away
                pass

    reader = threading.Thread(target=reads, daemon=True)
    reader.start()
    restart = threading.Thread(target=faults_postgres.restart)
    started = faults_postgres.started_at()
    children = []
    try:
        for n, mother in enumerate(pool):
            if n == 3:
                restart.start()
            children.append(register_birth(world, mother))
        restart.join(120)
        assert faults_postgres.started_at() > started, "PostgreSQL was not restarted"
        count = len(answered)
        until(lambda: len(answered) > count + 5, 60, "reads are answered again")
    finally:
        stop.set()
        reader.join(60)
    assert_one_offer_per_birth(world, children)
    offer_ids = [confirm(world, child, mother) for child, mother in zip(children[:4], pool)]
    assert_paid_once_each(world, offer_ids)
    for code in ("PORTAL", "SIB"):
        logged = logged_ids(world, code)
        missing = [m for m in answered if logged.get(m) != {"request", "response"}]
        assert not missing, f"{code}'s log lost {len(missing)} answered messages, e.g. {missing[:3]}"
    assert_logs_verify(world, ("POP", "SIB", "PORTAL", "TRE"))
