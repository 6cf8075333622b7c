"""Server-side sessions: the browser holds a random token in a cookie (HttpOnly, SameSite=Lax,
Secure with the ``__Host-`` prefix on https); the portal's database holds what the session
knows, under the token's SHA-256. A sign-in rotates the token (no session fixation); every
session has an idle limit and an absolute one; each has its own CSRF token.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Callable

from sqlalchemy import Engine, delete, insert, select, update

from tenfold.portal.tables import sessions

ANONYMOUS, CITIZEN, STAFF = "anonymous", "citizen", "staff"
TOUCH_SECONDS = 60  # the last-seen time is written at most this often


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class Session:
    token: str
    kind: str
    subject: str | None
    name: str | None
    roles: list[str]
    csrf_token: str
    data: dict[str, Any] = field(default_factory=dict)
    seen_at: datetime | None = None
    expires_at: datetime | None = None
    fresh: bool = False  # the cookie must be (re)sent

    @property
    def citizen(self) -> str | None:
        return self.subject if self.kind == CITIZEN else None

    def has_role(self, role: str) -> bool:
        return self.kind == STAFF and role in self.roles

    def csrf_ok(self, given: str | None) -> bool:
        return bool(given) and hmac.compare_digest(self.csrf_token, str(given))


class Sessions:
    def __init__(self, engine: Engine, idle_seconds: int, max_seconds: int, staff_idle_seconds: int,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)):
        self.engine, self.idle, self.max, self.staff_idle, self.clock = engine, idle_seconds, max_seconds, staff_idle_seconds, clock

    def start(self) -> Session:
        """A new anonymous session (made when a page needs a CSRF token or a sign-in starts)."""
        return self._insert(ANONYMOUS, None, None, [], {})

    def _insert(self, kind: str, subject: str | None, name: str | None, roles: list[str], data: dict[str, Any]) -> Session:
        token, now = secrets.token_urlsafe(32), self.clock()
        session = Session(token, kind, subject, name, roles, secrets.token_urlsafe(32), data, now,
                          now + timedelta(seconds=self.max), fresh=True)
        with self.engine.begin() as connection:
            connection.execute(insert(sessions).values(
                token_hash=digest(token), kind=kind, subject=subject, name=name, roles=roles, csrf_token=session.csrf_token,
                data=data, created_at=now, seen_at=now, expires_at=session.expires_at))
        return session

    def load(self, token: str | None) -> Session | None:
        """The live session of this cookie value, or None (unknown, idle too long or past its end)."""
        if not token or len(token) > 100:
            return None
        with self.engine.connect() as connection:
            row = connection.execute(select(sessions).where(sessions.c.token_hash == digest(token))).first()
        if row is None:
            return None
        now = self.clock()
        idle = self.staff_idle if row.kind == STAFF else self.idle
        if row.expires_at <= now or row.seen_at + timedelta(seconds=idle) <= now:
            self.end(token)
            return None
        session = Session(token, row.kind, row.subject, row.name, list(row.roles), row.csrf_token, dict(row.data), row.seen_at, row.expires_at)
        if (now - row.seen_at).total_seconds() >= TOUCH_SECONDS:
            with self.engine.begin() as connection:
                connection.execute(update(sessions).where(sessions.c.token_hash == digest(token)).values(seen_at=now))
            session.seen_at = now
        return session

    def sign_in(self, old: Session | None, kind: str, subject: str, name: str | None, roles: list[str]) -> Session:
        """A new session (new token, new CSRF token) for the signed-in person; the old one ends."""
        if old is not None:
            self.end(old.token)
        language = (old.data.get("language") if old else None)
        return self._insert(kind, subject, name, roles, {"language": language} if language else {})

    def save(self, session: Session) -> None:
        with self.engine.begin() as connection:
            connection.execute(update(sessions).where(sessions.c.token_hash == digest(session.token)).values(data=session.data))

    def end(self, token: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(delete(sessions).where(sessions.c.token_hash == digest(token)))

    def sweep(self) -> int:
        """Delete sessions past their absolute end or idle limit (the app does it now and then)."""
        now = self.clock()
        with self.engine.begin() as connection:
            return connection.execute(delete(sessions).where(
                (sessions.c.expires_at <= now) | (sessions.c.seen_at <= now - timedelta(seconds=max(self.idle, self.staff_idle))))).rowcount
