"""Expired sign-in state is deleted, so that the released claims a code or token carried do not
outlive it: transactions, sessions and private_key_jwt assertion ids once expired; codes once no
token bought with them can still be valid (their rows are what lets a replay revoke those
tokens); access tokens once expired."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine, delete

from tenfold.identity.tables import assertions, codes, sessions, tokens, transactions


def purge_expired(engine: Engine, now: datetime, token_seconds: int) -> int:
    """Delete what has expired; returns how many rows went."""
    gone = 0
    with engine.begin() as connection:
        for table, column, before in ((transactions, transactions.c.expires_at, now), (sessions, sessions.c.expires_at, now),
                                      (assertions, assertions.c.expires_at, now), (tokens, tokens.c.expires_at, now),
                                      (codes, codes.c.expires_at, now - timedelta(seconds=token_seconds))):
            gone += connection.execute(delete(table).where(column < before)).rowcount
    return gone
