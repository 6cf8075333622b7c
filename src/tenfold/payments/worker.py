"""The dispatcher as a background thread of the payments application (or of ``tenfold payments
run``). Only the process holding the dispatcher lock works; the others wait as standbys and take
over when the holder dies."""

from __future__ import annotations

import logging
import threading
import time

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
