"""The bank's side of the SFTP-style folder pair: it takes complete files from ``inbound`` (a
writer's ``.part`` files are invisible until renamed), moves each into ``inbound/archive`` once
recorded, and writes its answers into ``outbound`` with write-then-rename."""

from __future__ import annotations

import os
import zlib
from pathlib import Path

from sqlalchemy import select, update

from tenfold.banks.config import folder
from tenfold.banks.simulator import BankSimulator
from tenfold.banks.tables import outgoing

BATCH = 20


def write_then_rename(directory: Path, name: str, content: bytes) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    partial = directory / f".{name}.part"
    with partial.open("wb") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(partial, directory / name)


def read_inbound(bank: BankSimulator) -> int:
    inbound = folder(bank.identity.code, "inbound")
    if not inbound.is_dir():
        inbound.mkdir(parents=True, exist_ok=True)
        return 0
    archive = inbound / "archive"
    names = sorted(p.name for p in inbound.iterdir() if p.is_file() and p.suffix == ".xml" and not p.name.startswith("."))
    for name in names[:BATCH]:
        path = inbound / name
        content = path.read_bytes()
        if len(content) > bank.settings.max_file_bytes:
            content = b"<too large/>"
        bank.receive(content, name, "folder", bank.settings.treasury_client)
        archive.mkdir(exist_ok=True)
        os.replace(path, archive / name)
    return min(len(names), BATCH)


def write_outbound(bank: BankSimulator) -> int:
    outbound = folder(bank.identity.code, "outbound")
    o = outgoing
    with bank.engine.connect() as connection:
        due = connection.execute(select(o.c.seq, o.c.name, o.c.content).where(o.c.channel == "folder", o.c.written.is_(False))
                                 .order_by(o.c.seq).limit(BATCH)).all()
    for seq, name, content in due:
        write_then_rename(outbound, name, zlib.decompress(content))
        with bank.engine.begin() as connection:
            connection.execute(update(o).where(o.c.seq == seq).values(written=True))
    return len(due)
