"""The gateway's HTTP server: kept-alive and pipelined requests in order, bodies within limits
(a refused one is drained so the client reads the answer), bad requests, HEAD and 204, idle
connections closed."""

from __future__ import annotations

import asyncio
import socket
from typing import Any, Awaitable, Callable

import httpx
import pytest

from tenfold.exchange.server import BodyTooLarge, HttpServer, Request, Response


async def _echo(request: Request) -> Response:
    if request.raw_path == "/boom":
        raise RuntimeError("boom")
    if request.raw_path == "/empty":
        return Response(204, [("X-A", "1")])
    if request.raw_path == "/inject":
        return Response(200, [("X-Bad", "a\r\nSet-Cookie: x=1")], b"")
    if request.raw_path == "/slow":
        await asyncio.sleep(0.05)
    try:
        body = await request.read(100)
    except BodyTooLarge:
        return Response(413, [("Content-Type", "text/plain")], b"too large")
    headers = "|".join(f"{k}={v}" for k, v in request.headers)
    text = f"{request.method} {request.raw_path} ?{request.query} [{headers}] {body!r}"
    return Response(200, [("Content-Type", "text/plain")], text.encode("utf-8", "surrogateescape"))


def _serve(handler: Callable[[Request], Awaitable[Response]] = _echo, **options: Any) -> tuple[asyncio.AbstractEventLoop, HttpServer, int]:
    loop = asyncio.new_event_loop()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = HttpServer(handler, max_body=1000, **options)
    loop.run_until_complete(server.start("127.0.0.1", port))
    return loop, server, port


async def _raw(port: int, data: bytes, wait: float = 2.0) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(data)
    received = b""
    try:
        while True:
            chunk = await asyncio.wait_for(reader.read(65536), wait)
            if not chunk:
                break
            received += chunk
    except asyncio.TimeoutError:
        pass
    writer.close()
    return received


@pytest.fixture
def served() -> Any:
    loop, server, port = _serve()
    yield loop, port
    loop.run_until_complete(server.close())
    loop.close()


def test_kept_alive_and_pipelined_requests_are_answered_in_order(served) -> None:  # type: ignore[no-untyped-def]
    loop, port = served
    data = (b"GET /slow?a=1 HTTP/1.1\r\nHost: x\r\nX-Road-Id: one\r\n\r\n"
            b"POST /two HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
            b"POST /three HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nde\r\n1\r\nf\r\n0\r\n\r\n")
    received = loop.run_until_complete(_raw(port, data, wait=0.5))
    answers = received.split(b"HTTP/1.1 200 OK")
    assert len(answers) == 4
    assert b"GET /slow ?a=1 [Host=x|X-Road-Id=one] b''" in answers[1]
    assert b"POST /two ? [Host=x|Content-Length=3] b'abc'" in answers[2]
    assert b"b'def'" in answers[3]
    assert b"Connection: close" not in received and b"Date: " in received


def test_http_1_0_and_connection_close_end_the_connection(served) -> None:  # type: ignore[no-untyped-def]
    loop, port = served
    for request in (b"GET / HTTP/1.0\r\n\r\n", b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"):
        received = loop.run_until_complete(_raw(port, request, wait=5))
        assert received.startswith(b"HTTP/1.1 200 OK") and b"Connection: close" in received


def test_a_body_over_the_limit_is_refused_and_drained_so_the_client_reads_the_answer(served) -> None:  # type: ignore[no-untyped-def]
    loop, port = served

    async def post(**kwargs: Any) -> httpx.Response:
        async with httpx.AsyncClient() as client:
            return await client.post(f"http://127.0.0.1:{port}/x", **kwargs)

    declared = loop.run_until_complete(post(content=b"x" * 200_000))
    assert (declared.status_code, declared.text, declared.headers["connection"]) == (413, "too large", "close")

    async def chunks() -> Any:
        for _ in range(50):
            yield b"y" * 4000

    streamed = loop.run_until_complete(post(content=chunks()))
    assert streamed.status_code == 413
    fine = loop.run_until_complete(post(content=b"z" * 100))
    assert fine.status_code == 200 and fine.text.endswith("'" + "z" * 100 + "'")


def test_expect_continue_is_answered(served) -> None:  # type: ignore[no-untyped-def]
    loop, port = served

    async def expecting() -> bytes:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"POST /e HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n")
        interim = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
        writer.write(b"ok")
        final = await asyncio.wait_for(reader.readuntil(b"b'ok'"), 5)
        writer.close()
        return interim + final

    received = loop.run_until_complete(expecting())
    assert received.startswith(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK")


def test_bad_requests_get_a_400_or_431_and_the_connection_closes(served) -> None:  # type: ignore[no-untyped-def]
    loop, port = served
    assert loop.run_until_complete(_raw(port, b"NONSENSE\r\n\r\n")).startswith(b"HTTP/1.1 400 ")
    assert loop.run_until_complete(_raw(port, b"GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n")).startswith(b"HTTP/1.1 400 ")
    long = b"GET / HTTP/1.1\r\nX-Long: " + b"a" * 9000 + b"\r\n\r\n"
    assert loop.run_until_complete(_raw(port, long)).startswith(b"HTTP/1.1 431 ")
    many = b"GET / HTTP/1.1\r\n" + b"".join(b"X-%d: %s\r\n" % (i, b"b" * 1000) for i in range(80)) + b"\r\n"
    assert loop.run_until_complete(_raw(port, many)).startswith(b"HTTP/1.1 431 ")


def test_head_204_faults_and_header_injection(served) -> None:  # type: ignore[no-untyped-def]
    loop, port = served

    async def calls() -> None:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            head = await client.head("/h")
            assert head.status_code == 200 and head.content == b"" and int(head.headers["content-length"]) > 0
            empty = await client.get("/empty")
            assert empty.status_code == 204 and "content-length" not in empty.headers and empty.headers["x-a"] == "1"
            assert (await client.get("/boom")).status_code == 500
            injected = await client.get("/inject")
            assert injected.status_code == 500 and "set-cookie" not in injected.headers
            assert (await client.get("/after")).status_code == 200  # the connection carries on

    loop.run_until_complete(calls())


def test_undecodable_header_bytes_are_kept_as_escapes(served) -> None:  # type: ignore[no-untyped-def]
    loop, port = served
    received = loop.run_until_complete(_raw(port, b"GET / HTTP/1.1\r\nConnection: close\r\nX-Odd: \xff\xfe\r\n\r\n"))
    assert b"X-Odd=\xff\xfe" in received


def test_idle_kept_alive_connections_are_closed() -> None:
    loop, server, port = _serve(keep_alive_seconds=0.2)

    async def idle() -> bytes:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        answer = await reader.readuntil(b"b''")
        rest = await asyncio.wait_for(reader.read(), 5)  # EOF once the server closes the idle connection
        writer.close()
        return answer + rest

    assert loop.run_until_complete(idle()).startswith(b"HTTP/1.1 200 OK")
    loop.run_until_complete(server.close())
    loop.close()


def test_a_fault_is_logged_with_its_service_and_code_location_but_no_personal_code(caplog: pytest.LogCaptureFixture) -> None:
    async def failing(request: Request) -> Response:
        person = request.raw_path.rsplit("/", 1)[-1]
        raise KeyError(f"person {person} of {request.query}")

    loop, server, port = _serve(failing)

    async def call() -> int:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            answer = await client.get("/r1/DEMO/GOV/POP/registry/registry/data/persons/38001085718?personId=49001010004")
            return answer.status_code

    with caplog.at_level("ERROR", logger="tenfold.exchange.server"):
        assert loop.run_until_complete(call()) == 500
    loop.run_until_complete(server.close())
    loop.close()
    logged = "\n".join(record.getMessage() for record in caplog.records) + "".join(str(r.exc_info) for r in caplog.records)
    assert "GET /r1/DEMO/GOV/POP/registry/registry/…" in logged and "KeyError" in logged and "failing" in logged
    assert "38001085718" not in logged and "49001010004" not in logged
