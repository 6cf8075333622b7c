"""Registry reads: through the GovStack Data API over HTTP, and the same reads in direct SQL.

Fills a fresh POP database with synthetic persons, serves it with uvicorn (uvloop, httptools,
one worker) in a child process, and drives ``POST /data/persons/1.0/read`` by random ID from an
aiohttp load generator (a Python one, on the same two cores). In the same run it measures the
direct baseline: the same primary-key reads with plain SQL, and the registry service called
in-process (the read plus its usage-log entry, without HTTP).
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

REGISTRIES = ["persons", "births", "deaths", "relations", "addresses"]
HEADERS = {"Information-Mediator-Client": "DEMO/GOV/SIB/benefits", "X-Road-Purpose": "benchmark"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _fill(url: str, persons: int, seed: int) -> list[str]:
    """A POP database with ``persons`` valid person records; returns their codes."""
    from tenfold.ids import isikukood, scheme
    from tenfold.registries import open_service, store
    from tenfold.storage import make_engine

    rng = np.random.default_rng(seed)
    born = np.datetime64("1930-01-01") + rng.integers(0, 34000, persons)
    codes = sorted(scheme("ee").generate_many(rng, born, rng.integers(0, 2, persons)).tolist())
    engine = make_engine(url)
    service = open_service(engine, "DEMO/GOV/POP", REGISTRIES)
    rows = (
        (code, {"ID": code, "firstName": "Mari", "lastName": "Tamm", "birthDate": isikukood.birth_date(code).isoformat(),
                "sex": isikukood.sex(code), "status": "alive", "addressId": f"A-{i // 3}", "householdId": f"H-{i // 3}"})
        for i, code in enumerate(codes)
    )
    store.bulk_load(engine, "persons", rows)
    store.ensure_indexes(engine, service.schemas())
    engine.dispose()
    return codes


def _direct_sql(url: str, codes: list[str], seconds: float) -> dict[str, float]:
    from tenfold.registries import store
    from tenfold.storage import make_engine

    engine = make_engine(url)
    rng = np.random.default_rng(1)
    latencies = []
    deadline = time.perf_counter() + seconds
    with engine.connect() as connection:
        while time.perf_counter() < deadline:
            code = codes[int(rng.integers(len(codes)))]
            started = time.perf_counter()
            assert store.get(connection, "persons", code) is not None
            latencies.append(time.perf_counter() - started)
    engine.dispose()
    return _summary(latencies, seconds)


def _direct_service(url: str, codes: list[str], seconds: float) -> dict[str, float]:
    from tenfold.registries import Reader, open_service
    from tenfold.storage import make_engine

    service = open_service(make_engine(url), "DEMO/GOV/POP", REGISTRIES)
    reader = Reader(client="DEMO/GOV/SIB/benefits", purpose="benchmark")
    rng = np.random.default_rng(2)
    latencies = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        code = codes[int(rng.integers(len(codes)))]
        started = time.perf_counter()
        service.read(reader, "persons", "1.0", {"ID": code})
        latencies.append(time.perf_counter() - started)
    service.engine.dispose()
    return _summary(latencies, seconds)


def _summary(latencies: list[float], seconds: float) -> dict[str, float]:
    values = np.array(latencies) * 1000
    return {
        "reads": len(values),
        "reads_per_s": round(len(values) / seconds, 1),
        "p50_ms": round(float(np.percentile(values, 50)), 3),
        "p99_ms": round(float(np.percentile(values, 99)), 3),
    }


async def _drive(base: str, codes: list[str], seconds: float, concurrency: int) -> dict[str, float]:
    import aiohttp

    latencies: list[float] = []
    errors = 0
    rng = np.random.default_rng(3)
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector, headers=HEADERS) as session:
        deadline = time.perf_counter() + seconds

        async def worker() -> None:
            nonlocal errors
            while time.perf_counter() < deadline:
                code = codes[int(rng.integers(len(codes)))]
                started = time.perf_counter()
                async with session.post(f"{base}/data/persons/1.0/read", json={"query": {"content": {"ID": code}}}) as response:
                    await response.read()
                    if response.status != 200:
                        errors += 1
                latencies.append(time.perf_counter() - started)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    result = _summary(latencies, seconds)
    result["errors"] = errors
    return result


def _serve(url: str, port: int, directory: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "TENFOLD_DATABASE_URL_POP": url, "TENFOLD_VAR_DIR": str(directory)}
    return subprocess.Popen(
        [sys.executable, "-m", "tenfold.cli", "serve", "registry", "--member", "POP", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )


def _wait_ready(port: int, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the registry server exited: " + (process.stderr.read().decode() if process.stderr else ""))
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the registry server did not start")


def run(persons: int = 100_000, seconds: float = 10.0, concurrency: int = 16, seed: int = 1) -> dict[str, Any]:
    directory = Path(tempfile.mkdtemp(prefix="tenfold-bench-registry-"))
    url = f"sqlite:///{directory / 'pop.sqlite'}"
    started = time.perf_counter()
    codes = _fill(url, persons, seed)
    load_seconds = time.perf_counter() - started
    sql = _direct_sql(url, codes, seconds)
    in_process = _direct_service(url, codes, seconds)
    port = _free_port()
    server = _serve(url, port, directory)
    try:
        _wait_ready(port, server)
        asyncio.run(_drive(f"http://127.0.0.1:{port}", codes, 1.0, concurrency))  # warm-up
        api = asyncio.run(_drive(f"http://127.0.0.1:{port}", codes, seconds, concurrency))
    finally:
        server.terminate()
        server.wait(10)
    return {
        "persons": persons,
        "seconds": seconds,
        "concurrency": concurrency,
        "load_generator": "aiohttp (Python) on the same machine",
        "api_reads_per_s": api["reads_per_s"],
        "api_p50_ms": api["p50_ms"],
        "api_p99_ms": api["p99_ms"],
        "api_errors": api["errors"],
        "direct_sql_reads_per_s": sql["reads_per_s"],
        "direct_sql_p50_ms": sql["p50_ms"],
        "service_reads_per_s": in_process["reads_per_s"],
        "service_p50_ms": in_process["p50_ms"],
        "api_to_direct_sql_ratio": round(api["reads_per_s"] / sql["reads_per_s"], 4),
        "fill_seconds": round(load_seconds, 2),
    }
