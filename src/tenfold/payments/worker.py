"""The dispatcher as a background thread of the payments application (or of ``tenfold payments
run``). Only the process holding the dispatcher lock works; the others wait as standbys and take
over when the holder dies."""

from __future__ import annotations

import logging
import threading
import time
from typing import Callable

from tenfold.payments.dispatcher import Dispatcher, DispatcherBusy, DispatcherLock
from tenfold.payments.service import PaymentsService

log = logging.getLogger("tenfold.payments")
STANDBY_SECONDS = 2.0


class DispatcherThread:
    def __init__(self, service: PaymentsService):
        self.service = service
        self.dispatcher = Dispatcher(service.engine, service.directory, service.settings, service.clock)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="payments-dispatcher", daemon=True)
        self.active = False

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=60)

    def _run(self) -> None:
        lock = DispatcherLock(self.service.engine)
        while not self._stop.is_set():
            try:
                lock.acquire()
            except DispatcherBusy:
                self._stop.wait(STANDBY_SECONDS)
                continue
            self.active = True
            try:
                self._work()
            finally:
                self.active = False
                lock.release()

    def _work(self) -> None:
        interval = self.service.settings.worker_interval_seconds
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                report = self.dispatcher.step()
                for problem in report.problems:
                    log.warning("%s", problem)
                busy = report.busy
            except Exception:  # one bad step must not stop the treasury; the next step tries again
                log.exception("dispatcher step failed")
                busy = False
            if not busy:
                self._stop.wait(max(interval - (time.monotonic() - started), 0.0))


def run_until(service: PaymentsService, done: Callable[[], bool], timeout: float,
              on_step: Callable[[], None] | None = None) -> bool:
    """Dispatch (or, when another process holds the dispatcher lock, watch it dispatch) until
    ``done()`` or the timeout; returns whether it finished."""
    deadline = time.monotonic() + timeout
    lock = DispatcherLock(service.engine)
    try:
        lock.acquire()
        dispatcher: Dispatcher | None = Dispatcher(service.engine, service.directory, service.settings, service.clock)
    except DispatcherBusy:
        dispatcher = None
    try:
        while time.monotonic() < deadline:
            busy = False
            if dispatcher is not None:
                report = dispatcher.step()
                busy = report.busy
                for problem in report.problems:
                    log.warning("%s", problem)
            if on_step:
                on_step()
            if done():
                return True
            if not busy:
                time.sleep(service.settings.worker_interval_seconds)
        return False
    finally:
        if dispatcher is not None:
            lock.release()
