"""The staff directory: caseworkers, approvers (the second pair of eyes) and operators sign in
with a password and a one-time code (TOTP); failures count towards a lockout; every sign-in,
failed or not, is in the staff audit log. Each official has a personal code, which the portal
sends as ``X-Road-UserId`` when they read a person's data, so the person sees it."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Callable

import pyotp
from sqlalchemy import Engine, insert, select, update

from tenfold.errors import InvalidInput, TenfoldError
from tenfold.i18n import N_
from tenfold.ids import scheme
from tenfold.portal.tables import staff, staff_audit

ROLES = ("caseworker", "approver", "operator")
FAILED = N_("The user name, password or one-time code is not right.")
LOCKED = N_("Too many failed attempts. Try again later.")


class StaffSignInFailed(TenfoldError):
    """Wrong name, password or code, a locked account, or an inactive one."""


@dataclass(frozen=True)
class StaffCredentials:
    staff_id: str
    password: str
    totp_secret: str

    def current_code(self, now: datetime | None = None) -> str:
        return pyotp.TOTP(self.totp_secret).at(now or datetime.now(UTC))


@dataclass(frozen=True)
class Official:
    staff_id: str
    name: str
    user_id: str
    roles: list[str]


def hash_password(password: str, n: int) -> str:
    salt = secrets.token_bytes(16)
    derived = hashlib.scrypt(password.encode(), salt=salt, n=n, r=8, p=1, maxmem=256 * 1024 * 1024, dklen=32)
    return f"scrypt${n}$8$1${base64.b64encode(salt).decode()}${base64.b64encode(derived).decode()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        _kind, n, r, p, salt, expected = stored.split("$")
        derived = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
                                 maxmem=256 * 1024 * 1024, dklen=32)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(derived, base64.b64decode(expected))


def audit(engine: Engine, staff_id: str | None, action: str, target: str | None = None, **detail: Any) -> None:
    with engine.begin() as connection:
        connection.execute(insert(staff_audit).values(at=datetime.now(UTC), staff_id=staff_id, action=action, target=target,
                                                      detail=detail))


class StaffDirectory:
    def __init__(self, engine: Engine, scrypt_n: int, max_failures: int, lockout_seconds: int,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)):
        self.engine, self.n, self.max_failures, self.lockout, self.clock = engine, scrypt_n, max_failures, lockout_seconds, clock
        self._dummy = hash_password(secrets.token_urlsafe(12), scrypt_n)

    def add(self, staff_id: str, name: str, personal_code: str, roles: list[str], password: str | None = None,
            totp_secret: str | None = None) -> StaffCredentials:
        """Create or replace an official's account; returns the credentials (shown once)."""
        if not staff_id.isascii() or not staff_id.replace(".", "").replace("-", "").isalnum() or not 2 <= len(staff_id) <= 64:
            raise InvalidInput("staff id: 2 to 64 letters, digits, dots or hyphens")
        unknown = sorted(set(roles) - set(ROLES))
        if not roles or unknown:
            raise InvalidInput(f"roles: choose from {', '.join(ROLES)}")
        code = scheme().validate(personal_code)
        user_id = scheme().country_prefix + code
        password = password or secrets.token_urlsafe(12)
        totp_secret = totp_secret or pyotp.random_base32()
        values = dict(name=name, user_id=user_id, roles=sorted(set(roles)), password_hash=hash_password(password, self.n),
                      totp_secret=totp_secret, last_totp_step=None, failed_attempts=0, locked_until=None, active=True)
        with self.engine.begin() as connection:
            if connection.execute(update(staff).where(staff.c.id == staff_id).values(**values)).rowcount == 0:
                connection.execute(insert(staff).values(id=staff_id, created_at=self.clock(), **values))
        audit(self.engine, None, "staff_added", staff_id, roles=sorted(set(roles)))
        return StaffCredentials(staff_id, password, totp_secret)

    def listed(self) -> list[dict[str, Any]]:
        with self.engine.connect() as connection:
            rows = connection.execute(select(staff.c.id, staff.c.name, staff.c.roles, staff.c.active).order_by(staff.c.id)).all()
        return [{"id": r.id, "name": r.name, "roles": list(r.roles), "active": r.active} for r in rows]

    def deactivate(self, staff_id: str) -> bool:
        with self.engine.begin() as connection:
            done = connection.execute(update(staff).where(staff.c.id == staff_id).values(active=False)).rowcount == 1
        if done:
            audit(self.engine, None, "staff_deactivated", staff_id)
        return done

    def authenticate(self, staff_id: str, password: str, code: str) -> Official:
        now = self.clock()
        with self.engine.connect() as connection:
            row = connection.execute(select(staff).where(staff.c.id == staff_id.strip()[:64])).first()
        if row is None:
            verify_password(password, self._dummy)
            audit(self.engine, None, "sign_in_failed", None, why="unknown")
            raise StaffSignInFailed(FAILED)
        if row.locked_until is not None and row.locked_until > now:
            audit(self.engine, row.id, "sign_in_failed", None, why="locked")
            raise StaffSignInFailed(LOCKED)
        step = _totp_step(row.totp_secret, code, now)
        fresh = step is not None and (row.last_totp_step is None or step > row.last_totp_step)
        if not (verify_password(password, row.password_hash) and fresh and row.active):
            self._failed(row, now)
        with self.engine.begin() as connection:
            claimed = connection.execute(update(staff).where(
                staff.c.id == row.id, (staff.c.last_totp_step.is_(None)) | (staff.c.last_totp_step < step)).values(
                last_totp_step=step, failed_attempts=0, locked_until=None)).rowcount
        if claimed != 1:
            raise StaffSignInFailed(FAILED)
        audit(self.engine, row.id, "signed_in")
        return Official(row.id, row.name, row.user_id, list(row.roles))

    def _failed(self, row: Any, now: datetime) -> None:
        failures = row.failed_attempts + 1
        locked = failures >= self.max_failures
        with self.engine.begin() as connection:
            connection.execute(update(staff).where(staff.c.id == row.id).values(
                failed_attempts=0 if locked else failures,
                locked_until=now + timedelta(seconds=self.lockout) if locked else row.locked_until))
        audit(self.engine, row.id, "sign_in_failed", None, why="locked now" if locked else "credentials")
        raise StaffSignInFailed(LOCKED if locked else FAILED)


def _totp_step(secret: str, code: str, now: datetime) -> int | None:
    code = (code or "").strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for offset in (0, -1, 1):
        if hmac.compare_digest(totp.generate_otp(current + offset), code):
            return current + offset
    return None
