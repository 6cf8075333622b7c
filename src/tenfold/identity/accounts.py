"""Residents' credentials: enrolment, sign-in with password and TOTP, lockout, deactivation.

A sign-in succeeds only when the personal code, the password and a fresh TOTP code all check out.
Every failure counts towards a lockout of the account (``max_failures`` within a row locks it for
``lockout_seconds``); a TOTP code is accepted once (its time step is remembered). Unknown personal
codes are checked against a dummy hash, so a failure takes as long whether or not the account exists.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets as random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Callable

import pyotp
from sqlalchemy import Engine, select, update

from tenfold.errors import InvalidInput
from tenfold.i18n import N_
from tenfold.identity import passwords
from tenfold.identity.config import IdentitySettings
from tenfold.identity.errors import NotEnrolled, SignInFailed
from tenfold.identity.tables import accounts, secrets
from tenfold.ids import scheme

FAILED = N_("The personal code, password or one-time code is not right.")
LOCKED = N_("Too many failed attempts. Try again in {minutes} minutes.")
TOTP_ISSUER = "Tenfold"


@dataclass(frozen=True)
class Credentials:
    """What a resident needs to sign in; shown once, at enrolment (or for demo accounts)."""

    person_id: str
    password: str
    totp_secret: str

    @property
    def totp_uri(self) -> str:
        return pyotp.TOTP(self.totp_secret).provisioning_uri(name=self.person_id, issuer_name=TOTP_ISSUER)

    def current_code(self, now: datetime | None = None) -> str:
        return pyotp.TOTP(self.totp_secret).at(now or datetime.now(UTC))


def secret(engine: Engine, name: str, length: int = 32) -> str:
    """A secret of the provider's own, made on first use and kept in its database."""
    with engine.begin() as connection:
        row = connection.execute(select(secrets.c.value).where(secrets.c.name == name)).first()
        if row is not None:
            return str(row[0])
        value = random.token_urlsafe(length)
        connection.execute(secrets.insert().values(name=name, value=value, created_at=datetime.now(UTC)))
        return value


def demo_password(engine: Engine, person_id: str) -> str:
    """A demo account's password, derived from a secret of the provider (so the demo can print it
    again without storing it); never used for enrolled residents."""
    key = secret(engine, "demo-password-key").encode()
    digest = hmac.new(key, person_id.encode(), hashlib.sha256).digest()
    return "demo-" + base64.b32encode(digest[:10]).decode().lower()


class Accounts:
    def __init__(self, engine: Engine, settings: IdentitySettings, clock: Callable[[], datetime] = lambda: datetime.now(UTC)):
        self.engine, self.settings, self.clock = engine, settings, clock

    def enrol(self, person_id: str, *, password: str | None = None, kind: str = "enrolled", totp_secret: str | None = None) -> Credentials:
        """Create an account; the password is random unless given. Re-enrolling replaces the credentials."""
        person_id = scheme().validate(person_id)
        password = password or random.token_urlsafe(12)
        totp_secret = totp_secret or pyotp.random_base32()
        values: dict[str, Any] = dict(password_hash=passwords.hash_password(password, self.settings.scrypt_n), totp_secret=totp_secret,
                                      kind=kind, status="active", failed_attempts=0, locked_until=None, last_totp_step=None,
                                      deactivated_at=None, deactivation_reason=None)
        with self.engine.begin() as connection:
            found = connection.execute(select(accounts.c.person_id).where(accounts.c.person_id == person_id)).first()
            if found:
                connection.execute(update(accounts).where(accounts.c.person_id == person_id).values(**values))
            else:
                connection.execute(accounts.insert().values(person_id=person_id, created_at=self.clock(), **values))
        return Credentials(person_id, password, totp_secret)

    def get(self, person_id: str) -> dict[str, Any] | None:
        with self.engine.connect() as connection:
            row = connection.execute(select(accounts).where(accounts.c.person_id == person_id)).mappings().first()
        return dict(row) if row else None

    def authenticate(self, person_id: str, password: str, totp_code: str) -> str:
        """The person's code when all three factors check out; otherwise :class:`SignInFailed`."""
        now = self.clock()
        code = _normalised(person_id)
        account = self.get(code) if code else None
        if account is None:
            passwords.verify_password(password, passwords.dummy_hash(self.settings.scrypt_n))
            raise SignInFailed(FAILED)
        if account["locked_until"] is not None and account["locked_until"] > now:
            raise SignInFailed(LOCKED, retry_after=int((account["locked_until"] - now).total_seconds()) + 1)
        password_ok = passwords.verify_password(password, account["password_hash"])
        step = _totp_step(account["totp_secret"], totp_code, now)
        fresh = step is not None and (account["last_totp_step"] is None or step > account["last_totp_step"])
        if not (password_ok and fresh and account["status"] == "active"):
            self._failed(code, account, now)
        self._succeeded(code, account, password, step, now)
        return code

    def _failed(self, code: str, account: dict[str, Any], now: datetime) -> None:
        failures = account["failed_attempts"] + 1
        locked = failures >= self.settings.max_failures
        with self.engine.begin() as connection:
            connection.execute(update(accounts).where(accounts.c.person_id == code).values(
                failed_attempts=0 if locked else failures,
                locked_until=now + timedelta(seconds=self.settings.lockout_seconds) if locked else account["locked_until"]))
        if locked:
            raise SignInFailed(LOCKED, retry_after=self.settings.lockout_seconds)
        raise SignInFailed(FAILED)

    def _succeeded(self, code: str, account: dict[str, Any], password: str, step: int | None, now: datetime) -> None:
        values: dict[str, Any] = {"failed_attempts": 0, "locked_until": None, "last_totp_step": step}
        if passwords.needs_rehash(account["password_hash"], self.settings.scrypt_n):
            values["password_hash"] = passwords.hash_password(password, self.settings.scrypt_n)
        with self.engine.begin() as connection:
            # The step is claimed atomically: the same TOTP code cannot sign in twice at once.
            claimed = connection.execute(update(accounts).where(
                accounts.c.person_id == code,
                (accounts.c.last_totp_step.is_(None)) | (accounts.c.last_totp_step < step)).values(**values))
        if claimed.rowcount != 1:
            raise SignInFailed(FAILED)

    def deactivate(self, person_id: str, reason: str) -> bool:
        """Deactivate the account; False when there is none or it was already deactivated."""
        with self.engine.begin() as connection:
            changed = connection.execute(update(accounts).where(accounts.c.person_id == person_id, accounts.c.status == "active")
                                         .values(status="deactivated", deactivated_at=self.clock(), deactivation_reason=reason))
        return changed.rowcount == 1

    def require(self, person_id: str) -> dict[str, Any]:
        account = self.get(person_id)
        if account is None:
            raise NotEnrolled("no account for this person (enrol with: tenfold identity enrol --person CODE)")
        return account


def _normalised(person_id: str) -> str | None:
    try:
        return scheme().validate(person_id.strip())
    except InvalidInput:  # a malformed code is simply not an account
        return None


def _totp_step(secret_b32: str, code: str, now: datetime) -> int | None:
    """The time step a TOTP code belongs to (the current one, or one either side), or None."""
    code = code.strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret_b32)
    current = totp.timecode(now)
    for offset in (0, -1, 1):
        if hmac.compare_digest(totp.generate_otp(current + offset), code):
            return current + offset
    return None
