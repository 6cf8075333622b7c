"""A TCP round-robin load balancer: each new connection goes to the next backend that accepts
it, and bytes are copied both ways untouched (TLS passes through, so each gateway node still
shows the member's own certificate and checks the peer's). This is what stands in front of a
busy provider's gateway nodes in ``tenfold bench scaleout``; in production, HAProxy or a cloud
load balancer in TCP mode does the same job (see docs/cluster.md)."""

from __future__ import annotations

import asyncio
import itertools
import logging
from dataclasses import dataclass, field

from tenfold.waiting import within

log = logging.getLogger("tenfold.cluster.balancer")
CHUNK = 64 * 1024


@dataclass
class Balancer:
    backends: list[tuple[str, int]]
    connect_timeout: float = 3.0
    accepted: int = 0
    per_backend: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.backends:
            raise ValueError("a balancer needs at least one backend")
        self._turn = itertools.cycle(range(len(self.backends)))

    async def handle(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        upstream = await self._connect()
        if upstream is None:   # every backend refused: the client sees the connection closed
            client_writer.close()
            return
        reader, writer = upstream
        await asyncio.gather(_pipe(client_reader, writer), _pipe(reader, client_writer))

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
        """The next backend in turn; one that refuses is skipped for this connection."""
        for _attempt in range(len(self.backends)):
            host, port = self.backends[next(self._turn)]
            try:
                found = await within(self.connect_timeout, asyncio.open_connection(host, port))
            except (OSError, asyncio.TimeoutError):
                log.warning("backend %s:%s refused a connection", host, port)
                continue
            key = f"{host}:{port}"
            self.per_backend[key] = self.per_backend.get(key, 0) + 1
            return found
        return None


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(CHUNK):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError):
        pass
    finally:
        try:
            writer.close()
        except RuntimeError:   # the loop is closing
            pass


def address(text: str) -> tuple[str, int]:
    """``HOST:PORT`` (the last colon separates the port)."""
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(text)
    return host, int(port)


async def serve(listen: tuple[str, int], backends: list[tuple[str, int]]) -> None:
    balancer = Balancer(backends)
    server = await asyncio.start_server(balancer.handle, *listen, reuse_address=True, backlog=1024)
    async with server:
        await server.serve_forever()
