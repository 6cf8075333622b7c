"""Where every process of the country listens: one deterministic scheme, overridable.

CENTRAL listens on ``base``. The member at index ``i`` of the topology gets ten ports from
``base + 10 * (i + 1)``: the member-facing gateway listener (+0), the mTLS listener for other
gateways (+1), and its applications in the order the topology names them (+2 ...).
``TENFOLD_APP_URL_<MEMBER>_<APP>`` points a member at an application running elsewhere, and
``TENFOLD_EXCHANGE_GATEWAY_URL_<MEMBER>`` publishes another address for a gateway (multi-host).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from tenfold.topology import Member, Topology

PORTS_PER_MEMBER = 10
MAX_APPS = PORTS_PER_MEMBER - 2


@dataclass(frozen=True)
class MemberPorts:
    member_id: str
    code: str
    local_port: int
    exchange_port: int
    app_ports: dict[str, int]


def _env_key(text: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in text.upper())


@dataclass(frozen=True)
class PortPlan:
    base: int
    host: str
    members: dict[str, MemberPorts]

    @classmethod
    def of(cls, topology: Topology, base: int, host: str = "127.0.0.1") -> PortPlan:
        members = {}
        for index, member in enumerate(topology.members):
            first = base + PORTS_PER_MEMBER * (index + 1)
            apps = member.apps[:MAX_APPS]
            members[member.code] = MemberPorts(
                member.id, member.code, first, first + 1, {app: first + 2 + n for n, app in enumerate(apps)}
            )
        return cls(base, host, members)

    @property
    def central_url(self) -> str:
        return f"http://{self.host}:{self.base}"

    def ports(self, member: Member | str) -> MemberPorts:
        code = member.code if isinstance(member, Member) else member
        return self.members[code]

    def local_url(self, member: Member | str) -> str:
        """Where the member's own applications call its gateway (loopback, plain HTTP)."""
        return f"http://127.0.0.1:{self.ports(member).local_port}"

    def exchange_url(self, member: Member | str) -> str:
        """Where other gateways reach this member's gateway (mutual TLS)."""
        ports = self.ports(member)
        return os.environ.get(f"TENFOLD_EXCHANGE_GATEWAY_URL_{_env_key(ports.code)}") or f"https://{self.host}:{ports.exchange_port}"

    def app_url(self, member: Member | str, app: str) -> str | None:
        ports = self.ports(member)
        override = os.environ.get(f"TENFOLD_APP_URL_{_env_key(ports.code)}_{_env_key(app)}")
        if override:
            return override.rstrip("/")
        port = ports.app_ports.get(app)
        return f"http://127.0.0.1:{port}" if port else None


def _ephemeral_start() -> int:
    """Where the kernel's range for outgoing connections begins (Linux; 32768 elsewhere)."""
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range", encoding="ascii") as ports:
            return int(ports.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_base(span: int = 200, host: str = "127.0.0.1") -> int:
    """A base port with ``span`` free ports above it, for a country started by tests and benchmarks.

    Chosen below the kernel's ephemeral range: there an outgoing connection may take a port
    meanwhile, and a probe of a port nobody listens on yet can connect to itself (TCP
    simultaneous open) and hold the port the server is about to bind."""
    import random
    import socket

    top = min(_ephemeral_start(), 61000) - span
    for _attempt in range(200):
        base = random.randrange(10000, max(10001, top), 10)
        try:
            for port in range(base, base + span):
                with socket.socket() as probe:
                    probe.bind((host, port))
        except OSError:
            continue
        return base
    raise RuntimeError(f"no {span} free ports in a row below {top + span}")
