"""A country on PostgreSQL for the fault tests: a PostgreSQL server of its own (started from
scripts/dev-postgres.sh on a free port, so that a test may restart it; never the shared
development server nor CI's), one database per member through TENFOLD_DATABASE_URL_TEMPLATE,
and ``tenfold serve`` over the journeys' reduced topology (tests/lifeevents/country.py).

The helpers here drive births and confirmations into it and check the invariants every fault
test ends with: every birth has exactly one offer, every confirmed offer exactly one payment at
the treasury that settled or was explained, the books balance, and the message logs verify."""

from __future__ import annotations

import itertools
import os
import subprocess
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Iterable

import httpx
import orjson
from sqlalchemy import create_engine, func, select, text

from tenfold.exchange.logverify import verify_log
from tenfold.exchange.pki import Anchor, PkiDirectory
from tenfold.exchange.ports import free_base
from tenfold.ids import isikukood
from tenfold.lifeevents.tables import enrolments, life_events, offers
from tenfold.lifeevents.tables import payment_instructions as sib_instructions
from tenfold.payments import books
from tenfold.payments.models import FINAL, SETTLED
from tenfold.payments.tables import payment_instructions as tre_instructions
from tenfold.topology import load
from tests.lifeevents.country import ROOT, World, reduced_topology, until

BORN = "2026-03-02"
TODAY = "2026-03-03"
SERIALS = itertools.count(600)
# Configuration expiry: short enough for the CENTRAL test to wait for it, long enough that a
# PostgreSQL restart on a busy 2-core machine (CENTRAL's database too) does not outlast it.
FAST = {"TENFOLD_EXCHANGE_CONF_REFRESH_SECONDS": "1", "TENFOLD_EXCHANGE_CONF_EXPIRY_SECONDS": "20",
        "TENFOLD_EXCHANGE_CHECKPOINT_ENTRIES": "50", "TENFOLD_EXCHANGE_CHECKPOINT_SECONDS": "1",
        "TENFOLD_BANKS_STATEMENT_INTERVAL_SECONDS": "1",
        # The journeys' tests give an event four tries within a second; a restarting gateway or
        # database takes longer. These keep the production defaults' shape (8 tries), only faster.
        "TENFOLD_LIFE_MAX_ATTEMPTS": "8", "TENFOLD_LIFE_BACKOFF_MAX_SECONDS": "5"}


@dataclass
class Postgres:
    """A throwaway PostgreSQL server (fsync off, like the test servers)."""

    port: int

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "TENFOLD_PG_PORT": str(self.port), "TENFOLD_PG_DATA": f"/tmp/tenfold-faults-pg-{self.port}"}

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://tenfold@127.0.0.1:{self.port}/postgres"

    def _script(self, action: str) -> None:
        subprocess.run([str(ROOT / "scripts" / "dev-postgres.sh"), action], env=self.env, check=True, capture_output=True, timeout=120)

    @classmethod
    def start(cls) -> Postgres:
        server = cls(free_base(span=1))
        server._script("start")
        return server

    def restart(self) -> None:
        self._script("restart")

    def stop(self) -> None:
        self._script("stop")
        subprocess.run(["rm", "-rf", self.env["TENFOLD_PG_DATA"]], check=False)

    def started_at(self) -> Any:
        admin = create_engine(self.url)
        try:
            with admin.connect() as connection:
                return connection.execute(text("SELECT pg_postmaster_start_time()")).scalar_one()
        finally:
            admin.dispose()

    def create(self, names: Iterable[str]) -> None:
        admin = create_engine(self.url, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as connection:
                for name in names:
                    connection.execute(text(f'CREATE DATABASE "{name}"'))
        finally:
            admin.dispose()


def start_country(directory: Path, server: Postgres, **env: str) -> World:
    """The journeys' country with every member (and CENTRAL, and the generator's own database)
    on its own database of ``server``."""
    topology = load(reduced_topology(directory))
    codes = [m.code for m in topology.members] + [topology.central.member.split("/")[2], "COUNTRY"]
    server.create(f"faults_{code.lower()}" for code in codes)
    template = f"postgresql+psycopg://tenfold@127.0.0.1:{server.port}/faults_{{member}}"
    return World.start(directory, persons=1500, extra_env={"TENFOLD_DATABASE_URL_TEMPLATE": template, **FAST, **env})


# ------------------------------------------------------------------------------ people and births
def mothers(world: World) -> list[dict[str, Any]]:
    """Women of 22 to 40, alive, with a primary account known to the tax board (PostgreSQL JSON)."""
    women = world.records("POP", "persons", "AND data->>'sex' = 'F' AND data->>'status' = 'alive' "
                                            "AND data->>'birthDate' BETWEEN '1986-01-01' AND '2003-12-31' ORDER BY record_id")
    accounts = {a["personId"]: a for a in world.records("TAX", "accounts", "AND (data->>'primary')::boolean")}
    return [{**w, "iban": accounts[w["ID"]]["iban"]} for w in women if w["ID"] in accounts]


def register_birth(world: World, mother: str, seconds: float = 90) -> str:
    """Register a birth at POP's front office as a clerk would: a failed or unanswered request is
    sent again with the same child, and 409 (already registered) after a lost answer is success."""
    while True:
        child = isikukood.generate(date.fromisoformat(BORN), "F", next(SERIALS) % 1000)
        first = True
        deadline = time.monotonic() + seconds
        while True:
            try:
                with world.pop as pop:
                    answer = pop.post("/population/births", json={
                        "birth": {"motherId": mother, "birthDate": BORN, "place": "Tartu", "multipleBirthSize": 1},
                        "child": {"ID": child, "firstName": "Test", "lastName": "Child", "sex": "F"}})
                status = answer.status_code
            except (httpx.HTTPError, OSError):
                status = 0
            if status == 201 or (status == 409 and not first):
                return child
            if status == 409:
                break   # the code is taken by someone else: another child code
            if status not in (0, 500, 502, 503):
                raise AssertionError(f"registering a birth: {status} {answer.text[:300]}")
            first = False
            if time.monotonic() > deadline:
                raise AssertionError(f"POP did not take a birth within {seconds} s (last status {status})")
            time.sleep(0.3)


def pid(world: World, code: str, process: str) -> int:
    """The pid the supervisor has for a member's process now (runtime.json follows restarts)."""
    runtime = orjson.loads((Path(world.env["TENFOLD_VAR_DIR"]) / "runtime.json").read_bytes())
    return int(next(m for m in runtime["members"] if m["code"] == code)["pids"][process])


def restarted(world: World, code: str, process: str, old: int, seconds: float = 120) -> int:
    return int(until(lambda: (new := pid(world, code, process)) != old and new, seconds, f"{code}/{process} is started again"))


# ------------------------------------------------------------------------------ the invariants
def offer_counts(world: World, children: list[str]) -> Counter[str]:
    engine = world.engine("SIB")
    try:
        with engine.connect() as connection:
            return Counter(dict(connection.execute(select(offers.c.subject, func.count()).where(
                offers.c.subject.in_(children), offers.c.program == "family_benefits").group_by(offers.c.subject)).all()))
    finally:
        engine.dispose()


def assert_one_offer_per_birth(world: World, children: list[str], seconds: float = 120) -> None:
    try:
        until(lambda: len(offer_counts(world, children)) == len(children), seconds, "every birth has its offer")
    except AssertionError as failure:
        raise AssertionError(f"{failure}; {len(offer_counts(world, children))} of {len(children)} have one; {where_births_are(world)}") from None
    counts = offer_counts(world, children)
    assert set(counts) == set(children) and set(counts.values()) == {1}, f"births with more than one offer: {counts.most_common(3)}"
    engine = world.engine("SIB")
    try:
        with engine.connect() as connection:
            states = dict(connection.execute(select(life_events.c.state, func.count()).where(
                life_events.c.subject.in_(children)).group_by(life_events.c.state)).all())
    finally:
        engine.dispose()
    assert "error" not in states, states


def where_births_are(world: World) -> str:
    """Where events wait: POP's outbox and room deliveries, SIB's intake (for a failure message)."""
    from tenfold.exchange.tables import deliveries
    from tenfold.storage.tables import outbox

    pop, sib = world.engine("POP"), world.engine("SIB")
    try:
        with pop.connect() as connection:
            unpublished = connection.execute(select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None),
                                                                                            outbox.c.event_type == "newBirth")).scalar()
            pushes = connection.execute(select(deliveries.c.subscriber, deliveries.c.status, func.count(), func.max(deliveries.c.attempts))
                                        .group_by(deliveries.c.subscriber, deliveries.c.status)).all()
        with sib.connect() as connection:
            intake = connection.execute(select(life_events.c.event_type, life_events.c.state, func.count())
                                        .group_by(life_events.c.event_type, life_events.c.state)).all()
            errors = connection.execute(select(life_events.c.last_error).where(life_events.c.state == "error").limit(3)).scalars().all()
    finally:
        pop.dispose()
        sib.dispose()
    return f"POP outbox unpublished births: {unpublished}; POP deliveries: {pushes}; SIB intake: {intake}, last errors: {[e[:200] for e in errors]}"


def confirm(world: World, child: str, mother: str) -> str:
    """The mother confirms her child's offer through the portal's gateway; returns the offer id."""
    found = until(lambda: next((o for o in _offers(world, mother) if o["subject"] == child and o["state"] == "notified"), None), 120,
                  "the offer is notified")
    for _attempt in range(60):
        try:
            with world.portal(found["addressee"], **{"Idempotency-Key": f"faults-{child}"}) as portal:
                answer = portal.post(f"/offers/{found['id']}/confirm", json={})
            if answer.status_code == 200:
                return str(found["id"])
            assert answer.status_code >= 500, answer.text   # a 4xx is a defect, a 5xx a fault being injected
        except (httpx.HTTPError, OSError):
            pass
        time.sleep(0.5)
    raise AssertionError("the confirmation was not taken")


def _offers(world: World, person: str) -> list[dict[str, Any]]:
    with world.sib as sib:
        return list(sib.get("/offers", params={"personId": person}).json()["offers"])


def treasury_payments(world: World, offer_ids: list[str]) -> dict[str, list[Any]]:
    """For each confirmed offer: the treasury's instructions for what SIB submitted."""
    sib, tre = world.engine("SIB"), world.engine("TRE")
    try:
        with sib.connect() as connection:
            rows = connection.execute(select(enrolments.c.offer_id, sib_instructions.c.request_id).join(
                sib_instructions, sib_instructions.c.enrolment_id == enrolments.c.id).where(
                enrolments.c.offer_id.in_(offer_ids), sib_instructions.c.state == "submitted")).all()
        requests = {r.request_id: r.offer_id for r in rows}
        with tre.connect() as connection:
            found = connection.execute(select(tre_instructions.c.request_id, tre_instructions.c.state, tre_instructions.c.reason_code)
                                       .where(tre_instructions.c.request_id.in_(list(requests)))).all()
    finally:
        sib.dispose()
        tre.dispose()
    by_offer: dict[str, list[Any]] = {o: [] for o in offer_ids}
    for row in found:
        by_offer[requests[row.request_id]].append(row)
    return by_offer


def assert_paid_once_each(world: World, offer_ids: list[str], seconds: float = 150) -> None:
    """Every confirmed offer has its payments at the treasury, each once, each settled or
    rejected/returned with a reason; and the treasury's books balance."""
    def final() -> dict[str, list[Any]] | None:
        found = treasury_payments(world, offer_ids)
        done = all(rows and all(r.state in FINAL for r in rows) for rows in found.values())
        return found if done else None

    found = until(final, seconds, "every confirmed offer is paid and answered by the bank")
    for offer_id, rows in found.items():
        requests = Counter(r.request_id for r in rows)
        assert set(requests.values()) == {1}, f"offer {offer_id} paid twice: {requests}"
        assert all(r.state == SETTLED or r.reason_code for r in rows), f"offer {offer_id}: unexplained {rows}"
    engine = world.engine("TRE")
    try:
        with engine.connect() as connection:
            ledger = books.check(connection)
    finally:
        engine.dispose()
    assert ledger.ok, ledger.discrepancy


def assert_logs_verify(world: World, codes: Iterable[str]) -> None:
    """What ``tenfold exchange verify-log`` proves (in this process: a CLI start costs seconds)."""
    anchor = Anchor.load(PkiDirectory(Path(world.env["TENFOLD_VAR_DIR"]) / "pki").anchor_file)
    topology = load(Path(world.env["TENFOLD_TOPOLOGY"]))
    for code in codes:
        engine = world.engine(code)
        try:
            verdict = verify_log(engine, topology.member(code).id, anchor)
        finally:
            engine.dispose()
        assert verdict.intact and verdict.entries > 0, f"{code}: {verdict.problem} (entry {verdict.bad_seq})"


def central_pid(world: World) -> int:
    runtime = orjson.loads((Path(world.env["TENFOLD_VAR_DIR"]) / "runtime.json").read_bytes())
    return int(runtime["central"]["pid"])


def read_offers(world: World, person: str, message_id: str | None = None) -> httpx.Response:
    """A resident's read through the portal's gateway and SIB's (the exchange both ways)."""
    headers = {"X-Road-Id": message_id} if message_id else {}
    with world.portal(person, **headers) as portal:
        return portal.get("/offers", params={"personId": person})


def logged_ids(world: World, code: str) -> dict[str, set[str]]:
    """Message id -> the kinds of entry (request, response) in the member's message log."""
    from tenfold.exchange.messagelog import decode_header
    from tenfold.exchange.tables import messagelog

    engine = world.engine(code)
    try:
        with engine.connect() as connection:
            entries = connection.execute(select(messagelog.c.entry)).scalars().all()
    finally:
        engine.dispose()
    found: dict[str, set[str]] = {}
    for entry in entries:
        header = decode_header(bytes(entry))
        found.setdefault(header["message_id"], set()).add(header["kind"])
    return found
