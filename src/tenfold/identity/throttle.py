"""A sliding-window limit on sign-in attempts per client address, held in the process.

It complements the account lockout (which is in the database and holds across processes): it
slows down someone trying many personal codes from one address, which a per-account lockout
alone does not.
"""

from __future__ import annotations

import threading
import time
from collections import deque


class Throttle:
    def __init__(self, per_minute: int, window: float = 60.0, max_keys: int = 100_000):
        self.per_minute, self.window, self.max_keys = per_minute, window, max_keys
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str, now: float | None = None) -> int | None:
        """None when the attempt may go ahead; otherwise the seconds to wait."""
        now = time.monotonic() if now is None else now
        with self._lock:
            attempts = self._seen.get(key)
            if attempts is None:
                if len(self._seen) >= self.max_keys:
                    self._forget_idle(now)
                attempts = self._seen[key] = deque()
            while attempts and attempts[0] <= now - self.window:
                attempts.popleft()
            if len(attempts) >= self.per_minute:
                return int(attempts[0] + self.window - now) + 1
            attempts.append(now)
            return None

    def _forget_idle(self, now: float) -> None:
        for key in [k for k, v in self._seen.items() if not v or v[-1] <= now - self.window]:
            del self._seen[key]
