"""A subscriber that answers with errors or slowly, with the room's owner (POP) and the subscriber
(SIB) on PostgreSQL: PUSH retries back off (no retry storm: no more tries than the limit, spaced
by the backoff), are dead-lettered after the limit and replayed from the dead-letter queue by
``tenfold exchange replay``; a slow subscriber is sent a bounded number of events at a time and
gets each once."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import orjson
import pytest
from aiohttp import web
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from tenfold.exchange import delivery, pubsub
from tenfold.exchange.config import ExchangeSettings
from tenfold.exchange.gateway import Gateway, open_context
from tenfold.exchange.tables import deliveries
from tenfold.storage import make_engine
from tests.exchange.country import HERE, Country
from tests.exchange.test_pubsub import BIRTH, publish
from tests.lifeevents.country import ROOT, until

pytestmark = pytest.mark.postgres
ATTEMPTS, BASE, CEILING, CONCURRENCY = 5, 0.2, 0.8, 16
PER_SUBSCRIBER = CONCURRENCY // 2   # the push worker's default share of one subscriber
MEMBERS = ("POP", "SIB", "TAX")


@dataclass
class Subscriber:
    """SIB's inbox, misbehaving on demand: ``mode`` is ok, error (HTTP 500) or slow."""

    mode: str = "ok"
    slow_seconds: float = 1.0
    tries: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    taken: list[str] = field(default_factory=list)
    in_flight: int = 0
    most_in_flight: int = 0

    async def handle(self, request: web.Request) -> web.Response:
        event_id = orjson.loads(await request.read())["id"]
        self.tries[event_id].append(time.monotonic())
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            if self.mode == "error":
                return web.Response(status=500, text="inbox broken")
            if self.mode == "slow":
                await asyncio.sleep(self.slow_seconds)
            self.taken.append(event_id)
            return web.json_response({"received": True})
        finally:
            self.in_flight -= 1


class PostgresCountry(Country):
    """The exchange tests' country with its gateways on PostgreSQL databases, and TAX as a second
    subscriber of POP's births (its own inbox) beside SIB."""

    def __init__(self, directory: Path, urls: dict[str, str], settings: ExchangeSettings):
        super().__init__(directory, settings, _with_tax_subscribing())
        self.urls, self.inbox, self.tax_inbox = urls, Subscriber(), Subscriber()   # type: ignore[assignment]

    async def _start(self, members: tuple[str, ...]) -> None:
        await self._site(self.tax_inbox.handle, self.plan.ports("TAX").app_ports["inbox"])
        await super()._start(members)

    async def start_gateway(self, code: str) -> Gateway:
        member = self.topology.member(code)
        apps = {name: url for name in member.apps if (url := self.plan.app_url(member, name))}
        context = open_context(member.id, make_engine(self.urls[code]), self.var, self.settings, apps)
        ports = self.plan.ports(member)
        gateway = Gateway(context, ports.local_port, ports.exchange_port)
        await gateway.start()
        self.gateways[code] = gateway
        return gateway


def _with_tax_subscribing() -> str:
    topology = (HERE / "topology.toml").read_text(encoding="utf-8")
    subscription = '[[members.rooms.subscriptions]]\nsubscriber = "DEMO/GOV/TAX/taxation"\nevent_type = "newBirth"\n\n'
    inbox = ('inbox = "inbox"\n\n[[members.subsystems.services]]\ncode = "inbox"\napp = "inbox"\n'
             'description = { en = "Receives pushed events", zh-Hant = "接收推送的事件" }\n')
    topology = topology.replace('[[members]]\nid = "DEMO/GOV/SIB"', subscription + '[[members]]\nid = "DEMO/GOV/SIB"')
    return topology.replace('code = "taxation"\n', 'code = "taxation"\n' + inbox)


@pytest.fixture
def country(postgres_server_url: str, tmp_path: Path) -> Iterator[PostgresCountry]:
    names = {code: f"tenfold_faults_{code.lower()}_{uuid.uuid4().hex[:8]}" for code in MEMBERS}
    admin = create_engine(postgres_server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        for name in names.values():
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    server = make_url(postgres_server_url)
    urls = {code: server.set(database=name).render_as_string(hide_password=False) for code, name in names.items()}
    settings = ExchangeSettings(conf_refresh_seconds=0.5, checkpoint_entries=20, checkpoint_seconds=0.5, poll_seconds=0.05,
                                push_backoff_seconds=BASE, push_backoff_max_seconds=CEILING, push_max_attempts=ATTEMPTS)
    running = PostgresCountry(tmp_path, urls, settings).start(MEMBERS)
    try:
        yield running
    finally:
        running.stop()
        with admin.connect() as connection:
            for name in names.values():
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _publish(country: Country, count: int) -> list[str]:
    ids = []
    for n in range(count):
        answer = publish(country, "newBirth", {**BIRTH, "birthId": f"B-{n}"})
        assert answer.status_code == 201, answer.text
        ids.append(answer.json()["id"])
    return ids


def _statuses(country: PostgresCountry, subscriber: str = "DEMO/GOV/SIB/benefits") -> dict[str, int]:
    with country.engine("POP").connect() as connection:
        return dict(connection.execute(select(deliveries.c.status, func.count()).where(deliveries.c.subscriber == subscriber)  # type: ignore[arg-type]
                                       .group_by(deliveries.c.status)).all())


def _tenfold(country: PostgresCountry, *arguments: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TENFOLD_VAR_DIR": str(country.var), "TENFOLD_TOPOLOGY": str(country.topology_path),
           "TENFOLD_DATABASE_URL_POP": country.urls["POP"]}
    return subprocess.run([sys.executable, "-m", "tenfold.cli", *arguments], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_a_failing_subscriber_gets_spaced_retries_then_a_dead_letter_then_a_replay(country: PostgresCountry) -> None:
    inbox: Subscriber = country.inbox  # type: ignore[assignment]
    inbox.mode = "error"
    events = _publish(country, 20)
    until(lambda: _statuses(country) == {"dead": 20}, 60, "every delivery is dead-lettered")
    assert set(inbox.tries) == set(events) and inbox.taken == []
    for event_id, tries in inbox.tries.items():
        assert len(tries) == ATTEMPTS, f"{event_id} was tried {len(tries)} times"
        for attempt, (before, after) in enumerate(zip(tries, tries[1:]), start=1):
            waited = pubsub.backoff(attempt, BASE, CEILING).total_seconds()
            assert after - before >= waited * 0.9, f"try {attempt + 1} of {event_id} came {after - before:.2f} s after try {attempt}"
    per_second: dict[int, int] = defaultdict(int)
    for moment in (t for tries in inbox.tries.values() for t in tries):
        per_second[int(moment)] += 1
    assert max(per_second.values()) <= 3 * len(events)   # with a 0.2 s first backoff, at most 3 tries of one event fit in a second

    dead = delivery.dead_letters(country.engine("POP"))   # what `tenfold exchange dead-letters` lists
    assert len(dead) == 20 and all("500" in d["last_error"] for d in dead)
    inbox.mode, before = "ok", {e: len(t) for e, t in inbox.tries.items()}
    replayed = _tenfold(country, "exchange", "replay", "--member", "POP", "--all")
    assert replayed.returncode == 0, replayed.stderr
    until(lambda: _statuses(country) == {"delivered": 20}, 60, "every replayed delivery arrives")
    assert sorted(inbox.taken) == sorted(events)          # each once
    assert all(len(inbox.tries[e]) == before[e] + 1 for e in events)


def test_a_slow_subscriber_is_sent_a_bounded_number_of_events_at_a_time_each_once(country: PostgresCountry) -> None:
    inbox: Subscriber = country.inbox  # type: ignore[assignment]
    inbox.mode, inbox.slow_seconds = "slow", 1.0
    events = _publish(country, 24)
    until(lambda: _statuses(country) == {"delivered": 24}, 60, "every delivery arrives")
    assert sorted(inbox.taken) == sorted(events)
    assert 2 <= inbox.most_in_flight <= PER_SUBSCRIBER


def test_a_slow_subscriber_does_not_hold_up_the_others(country: PostgresCountry) -> None:
    slow: Subscriber = country.inbox  # type: ignore[assignment]
    slow.mode, slow.slow_seconds = "slow", 6.0
    first = _publish(country, 3)
    until(lambda: slow.in_flight > 0, 30, "the slow subscriber is being sent events")
    published = time.monotonic()
    later = _publish(country, 1)
    until(lambda: set(later) <= set(country.tax_inbox.taken), 30, "the other subscriber gets the later event")
    waited = time.monotonic() - published
    assert waited < 2.5, f"the other subscriber waited {waited:.1f} s behind the slow one"
    until(lambda: _statuses(country) == {"delivered": 4}, 60, "the slow subscriber gets every event")
    assert sorted(slow.taken) == sorted(first + later) and sorted(country.tax_inbox.taken) == sorted(first + later)
