"""The exchange end to end: ``tenfold serve`` runs CENTRAL, POP (gateway and registry) and SIB
(gateway) as separate processes over real mutual TLS on loopback; a SIB application reads a POP
person through both gateways, survives a kill -9 of POP's gateway without losing a logged
message, receives every event after being down, and is refused when the configuration expires
or its certificate is revoked."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path
from typing import Any, Callable, Iterator

import httpx
import orjson
import pytest
from aiohttp import web
from sqlalchemy import select

from tenfold.exchange.messagelog import decode_header
from tenfold.exchange.tables import deliveries, messagelog
from tenfold.ids import isikukood
from tenfold.storage import make_engine
from tests.exchange.country import HERE, free_base, write_topology

pytestmark = pytest.mark.slow
SIB = {"X-Road-Client": "DEMO/GOV/SIB/benefits"}
POP_SELF = {"Information-Mediator-Client": "DEMO/GOV/POP/registry"}
READ = "/r1/DEMO/GOV/POP/registry/registry/data/persons/1.0/read"
PERSON = isikukood.generate(date(1990, 5, 17), "F", 12)


def until(check: Callable[[], Any], seconds: float = 60.0, what: str = "") -> Any:
    deadline = time.monotonic() + seconds
    while True:
        try:
            result = check()
        except (httpx.HTTPError, OSError):
            result = None
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {seconds} s: {what}")
        time.sleep(0.1)


class InboxServer:
    """SIB's inbox application, run by the test so that it can be down and come up."""

    def __init__(self, port: int):
        self.port, self.events = port, []  # type: ignore[var-annotated]
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()

    async def _receive(self, request: web.Request) -> web.Response:
        self.events.append(orjson.loads(await request.read()))
        return web.json_response({"ok": True})

    def start(self) -> None:
        async def start() -> None:
            app = web.Application()
            app.router.add_post("/{tail:.*}", self._receive)
            self.runner = web.AppRunner(app, access_log=None)
            await self.runner.setup()
            await web.TCPSite(self.runner, "127.0.0.1", self.port).start()

        asyncio.run_coroutine_threadsafe(start(), self.loop).result(10)

    def stop(self) -> None:
        if hasattr(self, "runner"):
            asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)


class World:
    def __init__(self, directory: Path):
        self.var = directory / "var"
        self.base = free_base()
        self.inbox = InboxServer(self.base + 55)
        self.env = {**os.environ, "TENFOLD_VAR_DIR": str(self.var), "TENFOLD_TOPOLOGY": str(
            write_topology(directory, (HERE / "e2e_topology.toml").read_text(encoding="utf-8"))),
            "TENFOLD_EXCHANGE_BASE_PORT": str(self.base), "TENFOLD_EXCHANGE_CONF_REFRESH_SECONDS": "0.3",
            "TENFOLD_EXCHANGE_CONF_EXPIRY_SECONDS": "5", "TENFOLD_EXCHANGE_PUSH_BACKOFF_SECONDS": "0.1",
            "TENFOLD_EXCHANGE_PUSH_BACKOFF_MAX_SECONDS": "0.5", "TENFOLD_EXCHANGE_PUSH_MAX_ATTEMPTS": "1000",
            "TENFOLD_EXCHANGE_CHECKPOINT_ENTRIES": "20", "TENFOLD_EXCHANGE_CHECKPOINT_SECONDS": "1",
            "TENFOLD_APP_URL_SIB_INBOX": f"http://127.0.0.1:{self.base + 55}"}
        self.process = subprocess.Popen([sys.executable, "-m", "tenfold.cli.serve"], env=self.env, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        self.runtime = until(self._runtime, 120, "the country starts")
        self.sib = httpx.Client(base_url=self.member("SIB")["gateway_url"], timeout=30)
        self.registry = httpx.Client(base_url=self.member("POP")["apps"]["registry"], timeout=30)

    def _runtime(self) -> dict[str, Any] | None:
        found: dict[str, Any] = orjson.loads((self.var / "runtime.json").read_bytes())
        return found if found.get("supervisor_pid") == self.process.pid else None

    def member(self, code: str, runtime: dict[str, Any] | None = None) -> dict[str, Any]:
        return next(m for m in (runtime or self.runtime)["members"] if m["code"] == code)

    def cli(self, *arguments: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-c", "from tenfold.cli import main; main()", *arguments], env=self.env,
                              capture_output=True, text=True, timeout=120)

    def logged_ids(self, code: str) -> dict[str, set[str]]:
        engine = make_engine(f"sqlite:///{self.var / (code.lower() + '.sqlite')}")
        with engine.connect() as connection:
            entries = connection.execute(select(messagelog.c.entry)).scalars().all()
        engine.dispose()
        found: dict[str, set[str]] = {}
        for entry in entries:
            header = decode_header(bytes(entry))
            found.setdefault(header["message_id"], set()).add(header["kind"])
        return found

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.inbox.stop()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    running = World(Path(tmp_path_factory.mktemp("e2e")))
    yield running
    running.close()


def read(world: World, message_id: str | None = None) -> httpx.Response:
    headers = {**SIB, "X-Road-Purpose": "eligibility", **({"X-Road-Id": message_id} if message_id else {})}
    return world.sib.post(READ, json={"query": {"content": {"ID": PERSON}}}, headers=headers)


def test_1_sib_reads_a_pop_person_through_both_gateways(world: World) -> None:
    record = {"ID": PERSON, "firstName": "Mari", "lastName": "Tamm", "birthDate": "1990-05-17", "sex": "F", "status": "alive",
              "addressId": "A-1", "householdId": "H-1"}
    assert world.registry.post("/data/persons/1.0/create", json={"write": {"content": record}}, headers=POP_SELF).status_code == 200
    response = read(world)
    assert response.status_code == 200, response.text
    assert response.json()["content"]["firstName"] == "Mari"
    assert response.headers["X-Road-Service"] == "DEMO/GOV/POP/registry/registry"
    usage = world.sib.get("/r1/DEMO/GOV/POP/registry/findUsage", params={"personId": PERSON}, headers=SIB).json()["usage"]
    assert usage[0]["messageId"] == response.headers["X-Road-Id"] and usage[0]["purpose"] == "eligibility"
    status = world.cli("status", "--json")
    assert status.returncode == 0 and orjson.loads(status.stdout)["members"][0]["id"] == "DEMO/GOV/POP"


def test_2_a_subscriber_that_was_down_gets_every_event_once_in_effect(world: World) -> None:
    children = [isikukood.generate(date(2026, 1, 1 + n), "M", 1) for n in range(5)]
    for child in children:
        birth = {"childId": child, "motherId": PERSON, "birthDate": "2026-01-0" + str(children.index(child) + 1),
                 "place": "Tallinn", "multipleBirthSize": 1}
        assert world.registry.post("/data/births/1.0/create", json={"write": {"content": birth}}, headers=POP_SELF).status_code == 200
    engine = make_engine(f"sqlite:///{world.var / 'pop.sqlite'}")

    def retried() -> bool:
        with engine.connect() as connection:
            attempts = connection.execute(select(deliveries.c.attempts)).scalars().all()
        return len(attempts) == 5 and min(attempts) >= 2

    until(retried, 60, "every delivery was tried while the inbox was down")
    world.inbox.start()
    until(lambda: {e["event"]["childId"] for e in world.inbox.events} == set(children), 60, "every event arrives")
    assert {e["eventType"] for e in world.inbox.events} == {"newBirth"}
    assert len({e["id"] for e in world.inbox.events}) == 5
    engine.dispose()


def test_3_a_killed_provider_gateway_loses_no_logged_message(world: World) -> None:
    answered: list[str] = []
    stop = threading.Event()

    def stream() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            message_id = f"DEMO-stream-{n}"
            try:
                if read(world, message_id).status_code == 200:
                    answered.append(message_id)
            except httpx.HTTPError:
                pass

    reader = threading.Thread(target=stream)
    reader.start()
    try:
        until(lambda: len(answered) >= 20, 60, "traffic flows")
        old = world.member("POP")["pids"]["gateway"]
        os.kill(old, signal.SIGKILL)
        restarted = until(lambda: (r := world._runtime()) and world.member("POP", r)["pids"]["gateway"] != old and r, 60, "restart")
        count = len(answered)
        until(lambda: len(answered) >= count + 20, 60, "traffic flows again")
    finally:
        stop.set()
        reader.join(30)
    assert world.member("POP", restarted)["pids"]["gateway"] != old
    for code in ("POP", "SIB"):
        # Answered means on record (the gateway's journal); the tables have it within moments.
        def missing(code: str = code) -> list[str]:
            logged = world.logged_ids(code)
            return [m for m in answered if logged.get(m) != {"request", "response"}]

        try:
            until(lambda: not missing(), 10, f"{code}'s tables hold every answered message")
        except AssertionError:
            raise AssertionError(f"{code} lost {missing()[:3]}") from None
        verified = world.cli("exchange", "verify-log", "--member", code)
        assert verified.returncode == 0, verified.stdout + verified.stderr


def test_4_an_expired_configuration_is_refused_until_central_answers_again(world: World) -> None:
    central = world.runtime["central"]["pid"]
    os.kill(central, signal.SIGSTOP)
    try:
        refused = until(lambda: (r := read(world)).headers.get("X-Road-Error") == "Server.ClientProxy.OutdatedGlobalConf" and r, 60,
                        "the configuration expires")
        assert refused.status_code == 503
    finally:
        os.kill(central, signal.SIGCONT)
    until(lambda: read(world).status_code == 200, 60, "service resumes")


def test_5_a_revoked_certificate_is_refused(world: World) -> None:
    revoked = world.cli("exchange", "revoke", "--member", "SIB", "--kind", "sign")
    assert revoked.returncode == 0, revoked.stderr
    refused = until(lambda: (r := read(world)).headers.get("X-Road-Error") == "Server.ServerProxy.CertValidation" and r, 60,
                    "revocation takes effect")
    assert refused.status_code == 403
