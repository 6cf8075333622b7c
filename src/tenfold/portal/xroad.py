"""The portal calling other members through its OWN gateway (X-Road REST), like any member.

Every call names who is acting (``X-Road-UserId``: the signed-in resident or official, with the
country prefix) and why (``X-Road-Purpose``); a caseworker's read also names the person it is
about (``X-Road-Represented-Party``) and the case (``X-Road-Issue``), so the provider's gateway
writes it into that person's data tracker.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlencode

import aiohttp
import orjson

from tenfold.errors import TenfoldError


class ExchangeUnavailable(TenfoldError):
    """The gateway, the provider or the network gave no answer to show (try again later)."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any
    message_id: str = ""

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


@dataclass(frozen=True)
class Acting:
    """Who acts and why: what every call carries."""

    user: str | None
    purpose: str
    person: str | None = None   # the person the call is about, when the path does not say (X-Road-Represented-Party)
    issue: str | None = None    # the case (X-Road-Issue)


class Exchange(Protocol):
    async def call(self, method: str, service: str, path: str, acting: Acting, *, params: dict[str, Any] | None = None,
                   body: Any = None, headers: dict[str, str] | None = None) -> Answer: ...

    async def close(self) -> None: ...


class GatewayClient:
    """Calls through the portal's gateway as ``client``; one pooled session per event loop."""

    def __init__(self, gateway_url: str, client: str, timeout: float = 15.0):
        self.gateway_url, self.client, self.timeout = gateway_url.rstrip("/"), client, timeout
        self._session: aiohttp.ClientSession | None = None

    async def _open(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=128, keepalive_timeout=30),
                timeout=aiohttp.ClientTimeout(total=self.timeout))
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def headers(self, acting: Acting, extra: dict[str, str] | None) -> dict[str, str]:
        sent = {"X-Road-Client": self.client, "X-Road-Purpose": acting.purpose, **(extra or {})}
        for name, value in (("X-Road-UserId", acting.user), ("X-Road-Represented-Party", acting.person), ("X-Road-Issue", acting.issue)):
            if value:
                sent[name] = value
        return sent

    async def call(self, method: str, service: str, path: str, acting: Acting, *, params: dict[str, Any] | None = None,
                   body: Any = None, headers: dict[str, str] | None = None) -> Answer:
        """One call; any HTTP status below 500 is an answer, anything else :class:`ExchangeUnavailable`."""
        url = f"{self.gateway_url}/r1/{service}{path}" + ("?" + urlencode(params) if params else "")
        sent = self.headers(acting, headers)
        data = None
        if body is not None:
            data, sent["Content-Type"] = orjson.dumps(body), "application/json"
        session = await self._open()
        try:
            async with session.request(method, url, data=data, headers=sent) as response:
                raw, status, message_id = await response.read(), response.status, response.headers.get("X-Road-Id", "")
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
