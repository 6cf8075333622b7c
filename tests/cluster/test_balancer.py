"""The TCP round-robin balancer: connections alternate over the backends, bytes pass through
untouched both ways, a backend that refuses is skipped."""

from __future__ import annotations

import asyncio
import socket

import pytest

from tenfold.cluster.balancer import Balancer, address


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _backend(name: bytes) -> tuple[asyncio.AbstractServer, int]:
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        data = await reader.read(100)
        writer.write(name + b":" + data)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


async def _ask(port: int, text: bytes) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(text)
    await writer.drain()
    answer = await reader.read()
    writer.close()
    return answer


async def _scenario(with_dead: bool) -> tuple[list[bytes], dict[str, int]]:
    one, port_one = await _backend(b"one")
    two, port_two = await _backend(b"two")
    backends = [("127.0.0.1", port_one), ("127.0.0.1", port_two)]
    if with_dead:
        backends.insert(1, ("127.0.0.1", _free_port()))
    balancer = Balancer(backends, connect_timeout=1)
    front = await asyncio.start_server(balancer.handle, "127.0.0.1", 0)
    port = front.sockets[0].getsockname()[1]
    answers = [await _ask(port, f"hello {n}".encode()) for n in range(4)]
    for server in (front, one, two):
        server.close()
    return answers, balancer.per_backend


def test_connections_alternate_and_bytes_pass_through() -> None:
    answers, counts = asyncio.run(_scenario(with_dead=False))
    assert answers == [b"one:hello 0", b"two:hello 1", b"one:hello 2", b"two:hello 3"]
    assert sorted(counts.values()) == [2, 2]


def test_a_backend_that_refuses_is_skipped() -> None:
    answers, counts = asyncio.run(_scenario(with_dead=True))
    assert all(a.endswith(f"hello {n}".encode()) for n, a in enumerate(answers))
    assert {a.split(b":")[0] for a in answers} == {b"one", b"two"}
    assert sum(counts.values()) == 4 and len(counts) == 2


@pytest.mark.parametrize("text", ["nohost", ":80", "host:", "host:99999", "host:x"])
def test_bad_addresses_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        address(text)
