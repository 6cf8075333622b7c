"""Waiting with a time limit, without Python 3.11's ``asyncio.wait_for`` race.

In Python 3.11, ``asyncio.wait_for`` returns the awaited result instead of raising when its
task is cancelled in the same turn of the loop as that result arrives (CPython gh-86296, fixed
in 3.12). A loop that waits on an event with it can then outlive the cancellation meant to end
it: a gateway's checkpointer did, and the gateway's stop waited for it for ever.
``asyncio.timeout`` has no such race (it tells its own cancellation from another's), so every
wait with a limit goes through it.
"""

from __future__ import annotations

import asyncio
from typing import Awaitable, TypeVar

T = TypeVar("T")


async def within(seconds: float, work: Awaitable[T]) -> T:
    """``work``'s result, or :class:`TimeoutError` after ``seconds`` (``work`` is then cancelled)."""
    async with asyncio.timeout(seconds):
        return await work


async def wait_event(event: asyncio.Event, seconds: float) -> bool:
    """Whether ``event`` is set, waiting for it up to ``seconds``."""
    try:
        async with asyncio.timeout(seconds):
            await event.wait()
    except TimeoutError:
        return event.is_set()
    return True
