"""Operational monitoring: per-exchange metadata (client, service, status, sizes, duration) in
the member's database and as Prometheus metrics. No payloads, no paths, no personal ids."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, ProcessCollector
from sqlalchemy import Engine, select

from tenfold.exchange.tables import opmon

BUCKETS = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


@dataclass
class Metrics:
    registry: CollectorRegistry
    exchanges: Counter
    duration: Histogram
    conf_expires: Gauge
    log_head: Gauge
    pushes: Counter
    _children: dict[tuple[str, ...], Any] = field(default_factory=dict, repr=False)

    def counted(self, role: str, client: str, service: str, status: str) -> Any:
        """The exchange counter of these labels (looked up once: ``labels`` costs more per call)."""
        key = (role, client, service, status)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = self.exchanges.labels(*key)
        return child

    def timed(self, role: str) -> Any:
        key = (role,)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = self.duration.labels(role)
        return child

    @classmethod
    def create(cls, registry: CollectorRegistry | None = None) -> Metrics:
        if registry is None:
            registry = CollectorRegistry()
            ProcessCollector(registry=registry)   # process_resident_memory_bytes, CPU seconds, open files
        return cls(
            registry,
            Counter("exchange_messages_total", "Exchanges through this gateway", ["role", "client", "service", "status"], registry=registry),
            Histogram("exchange_duration_seconds", "Time spent on an exchange", ["role"], buckets=BUCKETS, registry=registry),
            Gauge("exchange_globalconf_expires_timestamp", "When the global configuration in use expires", registry=registry),
            Gauge("exchange_messagelog_entries", "Entries in the message log", registry=registry),
            Counter("exchange_push_deliveries_total", "PUSH delivery attempts", ["outcome"], registry=registry),
        )


def record(
    metrics: Metrics, *, role: str, message_id: str | None, client: str | None, service: str | None, method: str,
    status: int, error_type: str | None, request_bytes: int, response_bytes: int, started: float, now: float,
    trace_id: str | None, known: tuple[bool, bool] = (True, True),
) -> dict[str, Any]:
    """Count the exchange and return its monitoring row (identifiers the configuration does not
    know are counted as ``-``)."""
    seconds = max(now - started, 0.0)
    metrics.counted(role, (client if known[0] else None) or "-", (service if known[1] else None) or "-", str(status)).inc()
    metrics.timed(role).observe(seconds)
    return {
        "at": datetime.now(UTC), "role": role, "message_id": message_id, "client": client, "service": service,
        "method": method[:10], "status": status, "error_type": error_type, "request_bytes": request_bytes,
        "response_bytes": response_bytes, "duration_ms": int(seconds * 1000), "trace_id": trace_id,
    }


def recent(engine: Engine, limit: int = 100, client: str | None = None) -> list[dict[str, Any]]:
    """The latest monitoring records, newest first (a client sees only its own)."""
    query = select(opmon).order_by(opmon.c.id.desc()).limit(limit)
    if client:
        query = query.where(opmon.c.client == client)
    with engine.connect() as connection:
        return [
            {**{k: v for k, v in r.items() if k != "at"}, "at": r["at"].isoformat()}
            for r in connection.execute(query).mappings()
        ]
