"""An in-process country for the exchange tests: CENTRAL, the gateways of POP and SIB and two
small applications, all in one event loop on a background thread, talking real HTTP and mutual
TLS on loopback. Tests call it with plain HTTP like any member application would."""

from __future__ import annotations

import asyncio
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Awaitable, Callable, TypeVar

import orjson
from aiohttp import web

from tenfold.exchange import asgi
from tenfold.exchange.central import Central, central_app, provision
from tenfold.exchange.config import ExchangeSettings
from tenfold.exchange.gateway import Gateway, open_context
from tenfold.exchange.pki import PkiDirectory
from tenfold.exchange.ports import PortPlan
from tenfold.exchange.signing import Signer
from tenfold.settings import DEMO_TOPOLOGY
from tenfold.storage import make_engine
from tenfold.topology import load
from tenfold.exchange.ports import free_base

HERE = Path(__file__).parent
T = TypeVar("T")


def write_topology(directory: Path, text: str | None = None) -> Path:
    shutil.copytree(DEMO_TOPOLOGY.parent / "event_types", directory / "event_types", dirs_exist_ok=True)
    path = directory / "topology.toml"
    path.write_text(text or (HERE / "topology.toml").read_text(encoding="utf-8"), encoding="utf-8")
    return path


@dataclass
class Echo:
    """POP's echo application: says what it received; /redirect, /fail and /openapi.json too."""

    seen: list[dict[str, Any]] = field(default_factory=list)
    probe: Callable[[], Any] | None = None  # when set, called while answering; its result is in the answer

    async def handle(self, request: web.Request) -> web.StreamResponse:
        tail = request.match_info["tail"].removeprefix("svc/")
        if tail == "redirect":
            return web.Response(status=302, headers={"Location": "/somewhere-else"})
        if tail == "fail":
            return web.json_response({"error": "teapot"}, status=418, headers={"X-App-Error": "yes"})
        if tail == "openapi.json":
            return web.json_response({"openapi": "3.0.3", "info": {"title": "echo", "version": "1"}, "paths": {
                "/svc/data/{name}": {"get": {"responses": {"200": {"description": "ok"}}}},
                "/svc/people/{id}": {"get": {"responses": {"200": {"description": "ok"}}}, "post": {"responses": {"200": {"description": "ok"}}}},
                "/svc/admin": {"delete": {"responses": {"204": {"description": "gone"}}}}}})
        body = await request.read()
        seen = {"method": request.method, "path": request.path, "query": request.query_string,
                "headers": [[k, v] for k, v in request.headers.items()], "body": body.decode(errors="replace")}
        if self.probe is not None:
            seen["probe"] = self.probe()
        self.seen.append(seen)
        return web.Response(body=orjson.dumps(seen), content_type="application/json",
                            headers={"X-App": "echo", "Proxy-Authenticate": "Basic", "Keep-Alive": "timeout=5"})


@dataclass
class Inbox:
    """SIB's inbox: keeps every pushed event; ``down`` makes it answer 503 like a stopped service."""

    events: list[dict[str, Any]] = field(default_factory=list)
    down: bool = False

    async def handle(self, request: web.Request) -> web.Response:
        if self.down:
            return web.Response(status=503, text="down for maintenance")
        self.events.append(orjson.loads(await request.read()))
        return web.json_response({"received": True})


class CentralSwitch:
    """CENTRAL's HTTP face; ``down`` makes it unreachable in effect (503 on everything)."""

    def __init__(self, central: Central):
        self.central, self.app, self.down = central, central_app(central), False

    async def handle(self, request: web.BaseRequest) -> web.Response:
        if self.down:
            return web.Response(status=503, text="CENTRAL is down")
        reply = await asgi.call(self.app, request.method,
                                request.rel_url.raw_path, request.rel_url.raw_query_string, list(request.headers.items()),
                                await request.read())
        return web.Response(status=reply.status, body=reply.body, headers={
            k: v for k, v in reply.headers if k.lower() not in ("content-length", "date", "server")})


class Country:
    """Start with :meth:`start`; call ``run(coroutine)`` to do things inside its loop."""

    def __init__(self, directory: Path, settings: ExchangeSettings | None = None, topology_text: str | None = None):
        self.directory = directory
        self.var = directory / "var"
        self.topology_path = write_topology(directory, topology_text)
        self.topology = load(self.topology_path)
        self.base = free_base()
        self.plan = PortPlan.of(self.topology, self.base)
        self.settings = settings or ExchangeSettings(
            conf_refresh_seconds=0.2, checkpoint_entries=5, checkpoint_seconds=0.5, poll_seconds=0.05,
            push_backoff_seconds=0.05, push_backoff_max_seconds=0.2, push_max_attempts=4)
        self.pki = PkiDirectory(self.var / "pki")
        self.central_engine = make_engine(f"sqlite:///{self.var / 'central.sqlite'}")
        anchor = provision(self.pki, self.central_engine, self.topology, self.plan)
        self.central = Central(self.central_engine, self.topology, self.topology_path,
                               Signer(*self.pki.load_pair(self.pki.central_dir(), "sign")), anchor.ca_pem, self.plan.central_url, 600)
        self.switch = CentralSwitch(self.central)
        self.echo, self.inbox = Echo(), Inbox()
        self.gateways: dict[str, Gateway] = {}
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._runners: list[web.BaseRunner] = []

    def url(self, code: str) -> str:
        return self.plan.local_url(code)

    def engine(self, code: str):  # type: ignore[no-untyped-def]
        return self.gateways[code].context.engine

    def run(self, work: Awaitable[T], timeout: float = 60) -> T:
        return asyncio.run_coroutine_threadsafe(work, self.loop).result(timeout)  # type: ignore[arg-type]

    def start(self, members: tuple[str, ...] = ("POP", "SIB")) -> Country:
        self._thread.start()
        self.run(self._start(members))
        return self

    async def _site(self, handler: Callable[..., Any], port: int, low_level: bool = False) -> None:
        if low_level:
            runner: web.BaseRunner = web.ServerRunner(web.Server(handler, access_log=None), handle_signals=False)
        else:
            app = web.Application()
            app.router.add_route("*", "/{tail:.*}", handler)
            runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        self._runners.append(runner)

    async def _start(self, members: tuple[str, ...]) -> None:
        await self._site(self.switch.handle, self.base, low_level=True)
        pop_echo = self.plan.ports("POP").app_ports["echo"]
        sib_inbox = self.plan.ports("SIB").app_ports["inbox"]
        await self._site(self.echo.handle, pop_echo)
        await self._site(self.inbox.handle, sib_inbox)
        for code in members:
            await self.start_gateway(code)

    async def start_gateway(self, code: str) -> Gateway:
        member = self.topology.member(code)
        urls = {name: url for name in member.apps if (url := self.plan.app_url(member, name))}
        engine = make_engine(f"sqlite:///{self.var / (code.lower() + '.sqlite')}")
        context = open_context(member.id, engine, self.var, self.settings, urls)
        ports = self.plan.ports(member)
        gateway = Gateway(context, ports.local_port, ports.exchange_port)
        await gateway.start()
        self.gateways[code] = gateway
        return gateway

    def settle_logs(self) -> None:
        """Every gateway's journaled log entries into its tables, before a test reads them there."""
        async def settle() -> None:
            for gateway in self.gateways.values():
                await gateway.context.log_settled()

        self.run(settle())

    def stop(self) -> None:
        async def _stop() -> None:
            await asyncio.gather(*(gateway.stop() for gateway in self.gateways.values()))
            for runner in self._runners:
                await runner.cleanup()

        try:
            self.run(_stop())
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(timeout=10)
