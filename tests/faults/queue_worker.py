"""One worker process of the shared-queue test: says it is ready (imports done, database reached),
waits for the start signal (a file), then claims from one queue of a PostgreSQL database in small
batches until nothing is left, and writes the ids it took (the notification sender writes its
mails to a spool of its own instead)."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from sqlalchemy import select

from tenfold.exchange import delivery
from tenfold.lifeevents import queue
from tenfold.lifeevents.notifications import Sender
from tenfold.lifeevents.tables import notifications
from tenfold.storage import make_engine, outbox

# What handling one claimed batch costs a real worker, at least: without it a process that wakes
# first could drain the 20 batches before the other has looked, and the test would show no sharing.
WORK_SECONDS = 0.02


def claim_all(kind: str, url: str, spool: Path) -> list[object]:
    engine = make_engine(url)
    taken: list[object] = []
    while True:
        if kind == "notifications":
            if Sender(engine, spool).send_pending(limit=5) == 0 and not _pending_notifications(engine):
                return taken
            time.sleep(WORK_SECONDS)
            continue
        batch = _claim(kind, engine)
        if not batch:
            return taken
        taken += batch
        time.sleep(WORK_SECONDS)  # a batch takes a worker some time, as it would in production


def _pending_notifications(engine) -> bool:  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        return connection.execute(select(notifications.c.id).where(notifications.c.state == "pending").limit(1)).first() is not None


def _claim(kind: str, engine) -> list[object]:  # type: ignore[no-untyped-def]
    if kind == "life_events":
        return [c.id for c in queue.claim(engine, 3, 600, 3)]
    if kind == "deliveries":
        return [p.delivery_id for p in delivery.claim_due(engine, 3)]
    with engine.begin() as connection:
        ids = [e.id for e in outbox.claim(connection, 3)]
        outbox.mark_published(connection, ids)
    return ids


if __name__ == "__main__":
    kind, url, directory = sys.argv[1], sys.argv[2], Path(sys.argv[3])
    make_engine(url).connect().close()
    (directory / "ready").touch()
    while not (directory.parent / "go").exists():
        time.sleep(0.01)
    (directory / "taken.json").write_text(json.dumps(claim_all(kind, url, directory)))
