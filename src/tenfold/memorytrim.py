"""Give freed memory back to the operating system now and then (glibc only).

glibc's ``free`` keeps freed memory in its heaps and returns only the top of each heap: pages
freed in the middle stay resident. A server whose objects come and go (requests, database rows)
then shows a resident size that creeps towards its busiest moment and stays there, although
Python holds no more objects than before (the soak benchmark saw SIB's benefits process keep
17 MiB of such pages after 20 minutes). ``malloc_trim(0)`` hands those pages back; a thread does
it every ``TENFOLD_MALLOC_TRIM_SECONDS`` (60 by default, 0: never). One call holds each heap's
lock while it runs: measured on the 2-core machine, 1.6 ms with little to return and 18 ms to
return 150 MB; a request that allocates meanwhile waits that long, once a minute at most.
"""

from __future__ import annotations

import ctypes
import os
import platform
import threading
from typing import Callable

from tenfold.errors import InvalidInput
from tenfold.i18n import _

DEFAULT_SECONDS = 60.0


def _malloc_trim() -> Callable[[int], int] | None:
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return None
    try:
        function = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return None
    function.argtypes, function.restype = [ctypes.c_size_t], ctypes.c_int
    return function  # type: ignore[no-any-return]


_TRIM = _malloc_trim()


def trim() -> bool | None:
    """Return freed heap pages to the system now: True when some were, None without glibc."""
    return None if _TRIM is None else bool(_TRIM(0))


def interval() -> float:
    """Seconds between trims from the environment; a value that is not a number is refused."""
    text = os.environ.get("TENFOLD_MALLOC_TRIM_SECONDS", "").strip()
    if not text:
        return DEFAULT_SECONDS
    try:
        seconds = float(text)
    except ValueError:
        raise InvalidInput(_("TENFOLD_MALLOC_TRIM_SECONDS must be a number of seconds, not {text}").format(text=repr(text))) from None
    if seconds < 0:
        raise InvalidInput(_("TENFOLD_MALLOC_TRIM_SECONDS must be 0 (never) or more"))
    return seconds


def start(seconds: float | None = None) -> threading.Event | None:
    """Trim every ``seconds`` in a daemon thread; returns the event that stops it, or None when
    trimming is off or the C library is not glibc."""
    seconds = interval() if seconds is None else seconds
    if seconds == 0 or _TRIM is None:
        return None
    stop = threading.Event()

    def run() -> None:
        while not stop.wait(seconds):
            trim()

    threading.Thread(target=run, name="malloc-trim", daemon=True).start()
    return stop
