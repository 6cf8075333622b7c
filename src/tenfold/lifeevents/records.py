"""Small writes every journey shares, each on the caller's connection (its transaction): new
ids, journey steps, exception-queue entries, SIB's settings (its business day, its key for
pseudonymous ids)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from tenfold.lifeevents.tables import exception_queue, journey_steps, sib_settings


def now() -> datetime:
    return datetime.now(UTC)


def new_id(prefix: str) -> str:
    return prefix + base64.b32encode(uuid.uuid4().bytes).decode()[:20]


def step(connection: Connection, journey: str, subject: str, name: str, **detail: Any) -> None:
    connection.execute(insert(journey_steps), {"journey": journey, "subject": subject, "step": name, "detail": detail, "at": now()})


def raise_exception(connection: Connection, kind: str, reason_code: str, params: dict[str, Any], *, subject: str | None = None,
                    event_id: int | None = None, offer_id: str | None = None, decision_id: str | None = None,
                    application_id: str | None = None) -> int:
    """Put a case in the caseworkers' exception queue; returns its id."""
    result = connection.execute(insert(exception_queue).values(
        kind=kind, reason_code=reason_code, params=params, subject=subject, event_id=event_id, offer_id=offer_id,
        decision_id=decision_id, application_id=application_id, state="open", created_at=now()))
    return int(result.inserted_primary_key[0])


def setting(connection: Connection, key: str) -> str | None:
    return connection.execute(select(sib_settings.c.value).where(sib_settings.c.key == key)).scalar_one_or_none()


def put_setting(connection: Connection, key: str, value: str) -> None:
    if connection.execute(update(sib_settings).where(sib_settings.c.key == key).values(value=value)).rowcount == 0:
        connection.execute(insert(sib_settings).values(key=key, value=value))


class Keys:
    """SIB's secret for pseudonymous payee ids and payment request ids (made once, kept in its DB)."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self._secret: bytes | None = None

    def secret(self) -> bytes:
        if self._secret is None:
            with self.engine.begin() as connection:
                found = setting(connection, "pseudonym_key")
                if found is None:
                    found = secrets.token_hex(32)
                    try:
                        with connection.begin_nested():
                            put_setting(connection, "pseudonym_key", found)
                    except IntegrityError:
                        found = setting(connection, "pseudonym_key")
            self._secret = bytes.fromhex(str(found))
        return self._secret

    def token(self, prefix: str, *parts: str, length: int = 26) -> str:
        digest = hmac.new(self.secret(), "\x1f".join(parts).encode(), hashlib.sha256).digest()
        return prefix + base64.b32encode(digest).decode()[:length]

    def payee(self, person: str) -> str:
        """The functional id the treasury's mapper knows the person by (never the personal code)."""
        return self.token("S", "payee", person, length=19)

    def request_id(self, program: str, benefit: str, person: str, month: str, enrolment: str) -> str:
        """One payment's stable id: a retry after a crash is answered by the duplicate rule."""
        return self.token("SIB-", program, benefit, person, month, enrolment)


class Clock:
    """SIB's business day: the wall clock, unless the simulator of the country moves it."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self._today: date | None = None
        self._read = False

    def today(self) -> date:
        if not self._read:
            with self.engine.connect() as connection:
                found = setting(connection, "today")
            self._today, self._read = (date.fromisoformat(found) if found else None), True
        return self._today or now().date()

    def set(self, day: date | None) -> None:
        with self.engine.begin() as connection:
            put_setting(connection, "today", day.isoformat() if day else "")
        self._today, self._read = day, True

    def refresh(self) -> None:
        self._read = False
