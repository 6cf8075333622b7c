"""SIB's worker: an asyncio task inside the benefits application (one process), so an event
pushed to the inbox is taken up at once. It claims due events and runs their journeys (a
bounded number at a time), sends notifications, expires offers past their deadline, plans the
monthly payment calendar and hands due instructions to the treasury, and sweeps the previous
days once a business day. All its state is in SIB's database: killed at any point and started
again, it carries on where the database says it stopped.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from tenfold.lifeevents import offers, payouts, queue
from tenfold.lifeevents.records import put_setting, setting
from tenfold.lifeevents.sweep import sweep
from tenfold.lifeevents.xroad import ExchangeUnavailable
from tenfold.waiting import wait_event

if TYPE_CHECKING:
    from tenfold.lifeevents.service import LifeEvents

log = logging.getLogger("tenfold.lifeevents.worker")


class Worker:
    def __init__(self, life: LifeEvents):
        self.life = life
        self.wake = asyncio.Event()
        self._slots = asyncio.Semaphore(life.settings.concurrency)
        self._running: set[asyncio.Task[None]] = set()
        self._planned_for: object = None   # the business day the calendar was last planned for

    def nudge(self) -> None:
        self.wake.set()

    async def run(self) -> None:
        loops = [self._events(), self._housekeeping()]
        await asyncio.gather(*loops)

    async def _events(self) -> None:
        settings = self.life.settings
        while True:
            try:
                free = settings.concurrency - len(self._running)
                claimed = await asyncio.to_thread(queue.claim, self.life.engine, free, settings.lease_seconds,
                                                  settings.max_attempts) if free > 0 else []
            except Exception as error:  # the database is busy or away: the events wait in it
                log.warning("claiming events failed, will retry: %s", type(error).__name__)
                claimed = []
            for item in claimed:
                task = asyncio.create_task(self._one(item))
                self._running.add(task)
                task.add_done_callback(self._running.discard)
            if not claimed:
                self.wake.clear()
                await wait_event(self.wake, settings.poll_seconds)

    async def _one(self, item: queue.Claimed) -> None:
        async with self._slots:
            outcome = await self.life.journeys.handle(item)
        log.info("event %s: %s", item.id, outcome)
        self.wake.set()

    async def _housekeeping(self) -> None:
        while True:
            for work in (self.notify, self.calendar, self.nightly):
                try:
                    await work()
                except ExchangeUnavailable as error:   # its message names the service and the status only
                    log.warning("%s: the exchange did not answer: %s", work.__name__, error)
                except Exception as error:  # a defect must not stop the other work (no message: it may quote a person)
                    log.error("%s failed: %s", work.__name__, type(error).__name__)
            await asyncio.sleep(self.life.settings.poll_seconds)

    async def notify(self) -> None:
        await asyncio.to_thread(self.life.sender.send_pending)

    async def calendar(self) -> None:
        """Once a business day: expire offers past their deadline and plan the months now due.
        Every round: hand the instructions whose run is near to the treasury."""
        life = self.life
        today = life.clock.today()

        def plan() -> None:
            with life.engine.begin() as connection:
                offers.expire_due(connection, today)
                payouts.plan(connection, life.keys, today, life.settings.instruction_lead_days)

        if self._planned_for != today:
            await asyncio.to_thread(plan)
            self._planned_for = today
        await life.treasury.submit_due()

    async def nightly(self) -> None:
        """Once a business day: sweep the days since the last sweep (at most a week back)."""
        life = self.life
        today = life.clock.today()

        def last_swept() -> str | None:
            with life.engine.begin() as connection:
                found = setting(connection, "last_sweep")
                if found is None:
                    put_setting(connection, "last_sweep", (today - timedelta(days=1)).isoformat())
                return found

        found = await asyncio.to_thread(last_swept)
        if found is None or found >= (today - timedelta(days=1)).isoformat():
            return
        from datetime import date

        start = max(date.fromisoformat(found) + timedelta(days=1), today - timedelta(days=7))
        result = await sweep(life.engine, life.client, start, today - timedelta(days=1))

        def remember() -> None:
            with life.engine.begin() as connection:
                put_setting(connection, "last_sweep", (today - timedelta(days=1)).isoformat())

        await asyncio.to_thread(remember)
        if result.taken_in:
            log.info("the sweep took in %s events SIB had missed", result.taken_in)
            self.wake.set()
