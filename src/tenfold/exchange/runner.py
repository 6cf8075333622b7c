"""Run the country: every process of CENTRAL and of each member (gateway and applications) as a
child of one supervisor, started in order, health-checked, restarted when it dies, stopped
together; the runtime addresses are written to ``var/runtime.json``."""

from __future__ import annotations

import ctypes
import http.client
import json
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

from tenfold.errors import TenfoldError
from tenfold.i18n import _

RESTART_DELAY = 0.5
START_TIMEOUT = 90.0
# glibc gives each thread that allocates its own heap arena, up to 8 per core, and a freed block
# goes back only to its own arena: a threaded server's resident memory climbs for many minutes
# until every arena holds its own high-water mark (the soak saw SIB's benefits process grow by
# 80 MiB over 18 minutes, with Python's own objects flat). Two arenas keep the high-water mark
# shared; an operator's own MALLOC_ARENA_MAX wins.
ALLOCATOR_ENV = {"MALLOC_ARENA_MAX": "2"}


PARENT_ENV = "TENFOLD_SERVE_PARENT"   # set by whoever starts a country for itself (demo, tests, benchmarks)
_PR_SET_PDEATHSIG = 1


class StartFailed(TenfoldError):
    """A process did not become healthy in time (its log says why)."""


@dataclass
class ProcessSpec:
    name: str
    argv: list[str]
    health_url: str | None
    log_file: Path
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None
    restarts: int = 0

    def start(self) -> None:
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_file.open("ab")
        self.process = subprocess.Popen(self.argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                        env={**ALLOCATOR_ENV, **os.environ, **self.env}, start_new_session=True)
        log.close()

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None


def healthy(url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - our own loopback URLs
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError, ValueError, http.client.HTTPException):
        # HTTPException: a garbled answer, e.g. a probe of a port nobody listens on yet that
        # connected to itself and read its own request back; not healthy yet, ask again.
        return False


def wait_healthy(specs: list[ProcessSpec], timeout: float = START_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    waiting = [s for s in specs if s.health_url]
    while waiting:
        for spec in list(waiting):
            if not spec.alive():
                raise StartFailed(_("{name} exited while starting (see {log})").format(name=spec.name, log=spec.log_file))
            if healthy(spec.health_url or ""):
                waiting.remove(spec)
        if waiting and time.monotonic() > deadline:
            names = ", ".join(s.name for s in waiting)
            raise StartFailed(_("{names} not healthy after {seconds} s (see the logs under {logs})").format(
                names=names, seconds=int(timeout), logs=waiting[0].log_file.parent))
        if waiting:
            time.sleep(0.1)


def stop_all(specs: list[ProcessSpec], grace: float = 10.0) -> None:
    for spec in reversed(specs):
        if spec.alive():
            assert spec.process is not None
            spec.process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + grace
    for spec in reversed(specs):
        if spec.process is None:
            continue
        try:
            spec.process.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            spec.process.kill()
            spec.process.wait()


def follow_parent() -> None:
    """A country started by another process for its own use (``running_country``: the demo, a test,
    a benchmark) stops when that process ends, even when it is killed outright: Linux sends this
    supervisor SIGTERM then (``PR_SET_PDEATHSIG``), and the supervisor stops its children. Until
    ``Supervisor.supervise`` takes SIGTERM over, it ends the start (the processes started so far
    are stopped). Children of the supervisor do not inherit the request."""
    parent = os.environ.pop(PARENT_ENV, None)
    if parent is None:
        return
    signal.signal(signal.SIGTERM, _stop_starting)
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    if os.getppid() != int(parent):   # it ended before the request was made
        raise TenfoldError(_("the process that started this country has ended"))


def _stop_starting(_signum: int, _frame: Any) -> None:
    raise SystemExit(_("stopped while starting"))


def write_runtime(path: Path, runtime: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(runtime, indent=2))
    temporary.replace(path)


class Supervisor:
    """Starts the stages in order (each healthy before the next), then keeps them running."""

    def __init__(self, stages: list[list[ProcessSpec]], runtime_file: Path, describe: Callable[[], dict[str, Any]]):
        self.stages = stages
        self.runtime_file = runtime_file
        self.describe = describe
        self._stopping = False

    @property
    def specs(self) -> list[ProcessSpec]:
        return [s for stage in self.stages for s in stage]

    def start(self) -> None:
        try:
            for stage in self.stages:
                for spec in stage:
                    spec.start()
                wait_healthy(stage)
        except BaseException:
            stop_all(self.specs)
            raise
        write_runtime(self.runtime_file, self.describe())

    def supervise(self, on_restart: Callable[[ProcessSpec], None] | None = None) -> None:
        """Restart any process that dies, until SIGTERM or SIGINT; then stop everything."""
        def stop(_signum: int, _frame: Any) -> None:
            self._stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            while not self._stopping:
                for spec in self.specs:
                    if not spec.alive() and not self._stopping:
                        time.sleep(RESTART_DELAY)
                        spec.restarts += 1
                        spec.start()
                        write_runtime(self.runtime_file, self.describe())
                        if on_restart:
                            on_restart(spec)
                time.sleep(0.2)
        finally:
            stop_all(self.specs)
            self.runtime_file.unlink(missing_ok=True)

