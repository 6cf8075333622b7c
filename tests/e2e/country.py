"""The whole country for the browser tests: a small generated population, ``tenfold serve`` in a
private var directory on its own ports, the portal registered at the identity provider, staff in
the portal's directory, a few weeks of births released into the population register (each
becoming an offer at SIB), and the parents of two of them enrolled at the identity provider."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import orjson

from tenfold.exchange.ports import free_base

PERSONS, SEED, DAYS = 3000, 3, 20


def poll(what: str, check: Callable[[], Any], timeout: float, every: float = 0.3) -> Any:
    """The first truthy answer of ``check`` within ``timeout`` seconds (never a fixed sleep)."""
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not within {timeout} s")
        time.sleep(every)


def http_json(method: str, url: str, body: Any = None, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    request = urllib.request.Request(url, data=orjson.dumps(body) if body is not None else None, method=method,
                                     headers={"content-type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
            return response.status, orjson.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, orjson.loads(error.read() or b"null")


@dataclass
class Country:
    directory: Path
    env: dict[str, str]
    process: subprocess.Popen[bytes] | None = None
    runtime: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def start(cls, directory: Path) -> Country:
        env = {**os.environ, "TENFOLD_VAR_DIR": str(directory / "var"), "TENFOLD_EXCHANGE_BASE_PORT": str(free_base()),
               "TENFOLD_LANG": "en", "COLUMNS": "200"}
        country = cls(directory, env)
        country.tenfold("country", "generate", "--persons", str(PERSONS), "--seed", str(SEED))
        log = (directory / "serve.log").open("wb")
        country.process = subprocess.Popen([sys.executable, "-m", "tenfold.cli", "serve"], env=env, stdout=log, stderr=subprocess.STDOUT,
                                           stdin=subprocess.DEVNULL, start_new_session=True)
        country.runtime = poll("the country's runtime.json", country._runtime, 240, 0.5)
        country.tenfold("portal", "register-client", "--json")
        return country

    def _runtime(self) -> dict[str, Any] | None:
        assert self.process is not None
        if self.process.poll() is not None:
            raise RuntimeError(f"tenfold serve stopped: see {self.directory / 'serve.log'}")
        try:
            found = orjson.loads((self.directory / "var" / "runtime.json").read_bytes())
        except (OSError, orjson.JSONDecodeError):
            return None
        return found if found.get("supervisor_pid") == self.process.pid else None

    def tenfold(self, *args: str) -> Any:
        done = subprocess.run([sys.executable, "-m", "tenfold.cli", *args], env=self.env, capture_output=True, timeout=300)
        if done.returncode != 0:
            raise RuntimeError(f"tenfold {' '.join(args)} failed: {done.stderr.decode()[-2000:]}")
        return orjson.loads(done.stdout) if "--json" in args else done.stdout.decode()

    def app(self, code: str, name: str) -> str:
        return next(m["apps"][name] for m in self.runtime["members"] if m["code"] == code)

    def gateway(self, code: str) -> str:
        return next(m["gateway_url"] for m in self.runtime["members"] if m["code"] == code)

    @property
    def portal(self) -> str:
        return self.app("PORTAL", "portal")

    @property
    def sib(self) -> str:
        return self.app("SIB", "lifeevents")

    def parents_with_offers(self, count: int) -> list[dict[str, Any]]:
        """Release births until ``count`` offers wait for distinct parents; enrol those parents."""
        def waiting() -> list[dict[str, Any]]:
            _status, found = http_json("GET", self.sib + "/journeys?limit=1000")
            offers = [j["offerId"] for j in found["journeys"] if j["offerId"] and j["program"] == "family_benefits"
                      and j["offerState"] == "notified"]
            chosen: dict[str, dict[str, Any]] = {}
            for offer_id in offers:
                _status, offer = http_json("GET", f"{self.sib}/offers/{offer_id}")
                if offer["iban"] and offer["addressee"] not in chosen:
                    chosen[offer["addressee"]] = offer
            return list(chosen.values())[:count] if len(chosen) >= count else []

        self.tenfold("life", "simulate", "--days", str(DAYS), "--speed", "0", "--json")
        offers = poll("offers for the released births", waiting, 60)
        parents = []
        for offer in offers:
            credentials = self.tenfold("identity", "enrol", "--person", offer["addressee"], "--json")
            parents.append({**credentials, "offerId": offer["id"]})
        return parents

    def staff(self, staff_id: str, personal_code: str, *roles: str) -> dict[str, Any]:
        flags = [part for role in roles for part in ("--role", role)]
        return dict(self.tenfold("portal", "staff", "add", "--id", staff_id, "--name", staff_id.title(), "--personal-code",
                                 personal_code, *flags, "--json"))

    def payment_run(self, person: str) -> None:
        """Move SIB's business day to the run its planned payments are due on; the treasury and
        the banks do the rest."""
        _status, found = http_json("GET", f"{self.sib}/payments?personId={person}")
        due = max(p["dueOn"] for p in found["payments"])
        status, _answer = http_json("PUT", self.sib + "/admin/clock", {"today": due})
        assert status == 200

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
