"""The two ways to reach a bank: through the exchange, or through a folder pair.

Both deliver a pain.001 in two steps that the dispatcher records between them (``stage`` then
``publish``), which is what makes delivery exactly-once across crashes:

- folder: ``stage`` writes ``.<id>.xml.part`` (invisible to the bank) and syncs it; ``publish``
  renames it to ``<id>.xml`` in one atomic step. A file recorded as staged whose ``.part`` is
  gone was renamed before the crash, so it is not written again.
- exchange: ``publish`` first asks the bank whether it holds the message id and posts it only if
  it does not (the bank also refuses a second file with the same message id).

Answers are fetched in order: from the folder (moved into ``processed`` once applied, so no file
is read twice) or from the bank's message list after a cursor that is saved in the same
transaction as the reconciliation.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

from tenfold.payments.config import BankConnection, payments_settings
from tenfold.payments.errors import BankUnreachable
from tenfold.settings import get_settings


@dataclass(frozen=True)
class Incoming:
    source: str
    content: bytes
    cursor: int | None = None


class Channel(Protocol):
    kind: str

    def stage(self, file_id: str, content: bytes) -> None: ...

    def publish(self, file_id: str, content: bytes) -> None: ...

    def fetch(self, cursor: int) -> list[Incoming]: ...

    def done(self, incoming: Incoming) -> None: ...


def _sync_directory(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


class FolderChannel:
    kind = "folder"

    def __init__(self, bank: BankConnection, batch_size: int = 50):
        self.inbound, self.outbound, self.processed = bank.folder("inbound"), bank.folder("outbound"), bank.folder("processed")
        self.batch_size = batch_size

    def stage(self, file_id: str, content: bytes) -> None:
        partial = self.inbound / f".{file_id}.xml.part"
        try:
            self.inbound.mkdir(parents=True, exist_ok=True)
            with partial.open("wb") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as error:
            raise BankUnreachable(f"cannot write into {self.inbound}: {error.strerror}") from None

    def publish(self, file_id: str, content: bytes) -> None:
        partial = self.inbound / f".{file_id}.xml.part"
        try:
            if partial.exists():
                os.replace(partial, self.inbound / f"{file_id}.xml")
                _sync_directory(self.inbound)
        except OSError as error:
            raise BankUnreachable(f"cannot publish {file_id} in {self.inbound}: {error.strerror}") from None

    def fetch(self, cursor: int) -> list[Incoming]:
        try:
            if not self.outbound.is_dir():
                return []
            names = sorted(p.name for p in self.outbound.iterdir() if p.suffix == ".xml" and not p.name.startswith("."))
            return [Incoming(name, (self.outbound / name).read_bytes()) for name in names[:self.batch_size]]
        except OSError as error:
            raise BankUnreachable(f"cannot read {self.outbound}: {error.strerror}") from None

    def done(self, incoming: Incoming) -> None:
        self.processed.mkdir(parents=True, exist_ok=True)
        target = self.processed / incoming.source
        if target.exists():
            target = self.processed / f"{incoming.source}.{os.getpid()}.{len(list(self.processed.iterdir()))}"
        os.replace(self.outbound / incoming.source, target)


def gateway_url() -> str:
    """TRE's own gateway: from the settings, or from the running country's var/runtime.json."""
    settings = payments_settings()
    if settings.gateway_url:
        return settings.gateway_url.rstrip("/")
    path = get_settings().var_dir.resolve() / "runtime.json"
    code = settings.member.split("/")[2]
    try:
        runtime = json.loads(path.read_text())
    except (OSError, ValueError):
        raise BankUnreachable(f"no gateway: set TENFOLD_PAYMENTS_GATEWAY_URL or start the country ({path} not found)") from None
    for member in runtime.get("members", []):
        if member.get("code") == code:
            return str(member["gateway_url"]).rstrip("/")
    raise BankUnreachable(f"{code} is not in {path}")


class ExchangeChannel:
    kind = "exchange"

    def __init__(self, bank: BankConnection, batch_size: int = 20, timeout: float = 120.0):
        self.bank = bank
        self.batch_size = batch_size
        self.timeout = timeout
        self.client = payments_settings().client

    def _call(self, method: str, path: str, body: bytes | None = None, content_type: str = "application/xml") -> tuple[int, bytes]:
        url = f"{gateway_url()}/r1/{self.bank.service}{path}"
        headers = {"X-Road-Client": self.client, "Content-Type": content_type, "X-Road-Purpose": "Payments to residents"}
        request = urllib.request.Request(url, data=body, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 - our own gateway
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()
        except (urllib.error.URLError, OSError) as error:
            raise BankUnreachable(f"{self.bank.code}: {getattr(error, 'reason', error)}") from None

    def stage(self, file_id: str, content: bytes) -> None:
        return None

    def publish(self, file_id: str, content: bytes) -> None:
        status, body = self._call("GET", f"/files/{quote(file_id)}")
        if status == 200:
            return
        if status != 404:
            raise BankUnreachable(f"{self.bank.code} answered {status} when asked about {file_id}: {body[:200]!r}")
        status, body = self._call("POST", "/files", content)
        if status not in (200, 201, 202):
            raise BankUnreachable(f"{self.bank.code} refused {file_id} with {status}: {body[:300]!r}")

    def fetch(self, cursor: int) -> list[Incoming]:
        status, body = self._call("GET", f"/messages?after={cursor}&limit={self.batch_size}")
        if status != 200:
            raise BankUnreachable(f"{self.bank.code} answered {status} for its messages: {body[:200]!r}")
        listed: list[dict[str, Any]] = json.loads(body)["messages"]
        return [Incoming(f"{m['seq']}-{m['name']}", m["content"].encode(), int(m["seq"])) for m in listed]

    def done(self, incoming: Incoming) -> None:
        return None


def channel_of(bank: BankConnection) -> Channel:
    return FolderChannel(bank) if bank.channel == "folder" else ExchangeChannel(bank)
