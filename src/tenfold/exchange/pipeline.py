"""What both sides of an exchange do the same way: read the body within limits, keep track of
one exchange, log it (request and response entries, awaited until durable), count it, and
turn a fault into X-Road's error response."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any


from tenfold.exchange import monitoring, protocol
from tenfold.exchange.context import GatewayContext
from tenfold.exchange.messagelog import LoggingFailed, LogRecord
from tenfold.exchange.protocol import ExchangeError
from tenfold.exchange.server import BodyTooLarge, Request, Response

X_ROAD_LOGGED = ("x-road-client", "x-road-id", "x-road-userid", "x-road-issue", "x-road-represented-party",
                 "x-road-purpose", "x-road-request-id", "x-road-service", "x-road-request-hash", "x-road-error")


async def read_body(request: Request, limit: int) -> bytes:
    try:
        return await request.read(limit)
    except BodyTooLarge:
        raise protocol.client_error("BadRequest", f"the request body is larger than {limit} bytes", 413) from None


_LOGGED = frozenset((*X_ROAD_LOGGED, "content-type"))


def x_road_headers(headers: list[tuple[str, str]]) -> list[list[str]]:
    return [[k, v] for k, v in headers if k.lower() in _LOGGED]


@dataclass
class Exchange:
    """One exchange as a gateway handles it, filled in as it goes."""

    role: str
    method: str
    started: float = field(default_factory=time.perf_counter)
    message_id: str | None = None
    client: str | None = None
    service: str | None = None
    trace_id: str | None = None
    request_bytes: int = 0
    request_entry: LogRecord | None = None  # the request's log entry until it is submitted
    pending: list[asyncio.Future[int]] = field(default_factory=list)

    def log_request(self, meta: dict[str, Any], body: bytes) -> None:
        """Prepare the request's log entry. It is submitted by :meth:`submit_request` while the
        other side works on the request, or at the latest with the response, by :meth:`finish`."""
        self.request_entry = LogRecord("request", self.message_id or "-", {"role": self.role, "trace": self.trace_id, **meta}, body)

    @property
    def request_logged(self) -> bool:
        return self.request_entry is not None or bool(self.pending)

    def submit_request(self, context: GatewayContext) -> None:
        """Submit the request's entry (once). Called once the request has gone on, so that the
        work overlaps the other side's: alone, the entry is journaled at once; with other
        exchanges in flight it waits to be written with a response, in one go."""
        record, self.request_entry = self.request_entry, None
        if record is None:
            return
        assert context.messagelog is not None
        future = context.messagelog.submit([record], defer=True, now=context.alone)
        assert future is not None
        self.pending.append(future)

    async def finish(
        self, context: GatewayContext, status: int, response_meta: dict[str, Any], body: bytes,
        tracker_rows: list[dict[str, Any]] | None = None, error_type: str | None = None,
    ) -> None:
        """Log the response (with the tracker rows), count the exchange, wait until it is durable."""
        assert context.messagelog is not None
        row = monitoring.record(
            context.metrics, role=self.role, message_id=self.message_id, client=self.client, service=self.service,
            known=_known(context, self.client, self.service),
            method=self.method, status=status, error_type=error_type, request_bytes=self.request_bytes,
            response_bytes=len(body), started=self.started, now=time.perf_counter(), trace_id=self.trace_id,
        )
        records = [] if self.request_entry is None else [self.request_entry]  # not yet submitted: it goes with the response
        self.request_entry = None
        records.append(LogRecord("response", self.message_id or "-", {"role": self.role, "status": status, **response_meta}, body))
        future = context.messagelog.submit(records, tracker_rows, [row], now=context.alone)
        assert future is not None
        waiting = (*self.pending, future)
        try:
            for pending in waiting:
                await pending
        except LoggingFailed as failure:
            for pending in waiting:  # the others fail alike; their failure is this one
                pending.add_done_callback(_retrieved)
            prefix = "Server.ClientProxy" if self.role == "consumer" else "Server.ServerProxy"
            raise ExchangeError(f"{prefix}.LoggingFailed", f"the message log could not be written: {failure}", 503) from None


def _retrieved(future: asyncio.Future[int]) -> None:
    if not future.cancelled():
        future.exception()


_BUILTIN_CODES = frozenset({"listMethods", "allowedMethods", "getOpenAPI", "api", "pub", "pull"})


def _known(context: GatewayContext, client: str | None, service: str | None) -> tuple[bool, bool]:
    """Whether the client and the service are in the configuration: only those become metric
    labels, so that made-up identifiers cannot multiply the time series."""
    conf = context.conf
    if conf is None:
        return False, False
    owner, _slash, code = (service or "").rpartition("/")
    known_service = service in conf.services or (code in _BUILTIN_CODES and (owner in conf.subsystems or owner in conf.rooms))
    return bool(client and conf.is_client(client)), known_service


def error_response(error: ExchangeError, extra: list[tuple[str, str]] | None = None) -> Response:
    return Response(error.status, [("Content-Type", "application/json"), (protocol.ERROR, error.type), *(extra or [])], error.body())
