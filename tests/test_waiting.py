"""Waits with a time limit end when their task is cancelled, even when what they waited for
arrives in the same turn of the loop (Python 3.11's ``asyncio.wait_for`` swallowed that
cancellation, and a gateway's stop hung on its checkpointer)."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from tenfold.waiting import wait_event, within

SRC = Path(__file__).resolve().parents[1] / "src" / "tenfold"


async def _waits_for_ever(event: asyncio.Event) -> None:
    while True:  # as a worker's loop: wait for a wake-up or the poll interval, then work
        await wait_event(event, 10)
        event.clear()


def test_a_loop_on_an_event_ends_when_cancelled_as_the_event_is_set() -> None:
    async def scenario() -> None:
        event = asyncio.Event()
        task = asyncio.create_task(_waits_for_ever(event))
        await asyncio.sleep(0)
        event.set()
        task.cancel()  # in the same turn as the event
        done, _ = await asyncio.wait({task}, timeout=2)
        assert task in done and task.cancelled()

    asyncio.run(scenario())


def test_wait_event_says_whether_the_event_came() -> None:
    async def scenario() -> tuple[bool, bool]:
        event = asyncio.Event()
        missed = await wait_event(event, 0.01)
        asyncio.get_running_loop().call_later(0.01, event.set)
        return missed, await wait_event(event, 5)

    assert asyncio.run(scenario()) == (False, True)


def test_within_returns_the_result_or_times_out() -> None:
    async def scenario() -> int:
        with pytest.raises(TimeoutError):
            await within(0.01, asyncio.sleep(5))
        return await within(5, asyncio.sleep(0, result=7))

    assert asyncio.run(scenario()) == 7


def test_no_code_waits_with_asyncio_wait_for() -> None:
    users = [str(p.relative_to(SRC)) for p in SRC.rglob("*.py") if re.search(r"\bwait_for\(", p.read_text(encoding="utf-8"))]
    assert users == [], f"use tenfold.waiting instead of asyncio.wait_for in: {users}"
