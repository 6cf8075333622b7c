"""Benchmark: a registry read through the exchange vs the same read called directly.

The run starts its own small country in a temporary directory (CENTRAL, POP with its registry
and gateway, SIB's gateway; each its own process, mutual TLS, signatures and the message log
on), seeds POP's register, and drives ``POST /data/persons/1.0/read`` on 127.0.0.1 with keep-alive
connections, from ``wrk`` when it is installed (a C load generator: it takes little of the two
cores the servers share) or else from a Python one (asyncio + httptools); ``load_generator``
says which. Both sides of the comparison use the same generator in the same run:

- throughput: ``concurrency`` connections for ``seconds``, directly and through the exchange;
- latency: one connection for ``seconds``, directly and through the exchange (the added latency
  of the two gateways, without queueing).

``cpu_ms_per_request`` is the CPU time (user + system, from /proc) each process spent per
request during the throughput phases: the figure to compare when other work shares the
machine and makes requests per second noisy.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httptools
import numpy as np
import orjson

from tenfold.cli.bench import PERCENTILES, percentiles
from tenfold.exchange.ports import free_base

PERSONS = 5000
CLIENT = "DEMO/GOV/SIB/benefits"
READ = "/data/persons/1.0/read"
SERVICE = "/r1/DEMO/GOV/POP/registry/registry"


def _topology(directory: Path) -> Path:
    from tenfold.settings import DEMO_TOPOLOGY

    shutil.copytree(DEMO_TOPOLOGY.parent / "event_types", directory / "event_types")
    text = DEMO_TOPOLOGY.read_text(encoding="utf-8")
    keep = ("DEMO/GOV/POP", "DEMO/GOV/SIB")
    blocks = text.split("\n[[members]]\n")
    members = [b for b in blocks[1:] if any(f'id = "{m}"' in b.splitlines()[0] for m in keep)]
    body = blocks[0] + "".join("\n[[members]]\n" + b for b in members)
    # Rights for clients outside this small country are dropped with the members they name.
    kept = []
    for chunk in body.split("\n\n"):
        if "client = " in chunk and not any(m in chunk for m in keep):
            continue
        if "subscriber = " in chunk and not any(m in chunk for m in keep):
            continue
        kept.append(chunk)
    path = directory / "bench.toml"
    path.write_text("\n\n".join(kept), encoding="utf-8")
    return path


def _seed(var_dir: Path) -> list[str]:
    from tenfold.ids import scheme
    from tenfold.registries import open_service
    from tenfold.registries.store import bulk_load
    from tenfold.storage import make_engine

    engine = make_engine(f"sqlite:///{var_dir / 'pop.sqlite'}")
    open_service(engine, "DEMO/GOV/POP", ["persons", "births", "deaths", "relations", "addresses"])
    rng = np.random.default_rng(2026)
    days = np.datetime64("1950-01-01") + rng.integers(0, 25000, PERSONS)
    sexes = rng.integers(0, 2, PERSONS)
    codes = [str(c) for c in scheme("ee").generate_many(rng, days, sexes)]
    rows = [(c, {"ID": c, "firstName": "Mari", "lastName": "Tamm", "birthDate": str(d), "sex": "MF"[s], "status": "alive",
                 "addressId": "A-1", "householdId": "H-1"}) for c, d, s in zip(codes, days, sexes)]
    bulk_load(engine, "persons", rows)
    engine.dispose()
    return codes


class _Connection(asyncio.Protocol):
    def __init__(self) -> None:
        self.parser = httptools.HttpResponseParser(self)
        self.waiter: asyncio.Future[int] | None = None
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.parser.feed_data(data)

    def on_message_complete(self) -> None:
        if self.waiter and not self.waiter.done():
            self.waiter.set_result(self.parser.get_status_code())

    def connection_lost(self, exc: Exception | None) -> None:
        if self.waiter and not self.waiter.done():
            self.waiter.set_exception(ConnectionError("connection lost"))


def _requests(port: int, path: str, headers: dict[str, str], codes: list[str]) -> list[bytes]:
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    out = []
    for code in codes:
        body = orjson.dumps({"query": {"content": {"ID": code}}})
        out.append(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n{head}"
                   f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
    return out


async def _drive(port: int, requests: list[bytes], seconds: float, concurrency: int) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    latencies: list[float] = []
    errors: dict[int, int] = {}
    deadline = loop.time() + seconds

    async def worker(offset: int) -> None:
        _transport, connection = await loop.create_connection(_Connection, "127.0.0.1", port)
        index = offset
        while loop.time() < deadline:
            connection.waiter = loop.create_future()
            started = time.perf_counter()
            assert connection.transport is not None
            connection.transport.write(requests[index % len(requests)])
            index += concurrency
            status = await connection.waiter
            latencies.append(time.perf_counter() - started)
            if status != 200:
                errors[status] = errors.get(status, 0) + 1
        assert connection.transport is not None
        connection.transport.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker(k) for k in range(concurrency)))
    elapsed = time.perf_counter() - started
    ordered = np.sort(np.array(latencies)) * 1000
    return {"rps": round(len(latencies) / elapsed, 1), "p50_ms": round(float(np.percentile(ordered, 50)), 3),
            "p99_ms": round(float(np.percentile(ordered, 99)), 3), "requests": len(latencies), "errors": errors,
            "percentiles_ms": percentiles(list(ordered))}


WRK_SCRIPT = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
%(headers)s
local bodies = {%(bodies)s}
local i = %(offset)d
request = function()
  i = i + 1
  return wrk.format(nil, "%(path)s", nil, bodies[(i %% #bodies) + 1])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %%d %%d %%d %%d %%d %%d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), e.status, e.connect + e.read + e.write + e.timeout))
  for _, p in ipairs({%(percentiles)s}) do
    io.write(string.format("PCT %%g %%d\\n", p, latency:percentile(p)))
  end
  io.write(string.format("PCT 100 %%d\\n", latency.max))
end
"""


def _wrk_script(directory: Path, name: str, path: str, headers: dict[str, str], codes: list[str]) -> Path:
    bodies = ",".join("'" + orjson.dumps({"query": {"content": {"ID": code}}}).decode() + "'" for code in codes)
    lines = "\n".join(f'wrk.headers["{k}"] = "{v}"' for k, v in headers.items())
    script = directory / f"{name}.lua"
    script.write_text(WRK_SCRIPT % {"headers": lines, "bodies": bodies, "path": path, "offset": 0,
                                    "percentiles": ", ".join(f"{p:g}" for p in PERCENTILES if p < 100)}, encoding="utf-8")
    return script


def _wrk(port: int, script: Path, seconds: float, concurrency: int) -> dict[str, Any]:
    """One phase driven by wrk (one thread, ``concurrency`` keep-alive connections)."""
    argv = ["wrk", "-t1", f"-c{concurrency}", f"-d{max(1, round(seconds))}s", "--timeout", "30s", "-s", str(script),
            f"http://127.0.0.1:{port}"]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 120)
    found = [line.split() for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if not found:
        raise RuntimeError(f"wrk gave no result: {done.stdout[-500:]} {done.stderr[-500:]}")
    requests, micros, p50, p99, bad_status, failed = (int(v) for v in found[0][1:])
    errors = {k: v for k, v in (("non_2xx_3xx", bad_status), ("socket", failed)) if v}
    distribution = {line.split()[1]: round(int(line.split()[2]) / 1000, 3) for line in done.stdout.splitlines() if line.startswith("PCT ")}
    return {"rps": round(requests / (micros / 1e6), 1), "p50_ms": round(p50 / 1000, 3), "p99_ms": round(p99 / 1000, 3),
            "requests": requests, "errors": errors, "percentiles_ms": distribution or None}


def _cpu_seconds(pids: dict[str, int]) -> dict[str, float]:
    """User + system CPU seconds of each process so far (Linux /proc; empty elsewhere)."""
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    found = {}
    for name, pid in pids.items():
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        found[name] = (int(fields[11]) + int(fields[12])) / ticks
    return found


def _start(var_dir: Path, topology: Path, base: int) -> Any:
    from tenfold.exchange.runner import ProcessSpec, Supervisor

    env = {"TENFOLD_VAR_DIR": str(var_dir), "TENFOLD_TOPOLOGY": str(topology), "TENFOLD_EXCHANGE_BASE_PORT": str(base)}
    argv = [sys.executable, "-m", "tenfold.cli.serve"]
    logs = var_dir / "logs"
    pop, sib = base + 10, base + 20
    stages = [
        [ProcessSpec("central", argv + ["central"], f"http://127.0.0.1:{base}/healthz", logs / "central.log", env)],
        [ProcessSpec("pop-registry", argv + ["app", "--member", "POP", "--app", "registry", "--port", str(pop + 2)],
                     f"http://127.0.0.1:{pop + 2}/healthz", logs / "pop-registry.log", env)],
        [ProcessSpec("pop-gateway", argv + ["gateway", "--member", "POP"], f"http://127.0.0.1:{pop}/healthz", logs / "pop-gateway.log", env),
         ProcessSpec("sib-gateway", argv + ["gateway", "--member", "SIB"], f"http://127.0.0.1:{sib}/healthz", logs / "sib-gateway.log", env)],
    ]
    supervisor = Supervisor(stages, var_dir / "runtime.json", lambda: {})
    supervisor.start()
    return supervisor


def _provision(var_dir: Path, topology: Path, base: int) -> None:
    os.environ.update({"TENFOLD_VAR_DIR": str(var_dir), "TENFOLD_TOPOLOGY": str(topology), "TENFOLD_EXCHANGE_BASE_PORT": str(base)})
    from tenfold.exchange.config import exchange_settings
    from tenfold.settings import get_settings

    get_settings.cache_clear()
    exchange_settings.cache_clear()


def run(seconds: float = 10.0, concurrency: int = 32, generator: str = "auto") -> dict[str, Any]:
    """Both paths, throughput and latency; the figures the issue asks for plus what they rest on.

    ``generator``: ``wrk``, ``python``, or ``auto`` (wrk when it is installed)."""
    from tenfold.exchange.runner import stop_all

    use_wrk = generator == "wrk" or (generator == "auto" and shutil.which("wrk") is not None)
    if use_wrk and shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed (Debian: apt-get install wrk)")
    directory = Path(tempfile.mkdtemp(prefix="tenfold-bench-exchange-"))
    var_dir = directory / "var"
    var_dir.mkdir()
    topology = _topology(directory)
    base = free_base()
    _provision(var_dir, topology, base)
    codes = _seed(var_dir)
    supervisor = _start(var_dir, topology, base)
    pids = {spec.name: spec.pid for spec in supervisor.specs if spec.pid}
    try:
        if use_wrk:
            direct_script = _wrk_script(directory, "direct", READ, {"Information-Mediator-Client": CLIENT}, codes)
            through_script = _wrk_script(directory, "exchange", SERVICE + READ, {"X-Road-Client": CLIENT}, codes)

            async def drive_direct(duration: float, connections: int) -> dict[str, Any]:
                return await asyncio.to_thread(_wrk, base + 12, direct_script, duration, connections)

            async def drive_through(duration: float, connections: int) -> dict[str, Any]:
                return await asyncio.to_thread(_wrk, base + 20, through_script, duration, connections)
        else:
            direct = _requests(base + 12, READ, {"Information-Mediator-Client": CLIENT}, codes)
            through = _requests(base + 20, SERVICE + READ, {"X-Road-Client": CLIENT}, codes)

            async def drive_direct(duration: float, connections: int) -> dict[str, Any]:
                return await _drive(base + 12, direct, duration, connections)

            async def drive_through(duration: float, connections: int) -> dict[str, Any]:
                return await _drive(base + 20, through, duration, connections)

        result = asyncio.run(_phases(drive_direct, drive_through, seconds, concurrency, pids))
    finally:
        stop_all(supervisor.specs)
    result["load_generator"] = (
        "wrk (C; one thread, keep-alive connections, on the same 2 cores), the same for both paths" if use_wrk
        else "Python asyncio + httptools, keep-alive connections, on the same 2 cores (wrk not installed), the same for both paths")
    result["log"] = _verify(var_dir)
    shutil.rmtree(directory, ignore_errors=True)
    return result


async def _phases(drive_direct: Any, drive_through: Any, seconds: float, concurrency: int, pids: dict[str, int]) -> dict[str, Any]:
    load_before = _load_average()
    await drive_direct(1.0, 4)  # warm-up: connections, caches, JIT-free but page-warm
    await drive_through(1.0, 4)
    cpu = {}
    before = _cpu_seconds(pids)
    direct_load = await drive_direct(seconds, concurrency)
    middle = _cpu_seconds(pids)
    exchange_load = await drive_through(seconds, concurrency)
    after = _cpu_seconds(pids)
    for phase, start, end, done in (("direct", before, middle, direct_load), ("exchange", middle, after, exchange_load)):
        if done["requests"]:
            cpu[phase] = {name: round((end[name] - start[name]) * 1000 / done["requests"], 3) for name in end if name in start}
    direct_one = await drive_direct(seconds, 1)
    exchange_one = await drive_through(seconds, 1)
    return {
        "exchange_rps": exchange_load["rps"], "direct_rps": direct_load["rps"],
        "exchange_p50_ms": exchange_one["p50_ms"], "exchange_p99_ms": exchange_one["p99_ms"],
        "direct_p50_ms": direct_one["p50_ms"], "direct_p99_ms": direct_one["p99_ms"],
        "added_p50_ms": round(exchange_one["p50_ms"] - direct_one["p50_ms"], 3),
        "added_p99_ms": round(exchange_one["p99_ms"] - direct_one["p99_ms"], 3),
        "under_load": {"concurrency": concurrency, "exchange_p50_ms": exchange_load["p50_ms"], "exchange_p99_ms": exchange_load["p99_ms"],
                       "direct_p50_ms": direct_load["p50_ms"], "direct_p99_ms": direct_load["p99_ms"]},
        "requests": {"exchange": exchange_load["requests"] + exchange_one["requests"], "direct": direct_load["requests"] + direct_one["requests"]},
        "errors": {"exchange": {**exchange_load["errors"], **exchange_one["errors"]}, "direct": {**direct_load["errors"], **direct_one["errors"]}},
        "seconds_per_phase": seconds, "latency_concurrency": 1,
        "latency_percentiles_ms": {"exchange, 1 connection": exchange_one["percentiles_ms"], "direct, 1 connection": direct_one["percentiles_ms"],
                                   f"exchange, {concurrency} connections": exchange_load["percentiles_ms"],
                                   f"direct, {concurrency} connections": direct_load["percentiles_ms"]},
        "cpu_ms_per_request": cpu,
        "load_average": {"before": load_before, "after": _load_average()},
        "path": "consumer gateway (SIB) -> mTLS, Ed25519-signed (batch signatures), hash-chained message log on both sides -> provider gateway (POP) -> registry",
    }


def _load_average() -> list[float] | None:
    try:
        return [round(v, 2) for v in os.getloadavg()]
    except (OSError, AttributeError):
        return None


def _verify(var_dir: Path) -> dict[str, Any]:
    from tenfold.exchange.logverify import verify_log
    from tenfold.exchange.pki import Anchor
    from tenfold.storage import make_engine

    anchor = Anchor.load(var_dir / "pki" / "anchor.json")
    found = {}
    for code, member in (("pop", "DEMO/GOV/POP"), ("sib", "DEMO/GOV/SIB")):
        verdict = verify_log(make_engine(f"sqlite:///{var_dir / (code + '.sqlite')}"), member, anchor)
        found[member] = {"entries": verdict.entries, "intact": verdict.intact}
    return found


if __name__ == "__main__":
    print(json.dumps(run(float(sys.argv[1]) if len(sys.argv) > 1 else 5.0), indent=2))
