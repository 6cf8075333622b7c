"""SIB calling other members through its OWN gateway (X-Road REST), with aiohttp's pooled client.

Every call names the service (``DEMO/GOV/POP/registry/registry``), says why (``X-Road-Purpose``),
and may name the case (``X-Road-Issue``) and the person acting (``X-Road-UserId``). The answer
carries the exchange's message id (``X-Road-Id``), which SIB records with every fact it uses.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import aiohttp
import orjson

from tenfold.errors import TenfoldError
from tenfold.settings import get_settings
from tenfold.topology import load


class ExchangeUnavailable(TenfoldError):
    """The gateway, the provider or the network did not give an answer to build on (retry later)."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any
    message_id: str

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


def default_gateway_url(member: str) -> str:
    """SIB's gateway as the port plan of the topology places it (what ``tenfold serve`` runs)."""
    from tenfold.exchange.config import exchange_settings
    from tenfold.exchange.ports import PortPlan

    topology = load(get_settings().topology)
    return PortPlan.of(topology, exchange_settings().base_port).local_url(topology.member(member))


class ExchangeClient:
    """Calls through the member's own gateway as ``client``; one pooled session per event loop."""

    def __init__(self, gateway_url: str, client: str, timeout: float = 20.0):
        self.gateway_url, self.client, self.timeout = gateway_url.rstrip("/"), client, timeout
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def _open(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        if self._session is None or self._session.closed or self._loop is not loop:
            self._loop = loop   # a session belongs to one event loop (a test client may run each call in a new one)
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=64, keepalive_timeout=30),
                timeout=aiohttp.ClientTimeout(total=self.timeout), json_serialize=lambda v: orjson.dumps(v).decode())
        return self._session

    async def close(self) -> None:
        if self._session is not None and self._loop is asyncio.get_running_loop():
            await self._session.close()
        self._session = None

    async def call(self, method: str, service: str, path: str, *, purpose: str, params: dict[str, Any] | None = None,
                   body: Any = None, issue: str | None = None, user: str | None = None,
                   headers: dict[str, str] | None = None) -> Answer:
        """One call; an answer with any HTTP status, or :class:`ExchangeUnavailable`."""
        url = f"{self.gateway_url}/r1/{service}{path}" + ("?" + urlencode(params) if params else "")
        sent = {"X-Road-Client": self.client, "X-Road-Purpose": purpose, **(headers or {})}
        if issue:
            sent["X-Road-Issue"] = issue
        if user:
            sent["X-Road-UserId"] = user
        data = None
        if body is not None:
            data, sent["Content-Type"] = orjson.dumps(body), "application/json"
        session = await self._open()
        try:
            async with session.request(method, url, data=data, headers=sent) as response:
                raw = await response.read()
                message_id = response.headers.get("X-Road-Id", "")
                status = response.status
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as error:
            raise ExchangeUnavailable(f"{method} {service}: {type(error).__name__}") from None
        try:
            decoded = orjson.loads(raw) if raw else None
        except orjson.JSONDecodeError:
            decoded = raw.decode(errors="replace")
        if status >= 500:
            kind = decoded.get("type") if isinstance(decoded, dict) else None
            raise ExchangeUnavailable(f"{method} {service}: {status} {kind or ''}".strip())
        return Answer(status, decoded, message_id)
