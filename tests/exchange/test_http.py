"""The gateway's HTTP client: kept-alive connections, servers that close them, HEAD, chunked
answers, and an origin that is not there."""

from __future__ import annotations

import asyncio
import socket

import pytest
from aiohttp import web

from tenfold.exchange.http import HttpClient, Unreachable


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def serve(port: int, keepalive: float) -> web.AppRunner:
    async def echo(request: web.Request) -> web.StreamResponse:
        if request.path == "/chunked":
            response = web.StreamResponse(headers={"X-Kind": "chunked"})
            response.enable_chunked_encoding()
            await response.prepare(request)
            for part in (b"one,", b"two,", b"three"):
                await response.write(part)
            await response.write_eof()
            return response
        if request.path == "/close":
            return web.Response(text="bye", headers={"Connection": "close"})
        return web.Response(body=await request.read() or b"empty", headers={"X-Method": request.method, "X-Name": "café"})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", echo)
    runner = web.AppRunner(app, access_log=None, keepalive_timeout=keepalive)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner


def test_requests_reuse_survive_closed_connections_and_read_every_answer_shape() -> None:
    async def scenario() -> None:
        port = free_port()
        runner = await serve(port, keepalive=0.05)
        client = HttpClient()
        try:
            first = await client.request("POST", "127.0.0.1", port, "/x?y=1", [("X-A", "1")], b"hello", 5)
            assert (first.status, first.body) == (200, b"hello")
            assert dict(first.headers)["X-Method"] == "POST" and dict(first.headers)["X-Name"] == "café"
            [idle] = client.origins[("127.0.0.1", port)].idle
            while idle.usable:  # the server closes it after its keep-alive timeout
                await asyncio.sleep(0.01)
            again = await client.request("GET", "127.0.0.1", port, "/", [], b"", 5)
            assert (again.status, again.body) == (200, b"empty")
            chunked = await client.request("GET", "127.0.0.1", port, "/chunked", [], b"", 5)
            assert chunked.body == b"one,two,three"
            head = await client.request("HEAD", "127.0.0.1", port, "/", [], b"", 5)
            assert head.status == 200 and head.body == b""
            closing = await client.request("GET", "127.0.0.1", port, "/close", [], b"", 5)
            assert closing.body == b"bye" and not client.origins[("127.0.0.1", port)].idle
            after = await client.request("GET", "127.0.0.1", port, "/", [], b"", 5)
            assert after.status == 200
        finally:
            client.close()
            await runner.cleanup()

    asyncio.run(scenario())


def test_work_while_waiting_runs_once_per_request_and_its_failure_drops_the_connection() -> None:
    async def scenario() -> None:
        port = free_port()
        runner = await serve(port, keepalive=5)
        client = HttpClient()
        done: list[str] = []
        try:
            answer = await client.request("POST", "127.0.0.1", port, "/", [], b"hello", 5, lambda: done.append("bookkept"))
            assert (answer.body, done) == (b"hello", ["bookkept"])
            [kept] = client.origins[("127.0.0.1", port)].idle

            def failing() -> None:
                raise RuntimeError("the bookkeeping failed")

            with pytest.raises(RuntimeError, match="bookkeeping"):
                await client.request("POST", "127.0.0.1", port, "/", [], b"again", 5, failing)
            assert not kept.usable and not client.origins[("127.0.0.1", port)].idle  # its answer was never read: closed
            after = await client.request("GET", "127.0.0.1", port, "/", [], b"", 5)
            assert after.body == b"empty"
        finally:
            client.close()
            await runner.cleanup()

    asyncio.run(scenario())


def test_an_origin_that_is_not_there_is_unreachable() -> None:
    async def scenario() -> None:
        client = HttpClient(connect_timeout=2)
        with pytest.raises(Unreachable):
            await client.request("GET", "127.0.0.1", free_port(), "/", [], b"", 5)

    asyncio.run(scenario())
