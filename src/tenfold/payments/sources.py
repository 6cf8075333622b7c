"""Reading other members' registries through the treasury's own gateway (GovStack Digital
Registries API over the X-Road REST protocol), page by page, several pages at a time.

Only the fields a caller names are kept from each record, so a million persons fit in memory;
every read is logged at the provider and shown to the person in the data tracker, with the
purpose given here.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, Callable, Protocol, Sequence

import aiohttp
import orjson

from tenfold.payments.errors import BankUnreachable

PAGE_SIZE = 1000
CONCURRENCY = 6
Rows = list[tuple[Any, ...]]


@dataclass(frozen=True)
class Read:
    """One registry to read whole: where, which registry, which fields, which filter."""

    service: str
    registry: str
    fields: tuple[str, ...]
    query: tuple[tuple[str, str], ...] = ()


Progress = Callable[[str, int, int], None]


class RegistrySource(Protocol):
    def fetch_all(self, reads: Sequence[Read], progress: Progress | None = None) -> list[Rows]: ...


class SourceFailed(BankUnreachable):
    """A registry could not be read through the exchange."""


@dataclass
class ExchangeSource:
    """Registries behind other members' gateways, reached through ``gateway_url`` as ``client``."""

    gateway_url: str
    client: str
    purpose: str
    concurrency: int = CONCURRENCY
    timeout: float = 120.0

    def fetch_all(self, reads: Sequence[Read], progress: Progress | None = None) -> list[Rows]:
        """Every record of each registry (version 1.0) as tuples of its fields; the registries
        are read at the same time, each provider a few pages at a time."""
        return asyncio.run(self._fetch_all(reads, progress))

    async def _fetch_all(self, reads: Sequence[Read], progress: Progress | None) -> list[Rows]:
        headers = {"X-Road-Client": self.client, "X-Road-Purpose": self.purpose}
        connector = aiohttp.TCPConnector(limit=self.concurrency * max(len(reads), 1))
        timeout = aiohttp.ClientTimeout(total=self.timeout)
        async with aiohttp.ClientSession(connector=connector, timeout=timeout, headers=headers) as session:
            per_provider: dict[str, asyncio.Semaphore] = {}
            return list(await asyncio.gather(*(
                self._fetch(session, read, per_provider.setdefault(read.service, asyncio.Semaphore(self.concurrency)), progress)
                for read in reads)))

    async def _fetch(self, session: aiohttp.ClientSession, read: Read, semaphore: asyncio.Semaphore,
                     progress: Progress | None) -> Rows:
        query, fields = dict(read.query), list(read.fields)
        async with semaphore:
            first = await self._page(session, read.service, read.registry, query, 1)
        count = int(first["count"])
        rows = _pick(first["results"], fields)
        if progress:
            progress(read.registry, len(rows), count)

        async def one(page: int) -> Rows:
            async with semaphore:
                picked = _pick((await self._page(session, read.service, read.registry, query, page))["results"], fields)
            if progress:
                progress(read.registry, len(picked), count)
            return picked

        for chunk in await asyncio.gather(*(one(page) for page in range(2, max(1, -(-count // PAGE_SIZE)) + 1))):
            rows.extend(chunk)
        return rows

    async def _page(self, session: aiohttp.ClientSession, service: str, registry: str, query: dict[str, str], page: int) -> dict[str, Any]:
        params = {"page": str(page), "pageSize": str(PAGE_SIZE), **{f"query.{k}": v for k, v in query.items()}}
        url = f"{self.gateway_url}/r1/{service}/data/{registry}/1.0"
        for attempt in range(3):
            try:
                async with session.get(url, params=params) as response:
                    body = await response.read()
                    if response.status == 200:
                        result: dict[str, Any] = orjson.loads(body)
                        return result
                    if response.status < 500:
                        raise SourceFailed(f"{service} refused {registry} page {page}: {response.status} {body[:200]!r}")
            except (aiohttp.ClientError, asyncio.TimeoutError) as error:
                if attempt == 2:
                    raise SourceFailed(f"cannot read {registry} from {service}: {error}") from None
            await asyncio.sleep(0.5 * (attempt + 1))
        raise SourceFailed(f"{service} kept failing on {registry} page {page}")


def _pick(records: list[dict[str, Any]], fields: list[str]) -> Rows:
    return [tuple(record.get(name) for name in fields) for record in records]
