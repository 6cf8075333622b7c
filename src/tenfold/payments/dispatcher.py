"""The dispatcher: releases accepted batches, delivers bank files, fetches and reconciles the
banks' answers, and sends callbacks. Every step is its own short transaction, so a crash at any
point loses nothing and a restart continues where the database says it stopped.

One dispatcher runs per treasury database (a lock file beside a SQLite database, a session
advisory lock on PostgreSQL; both are released by the operating system or the server when the
process dies), so a file is never delivered by two processes at once.
"""

from __future__ import annotations

import fcntl
import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Callable

from sqlalchemy import Engine, select, text, update
from sqlalchemy.engine import make_url

from tenfold.payments import callbacks, reconciliation, release
from tenfold.payments.channels import Channel, Incoming, channel_of
from tenfold.payments.config import BankDirectory, PaymentsSettings
from tenfold.errors import TenfoldError
from tenfold.payments.errors import BankUnreachable, MessageInvalid
from tenfold.payments.iso20022 import reader
from tenfold.payments.models import RELEASED, SENT
from tenfold.payments.tables import bank_cursors, bank_files, payment_instructions

ADVISORY_KEY = 0x7E_F01D_0006


class DispatcherBusy(Exception):
    """Another dispatcher holds this treasury's lock."""


class DispatcherLock:
    def __init__(self, engine: Engine):
        self.engine = engine
        self._handle: Any = None

    def acquire(self) -> None:
        if self.engine.dialect.name == "sqlite":
            database = make_url(str(self.engine.url)).database or "memory"
            path = Path(f"{database}.dispatcher.lock")
            handle = path.open("a+")
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.close()
                raise DispatcherBusy(f"another dispatcher holds {path}") from None
            self._handle = handle
            return
        connection = self.engine.connect()
        if not connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_KEY}).scalar_one():
            connection.close()
            raise DispatcherBusy("another dispatcher holds the treasury's advisory lock")
        connection.commit()
        self._handle = connection

    def release(self) -> None:
        if self._handle is None:
            return
        if self.engine.dialect.name == "sqlite":
            fcntl.flock(self._handle.fileno(), fcntl.LOCK_UN)
        else:
            self._handle.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_KEY})
            self._handle.commit()
        self._handle.close()
        self._handle = None


@dataclass
class StepReport:
    released: int = 0
    delivered: int = 0
    messages: int = 0
    failed: int = 0
    callbacks: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def busy(self) -> bool:
        return bool(self.released or self.delivered or self.messages or self.callbacks)


class Dispatcher:
    def __init__(self, engine: Engine, directory: BankDirectory, settings: PaymentsSettings,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC), channels: dict[str, Channel] | None = None):
        self.engine, self.directory, self.settings, self.clock = engine, directory, settings, clock
        self.channels = channels or {bank.code: channel_of(bank) for bank in directory.banks}
        self._retry_after: dict[int, float] = {}

    def step(self) -> StepReport:
        report = StepReport()
        self.release_batches(report)
        self.deliver_files(report)
        self.collect_answers(report)
        report.callbacks = callbacks.deliver(self.engine, self.settings.client, self.settings.callback_max_attempts, self.clock(),
                                             self._retry_after)
        return report

    def release_batches(self, report: StepReport) -> None:
        failed: set[str] = set()
        while True:
            with self.engine.begin() as connection:
                due = [b for b in release.batches_to_release(connection, limit=50 + len(failed)) if b not in failed]
            if not due:
                return
            for batch_id in due:
                try:
                    with self.engine.begin() as connection:
                        if release.release(connection, self.directory, batch_id, self.clock()):
                            report.released += 1
                except (TenfoldError, ValueError, OSError) as error:  # one bad batch must not hold up the others
                    failed.add(batch_id)
                    report.problems.append(f"batch {batch_id} not released: {error}")

    def deliver_files(self, report: StepReport) -> None:
        f = bank_files
        with self.engine.begin() as connection:
            due = connection.execute(select(f.c.file_id, f.c.bank, f.c.state, f.c.batch_id)
                                     .where(f.c.state.in_((release.PREPARED, "staged"))).order_by(f.c.created_at, f.c.file_id)).all()
        unreachable: set[str] = set()
        for file_id, bank, state, batch_id in due:
            if bank in unreachable:
                continue
            try:
                self._deliver(file_id, bank, state, batch_id)
                report.delivered += 1
            except BankUnreachable as error:
                unreachable.add(bank)
                report.problems.append(str(error))

    def _deliver(self, file_id: str, bank: str, state: str, batch_id: str) -> None:
        channel = self.channels[bank]
        with self.engine.begin() as connection:
            content = release.content(connection, file_id)
        if state == release.PREPARED:
            channel.stage(file_id, content)
            with self.engine.begin() as connection:
                connection.execute(update(bank_files).where(bank_files.c.file_id == file_id).values(state="staged"))
        channel.publish(file_id, content)
        now = self.clock()
        with self.engine.begin() as connection:
            connection.execute(update(bank_files).where(bank_files.c.file_id == file_id).values(state="sent", sent_at=now))
            t = payment_instructions
            connection.execute(update(t).where(t.c.batch_id == batch_id, t.c.bank == bank, t.c.state == RELEASED)
                               .values(state=SENT, updated_at=now))

    def collect_answers(self, report: StepReport) -> None:
        for bank in self.directory.banks:
            try:
                while self._collect(bank.code, report):
                    pass
            except BankUnreachable as error:
                report.problems.append(str(error))

    def _collect(self, bank: str, report: StepReport) -> bool:
        channel = self.channels[bank]
        with self.engine.begin() as connection:
            cursor = connection.execute(select(bank_cursors.c.cursor).where(bank_cursors.c.bank == bank)).scalar_one_or_none() or 0
        incoming = channel.fetch(cursor)
        for item in incoming:
            self._apply(bank, item, report)
            channel.done(item)
        return bool(incoming)

    def _apply(self, bank: str, item: Incoming, report: StepReport) -> None:
        now = self.clock()
        digest = hashlib.sha256(item.content).hexdigest()
        with self.engine.begin() as connection:
            try:
                message = reader.parse(item.content)
            except MessageInvalid as error:
                reconciliation.record(connection, bank, [("unreadable_message", None, None, f"{item.source}: {error}")], None, now)
                message = None
            if message is not None:
                applied = reconciliation.apply(connection, bank, message, item.source, digest, now)
                callbacks.settle_batches(connection, applied.batches, now, failures=applied.failed > 0)
                report.failed += applied.failed
            if item.cursor is not None:
                _save_cursor(connection, bank, item.cursor)
        report.messages += 1

    def run(self, until: Callable[[StepReport], bool], deadline: float, wait: Callable[[float], None]) -> StepReport:
        """Step until ``until(report)`` is true or the monotonic ``deadline`` passes."""
        import time

        total = StepReport()
        while time.monotonic() < deadline:
            report = self.step()
            _add(total, report)
            if until(report):
                break
            if not report.busy:
                wait(self.settings.worker_interval_seconds)
        return total


def _save_cursor(connection: Any, bank: str, cursor: int) -> None:
    result = connection.execute(update(bank_cursors).where(bank_cursors.c.bank == bank).values(cursor=cursor))
    if result.rowcount == 0:
        connection.execute(bank_cursors.insert().values(bank=bank, cursor=cursor))


def _add(total: StepReport, report: StepReport) -> None:
    for name in ("released", "delivered", "messages", "failed", "callbacks"):
        setattr(total, name, getattr(total, name) + getattr(report, name))
    total.problems = (total.problems + report.problems)[-20:]
