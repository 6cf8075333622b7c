"""A running country for the journey tests: ``tenfold serve`` over the demo topology without the
members these journeys do not touch (IDP, CONSENT; SIB's policy assistant), on a generated
synthetic country, every process real (gateways with mutual TLS, registries, SIB, TRE, the
Tell-Us-Once subscribers, the simulated banks). Tests talk to it as members and the portal do.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import httpx
import orjson
from sqlalchemy import Engine, text

from tenfold.settings import DEMO_TOPOLOGY
from tenfold.storage import make_engine
from tenfold.exchange.ports import free_base

ROOT = Path(__file__).resolve().parents[2]
LEFT_OUT = ("DEMO/GOV/IDP", "DEMO/GOV/CONSENT")
APPS_LEFT_OUT = ("assistant", "portal", "identity", "consent")
FRONT_OFFICE = {"Information-Mediator-Client": "DEMO/GOV/POP/registry"}
PORTAL = "DEMO/GOV/PORTAL/portal"
SECRET = "opencrvs-test-secret"


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


def reduced_topology(directory: Path) -> Path:
    """The demo topology without LEFT_OUT (and the rights and subscriptions naming them) and
    without the services of the applications these journeys do not use (the policy assistant,
    the portal's pages: the portal member stays, as the client it is here)."""
    blocks = re.split(r"(?m)^(?=\[\[)", DEMO_TOPOLOGY.read_text(encoding="utf-8"))
    kept, member, skipping_service = [blocks[0]], None, False
    for block in blocks[1:]:
        header = block.split("\n", 1)[0].strip()
        if header == "[[members]]":
            member = re.search(r'^id = "([^"]+)"', block, re.M).group(1)  # type: ignore[union-attr]
        if member in LEFT_OUT:
            continue
        if header == "[[members.subsystems.services]]":
            app = re.search(r'^app = "([^"]+)"', block, re.M)
            skipping_service = bool(app and app.group(1) in APPS_LEFT_OUT)
        elif header != "[[members.subsystems.services.rights]]":
            skipping_service = False
        named = re.search(r'^(?:client|subscriber) = "([^"]+)"', block, re.M)
        if skipping_service or (named and named.group(1).startswith(LEFT_OUT)):
            continue
        kept.append(block)
    (directory / "event_types").mkdir(parents=True, exist_ok=True)
    for schema in (DEMO_TOPOLOGY.parent / "event_types").iterdir():
        (directory / "event_types" / schema.name).write_bytes(schema.read_bytes())
    path = directory / "topology.toml"
    path.write_text("".join(kept), encoding="utf-8")
    return path


def records_in(engine: Engine, registry: str, where: str = "", **params: Any) -> list[dict[str, Any]]:
    """A registry's records in a member's database (the engine is disposed of after)."""
    try:
        with engine.connect() as connection:
            rows = connection.execute(text(f"SELECT data FROM registry_records WHERE registry = :r {where}"),
                                      {"r": registry, **params}).scalars().all()
    finally:
        engine.dispose()
    return [orjson.loads(r) if isinstance(r, (str, bytes)) else r for r in rows]


@dataclass
class World:
    directory: Path
    env: dict[str, str]
    process: subprocess.Popen[bytes] | None = None
    runtime: dict[str, Any] | None = None

    @classmethod
    def start(cls, directory: Path, persons: int = 2500, seed: int = 7, extra_env: dict[str, str] | None = None) -> World:
        var = directory / "var"
        env = {**os.environ, "TENFOLD_VAR_DIR": str(var), "TENFOLD_TOPOLOGY": str(reduced_topology(directory)),
               "TENFOLD_EXCHANGE_BASE_PORT": str(free_base()), "TENFOLD_EXCHANGE_POLL_SECONDS": "0.1",
               "TENFOLD_EXCHANGE_PUSH_BACKOFF_SECONDS": "0.2", "TENFOLD_EXCHANGE_PUSH_BACKOFF_MAX_SECONDS": "1",
               "TENFOLD_EXCHANGE_PUSH_MAX_ATTEMPTS": "1000", "TENFOLD_LIFE_POLL_SECONDS": "0.2",
               "TENFOLD_LIFE_BACKOFF_SECONDS": "0.2", "TENFOLD_LIFE_BACKOFF_MAX_SECONDS": "0.5", "TENFOLD_LIFE_MAX_ATTEMPTS": "4",
               "TENFOLD_LIFE_OPENCRVS_SECRET": SECRET, "TENFOLD_BANKS_WORKER_INTERVAL_SECONDS": "0.2", **(extra_env or {})}
        world = cls(directory, env)
        world.cli("country", "generate", "--persons", str(persons), "--seed", str(seed), "--days", "120")
        world.process = subprocess.Popen([sys.executable, "-m", "tenfold.cli.serve"], env=env, cwd=ROOT,
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            world.runtime = until(world._runtime, 300, "the country starts")
        except BaseException:
            world.stop()
            raise
        return world

    def _runtime(self) -> dict[str, Any] | None:
        if self.process is not None and self.process.poll() is not None:
            raise RuntimeError(f"tenfold serve stopped (exit {self.process.returncode}); see {self.env['TENFOLD_VAR_DIR']}/logs")
        found: dict[str, Any] = orjson.loads((Path(self.env["TENFOLD_VAR_DIR"]) / "runtime.json").read_bytes())
        return found if found.get("supervisor_pid") == self.process.pid else None  # type: ignore[union-attr]

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def cli(self, *arguments: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([sys.executable, "-m", "tenfold.cli", *arguments], env=self.env, cwd=ROOT, capture_output=True,
                              text=True, timeout=timeout)
        if done.returncode != 0:
            raise AssertionError(f"tenfold {' '.join(arguments)}: {done.stderr[-2000:]}")
        return done

    # ---------------------------------------------------------------- addresses and databases
    def member(self, code: str) -> dict[str, Any]:
        assert self.runtime is not None
        return next(m for m in self.runtime["members"] if m["code"] == code)

    def app(self, code: str, name: str) -> str:
        return str(self.member(code)["apps"][name])

    @property
    def sib(self) -> httpx.Client:
        return httpx.Client(base_url=self.app("SIB", "lifeevents"), timeout=60)

    @property
    def pop(self) -> httpx.Client:
        return httpx.Client(base_url=self.app("POP", "registry"), timeout=60, headers=FRONT_OFFICE)

    def portal(self, user: str, **headers: str) -> httpx.Client:
        """The portal calling SIB's benefits service through the portal's own gateway."""
        return httpx.Client(base_url=self.member("PORTAL")["gateway_url"] + "/r1/DEMO/GOV/SIB/benefits/benefits", timeout=60,
                            headers={"X-Road-Client": PORTAL, "X-Road-UserId": user, **headers})

    def engine(self, code: str) -> Engine:
        template = self.env.get("TENFOLD_DATABASE_URL_TEMPLATE")   # a country on PostgreSQL (tests/faults)
        if template:
            return make_engine(template.replace("{member}", code.lower()))
        return make_engine(f"sqlite:///{Path(self.env['TENFOLD_VAR_DIR']) / (code.lower() + '.sqlite')}")

    def records(self, code: str, registry: str, where: str = "", **params: Any) -> list[dict[str, Any]]:
        return records_in(self.engine(code), registry, where, **params)

    def set_day(self, day: str) -> None:
        assert self.sib.put("/admin/clock", json={"today": day}).status_code == 200
