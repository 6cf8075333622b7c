"""A member's gateway process: two listeners and the workers behind them.

- The member-facing listener (plain HTTP on loopback): the member's own applications call
  ``/r1/...`` here (the consumer side), plus the IM configuration API, ``/listClients``,
  ``/healthz``, ``/metrics`` and ``/openapi.json``.
- The exchange listener (mutual TLS with the platform CA): other gateways call the provider side.
- Workers: the global-configuration client, the message-log writer and checkpointer, and for a
  member that owns rooms the outbox publisher and the PUSH delivery worker.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import ssl
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import orjson
from fastapi import FastAPI
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import event

from tenfold import collector
from tenfold.exchange import asgi, consumer, delivery, provider, pubsub, rights
from tenfold.exchange.admin import admin_app
from tenfold.exchange.checkpoints import Checkpointer
from tenfold.exchange.config import ExchangeSettings
from tenfold.exchange.consumer import peer_check
from tenfold.exchange.context import GatewayContext
from tenfold.exchange.directory import directory_router
from tenfold.exchange.globalconf import ConfClient, GlobalConf
from tenfold.exchange.http import HttpClient
from tenfold.exchange.messagelog import Head, MessageLog
from tenfold.exchange.monitoring import Metrics
from tenfold.exchange.openapi import gateway_document
from tenfold.exchange.pipeline import read_body
from tenfold.exchange.pki import Anchor, PkiDirectory
from tenfold.exchange.protocol import ExchangeError
from tenfold.exchange.pubsub_api import ERRORS as PUBSUB_ERRORS, pubsub_router
from tenfold.exchange.server import HttpServer, Request, Response
from tenfold.exchange.signing import Signer
from tenfold.exchange.store import migrate, reason
from tenfold.storage import walcheckpoint
from tenfold.web import create_app

log = logging.getLogger("tenfold.exchange.gateway")
ADMIN_BODY_BYTES = 1024 * 1024  # requests to the gateway's own APIs


def server_ssl(context: GatewayContext) -> ssl.SSLContext:
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cadata=context.anchor.ca_pem)
    tls.load_cert_chain(context.keys.tls_cert_file, context.keys.tls_key_file)
    tls.verify_mode = ssl.CERT_REQUIRED
    tls.minimum_version = ssl.TLSVersion.TLSv1_2
    return tls


def client_ssl(context: GatewayContext) -> ssl.SSLContext:
    # The peer is identified by its certificate as listed in the global configuration (checked
    # on every response), so host names do not matter; the chain must lead to the platform CA.
    tls = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cadata=context.anchor.ca_pem)
    tls.check_hostname = False
    tls.load_cert_chain(context.keys.tls_cert_file, context.keys.tls_key_file)
    tls.minimum_version = ssl.TLSVersion.TLSv1_2
    return tls


def im_app(context: GatewayContext) -> FastAPI:
    app = create_app(f"IM services of {context.member_id}", errors=PUBSUB_ERRORS)
    app.include_router(pubsub_router(context))
    app.include_router(directory_router(context))
    return app


def apply_conf(context: GatewayContext, conf: GlobalConf, previous: GlobalConf | None = None) -> None:
    """Rebuild rights and rooms from a new configuration; declare the rooms' event types. When a
    TLS certificate is gone (revoked), pooled connections made with it are dropped."""
    rebuild_rights(context, conf)
    if previous is not None and context.peer_client is not None and set(previous.tls_owners.items()) - set(conf.tls_owners.items()):
        context.peer_client.reset()
    rooms: dict[str, pubsub.Room] = {}
    with context.engine.begin() as connection:
        for member, room in conf.rooms.values():
            if member.id != context.member_id:
                continue
            room_id = f"{member.id}/{room.code}"
            rooms[room_id] = pubsub.Room(room_id, frozenset((s.subscriber, s.event_type) for s in room.subscriptions))
            for event_type in room.event_types:
                schema = conf.event_schemas.get(f"{room_id}/{event_type.code}")
                if schema is not None:
                    pubsub.ensure_event_type(connection, room_id, event_type.code, schema)
            for subscription in room.subscriptions:
                pubsub.ensure_subscription(connection, room_id, subscription.event_type, subscription.subscriber, subscription.delivery)
    context.rooms = rooms
    context.openapi_cache.clear()
    context.person_finders.clear()
    context.metrics.conf_expires.set(conf.expires_at.timestamp())


def rebuild_rights(context: GatewayContext, conf: GlobalConf | None = None) -> None:
    conf = conf or context.conf
    if conf is None:
        return
    declared = [(entry.id, rights.Right.of(r.client, r.methods, r.paths))
                for entry in conf.services.values() if context.owns(entry.id) for r in entry.service.rights]
    context.rights = rights.build_table(declared, rights.load_local(context.engine))


@dataclass
class Gateway:
    context: GatewayContext
    local_port: int
    exchange_port: int
    exchange_host: str = "127.0.0.1"
    admin: FastAPI | None = None
    servers: list[HttpServer] = field(default_factory=list)
    tasks: list[asyncio.Task[Any]] = field(default_factory=list)
    central_session: aiohttp.ClientSession | None = None
    _openapi: bytes | None = None

    async def start(self) -> None:
        context = self.context
        if context.engine.dialect.name == "sqlite":
            event.listen(context.engine, "connect", _sqlite_connection)
            event.listen(context.engine, "begin", _begin_immediate)
            context.engine.dispose()
            self.tasks.append(asyncio.create_task(_checkpoint_wal(context), name="wal-checkpoint"))
        self.admin = admin_app(context, lambda: rebuild_rights(context))
        context.metrics = Metrics.create(self.admin.state.metrics)
        context.im = im_app(context)
        checkpointer = Checkpointer(context.engine, context.member_id, context.signer, context.anchor,
                                    context.settings.checkpoint_entries, context.settings.checkpoint_seconds)

        def committed(head: Head) -> None:
            checkpointer.on_commit(head)
            context.metrics.log_head.set(head.seq)

        context.messagelog = MessageLog(context.engine, context.settings.log_payloads, committed, journal=True)
        context.messagelog.start()
        context.peer_client = HttpClient(client_ssl(context), check=peer_check(context))
        context.app_client = HttpClient()
        context.app_session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0, keepalive_timeout=60), auto_decompress=False,
            timeout=aiohttp.ClientTimeout(total=context.settings.upstream_timeout_seconds, connect=5),
            skip_auto_headers=("Accept", "Accept-Encoding", "User-Agent", "Content-Type"))
        self.central_session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15))
        context.confs.listeners.append(lambda conf, previous: apply_conf(context, conf, previous))
        if context.conf is not None:
            apply_conf(context, context.conf)
        await context.confs.refresh(self.central_session)
        await self._listen()
        self._start_workers(checkpointer)

    async def _listen(self) -> None:
        limit = max(self.context.settings.max_body_bytes, ADMIN_BODY_BYTES)
        local = HttpServer(self._local, limit)
        await local.start("127.0.0.1", self.local_port)
        self.servers.append(local)
        remote = HttpServer(self._exchange, limit)
        await remote.start(self.exchange_host, self.exchange_port, server_ssl(self.context))
        self.servers.append(remote)

    def _start_workers(self, checkpointer: Checkpointer) -> None:
        context, settings = self.context, self.context.settings
        assert self.central_session is not None
        self.tasks.append(asyncio.create_task(self._refresh_loop(), name="globalconf"))
        self.tasks.append(asyncio.create_task(checkpointer.run(self.central_session), name="checkpoints"))
        publisher = OutboxFeed(context)
        self.tasks.append(asyncio.create_task(publisher.run(), name="outbox-publisher"))
        worker = delivery.PushWorker(
            context.engine, lambda push: consumer.push(context, push), poll=settings.poll_seconds,
            max_attempts=settings.push_max_attempts, base=settings.push_backoff_seconds,
            ceiling=settings.push_backoff_max_seconds, on_outcome=lambda status: context.metrics.pushes.labels(status).inc(),
            owns_rooms=lambda: bool(context.rooms))
        self.tasks.append(asyncio.create_task(worker.run(), name="push-worker"))

    async def _refresh_loop(self) -> None:
        assert self.central_session is not None
        while True:
            await asyncio.sleep(self.context.confs.refresh_seconds)
            await self.context.confs.refresh(self.central_session)

    async def _local(self, request: Request) -> Response:
        path = request.raw_path
        try:
            if path.startswith("/r1/"):
                return await consumer.handle(self.context, request)
            if path == "/healthz":
                return self._health()
            if path == "/metrics":
                return Response(200, [("Content-Type", CONTENT_TYPE_LATEST)], generate_latest(self.context.metrics.registry))
            if path == "/openapi.json":
                return Response(200, [("Content-Type", "application/json")], self._document())
            body = await read_body(request, ADMIN_BODY_BYTES)
            assert self.admin is not None
            reply = await asgi.call(self.admin, request.method, request.raw_path, request.query, request.headers, body)
            return Response(reply.status, [(k, v) for k, v in reply.headers if k.lower() not in ("content-length", "date", "server")],
                            reply.body)
        except ExchangeError as error:
            return Response(error.status, [("Content-Type", "application/json")], error.body())

    async def _exchange(self, request: Request) -> Response:
        return await provider.handle(self.context, request)

    def _health(self) -> Response:
        conf = self.context.conf
        healthy = conf is not None and not conf.expired()
        body = {"status": "ok" if healthy else "unavailable", "member": self.context.member_id,
                "globalconf": "valid" if healthy else ("expired" if conf else "missing")}
        return Response(200 if healthy else 503, [("Content-Type", "application/json")], orjson.dumps(body))

    def _document(self) -> bytes:
        if self._openapi is None:
            assert self.admin is not None
            self._openapi = orjson.dumps(gateway_document(self.admin, self.context.im, self.context.member_id))
        return self._openapi

    async def stop(self) -> None:
        # Both listeners at once: each lets requests in progress finish within its grace period.
        await asyncio.gather(*(server.close() for server in self.servers))
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        if self.context.messagelog:
            await self.context.messagelog.close()
        for client in (self.context.peer_client, self.context.app_client):
            if client:
                client.close()
        for session in (self.context.app_session, self.central_session):
            if session:
                await session.close()
        self.context.engine.dispose()


def _sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    # The gateway checkpoints the WAL itself, off the event loop; and it begins its own
    # transactions (below), so that the driver does not begin them half-way.
    dbapi_connection.execute("PRAGMA wal_autocheckpoint=0")
    dbapi_connection.isolation_level = None


def _begin_immediate(connection: Any) -> None:
    # Several processes write a member's SQLite database (the gateway, the registry). A
    # transaction that reads and then writes must hold the write lock from the start, or it
    # fails with "database is locked" when another writer commits in between.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


async def _checkpoint_wal(context: GatewayContext, every: float = 1.0) -> None:
    """Copy the SQLite write-ahead log into the database (the part that fsyncs) off the event loop,
    after the message log has written something (the member's served applications do the same
    for their writes in a thread: :mod:`tenfold.storage.walcheckpoint`)."""
    checkpointed_at = -1
    database = context.engine.url.database
    if not database or database == ":memory:":
        return
    while True:
        await asyncio.sleep(every)
        written = context.messagelog.committed if context.messagelog else 0
        if written == checkpointed_at:
            continue
        try:
            await asyncio.to_thread(walcheckpoint.checkpoint, database)
            checkpointed_at = written
        except Exception as error:  # a busy database: try again next time
            log.warning("WAL checkpoint failed: %s", reason(error))


@dataclass
class OutboxFeed:
    """The outbox publisher, following the rooms the current configuration gives this member."""

    context: GatewayContext

    async def run(self) -> None:
        settings = self.context.settings
        while True:
            rooms_of: dict[str, list[str]] = {}
            for room_id in self.context.rooms:
                conf = self.context.conf
                member_room = conf.rooms.get(room_id) if conf else None
                for event_type in member_room[1].event_types if member_room else ():
                    rooms_of.setdefault(event_type.code, []).append(room_id)
            if not rooms_of:   # a member with no room publishes nothing: no database round (the configuration may add one)
                await asyncio.sleep(settings.poll_seconds)
                continue
            publisher = delivery.OutboxPublisher(self.context.engine, rooms_of, self.context.member_id, settings.poll_seconds)
            try:
                count = await asyncio.to_thread(publisher.publish_pending)
            except Exception as error:  # the database is busy or away: the outbox keeps the events
                log.warning("publishing from the outbox failed, will retry: %s", reason(error))
                count = 0
            if count == 0:
                await asyncio.sleep(settings.poll_seconds)


def open_context(member_id: str, engine: Any, var_dir: Path, settings: ExchangeSettings, app_urls: dict[str, str]) -> GatewayContext:
    """Load the member's keys, the anchor and the cached configuration; migrate the database."""
    pki = PkiDirectory(var_dir / "pki")
    anchor = Anchor.load(pki.anchor_file)
    code = member_id.split("/")[2]
    keys = pki.member_keys(member_id, code)
    migrate(engine)
    confs = ConfClient(anchor, var_dir / "exchange" / code.lower() / "globalconf.json", settings.conf_refresh_seconds)
    confs.load_cached()
    return GatewayContext(member_id=member_id, instance=anchor.instance, engine=engine, anchor=anchor, keys=keys,
                          signer=Signer(keys.sign_key, keys.sign_cert), settings=settings, confs=confs, app_urls=app_urls)


async def serve(gateway: Gateway, ready: asyncio.Event | None = None) -> None:
    """Run until SIGTERM or SIGINT, then stop cleanly (the log is flushed)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await gateway.start()
    collector.settle()  # the gateway is built: what lives now lives for good
    if ready:
        ready.set()
    await stop.wait()
    await gateway.stop()
