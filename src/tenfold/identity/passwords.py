"""Password hashes with scrypt from the standard library (no new dependency).

A hash is stored as ``scrypt$N$r$p$salt$digest`` (base64), so the cost can be raised later and old
hashes still verify; ``needs_rehash`` says when one should be replaced at the next sign-in.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import lru_cache

R, P, LENGTH = 8, 1, 32


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _derive(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=LENGTH, maxmem=256 * n * r + 2**20)


def hash_password(password: str, n: int = 2**14) -> str:
    salt = os.urandom(16)
    return f"scrypt${n}${R}${P}${_b64(salt)}${_b64(_derive(password, salt, n, R, P))}"


def verify_password(password: str, stored: str) -> bool:
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = _derive(password, base64.b64decode(salt), int(n), int(r), int(p))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def needs_rehash(stored: str, n: int) -> bool:
    parts = stored.split("$")
    return len(parts) != 6 or parts[0] != "scrypt" or parts[1:4] != [str(n), str(R), str(P)]


@lru_cache(maxsize=4)
def dummy_hash(n: int) -> str:
    """A hash of nothing anyone knows: unknown personal codes are checked against it so that a
    failed sign-in takes the same time whether or not the account exists."""
    return hash_password(os.urandom(16).hex(), n)
