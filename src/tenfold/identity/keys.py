"""The provider's signing keys (RS256, which OpenID Connect Discovery requires every provider to
offer and eSignet uses) and their rotation.

One key signs at a time. Rotating makes a new key the signing key and retires the old one, which
stays in the published JWKS until every token it signed has expired (``published_until``), so a
relying party that caches the JWKS never meets a token it cannot verify. A process keeps the keys
in memory and reloads them every ``refresh_seconds`` (another process may have rotated).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Callable

from joserfc.jwk import KeySet, RSAKey
from sqlalchemy import Engine, select, update

from tenfold.identity.tables import signing_keys

ALG = "RS256"


def _new_key() -> RSAKey:
    key = RSAKey.generate_key(2048, parameters={"alg": ALG, "use": "sig"}, private=True)
    return RSAKey.import_key(key.as_pem(private=True), {"kid": key.thumbprint(), "alg": ALG, "use": "sig"})


def rotate(engine: Engine, token_seconds: int, now: datetime | None = None) -> str:
    """Make a new signing key; the current one stays published for ``token_seconds`` (+ a minute)."""
    now = now or datetime.now(UTC)
    key = _new_key()
    with engine.begin() as connection:
        connection.execute(update(signing_keys).where(signing_keys.c.retired_at.is_(None)).values(
            retired_at=now, published_until=now + timedelta(seconds=token_seconds + 60)))
        connection.execute(signing_keys.insert().values(
            kid=key.kid, alg=ALG, private_pem=key.as_pem(private=True).decode(), public_jwk=key.as_dict(private=False),
            created_at=now, retired_at=None, published_until=None))
    return str(key.kid)


def ensure_current(engine: Engine, token_seconds: int, rotation_days: float, now: datetime | None = None) -> None:
    """Rotate when there is no signing key or the current one is older than ``rotation_days``."""
    now = now or datetime.now(UTC)
    with engine.connect() as connection:
        created = connection.execute(select(signing_keys.c.created_at).where(signing_keys.c.retired_at.is_(None))).scalar()
    if created is None or created < now - timedelta(days=rotation_days):
        rotate(engine, token_seconds, now)


@dataclass
class KeyRing:
    engine: Engine
    refresh_seconds: float = 30.0
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    _signing: RSAKey | None = None
    _published: list[dict[str, Any]] = field(default_factory=list)
    _public: KeySet | None = None
    _loaded_at: float = -1e9

    def _load(self) -> None:
        now = self.clock()
        with self.engine.connect() as connection:
            rows = connection.execute(select(signing_keys).order_by(signing_keys.c.created_at.desc())).mappings().all()
        active = next((r for r in rows if r["retired_at"] is None), None)
        if active is None:
            raise RuntimeError("the identity provider has no signing key (it is made when the provider starts)")
        self._signing = RSAKey.import_key(active["private_pem"], {"kid": active["kid"], "alg": ALG, "use": "sig"})
        self._published = [dict(r["public_jwk"], kid=r["kid"]) for r in rows
                           if r["retired_at"] is None or (r["published_until"] and r["published_until"] > now)]
        self._public = KeySet.import_key_set({"keys": self._published})
        self._loaded_at = time.monotonic()

    def _fresh(self) -> None:
        if time.monotonic() - self._loaded_at > self.refresh_seconds:
            self._load()

    def reload(self) -> None:
        self._load()

    @property
    def signing_key(self) -> RSAKey:
        self._fresh()
        assert self._signing is not None
        return self._signing

    def jwks(self) -> dict[str, Any]:
        self._fresh()
        return {"keys": list(self._published)}

    @property
    def public(self) -> KeySet:
        self._fresh()
        assert self._public is not None
        return self._public
