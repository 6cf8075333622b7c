"""Where everything of a cluster on one machine goes: one network namespace per host on a
bridge, CENTRAL on a host of its own, PostgreSQL on a host of its own, the members spread over
``N`` hosts; the same plan is what ``down`` and ``status`` read back from ``var/cluster/state.json``.

Members that talk to each other outside the exchange stay on one host: the portal reads the
identity provider's OpenID endpoints directly, and the treasury exchanges payment files with the
simulated banks through folders (see docs/payments.md).
"""

from __future__ import annotations

import ipaddress
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tenfold.errors import InvalidInput
from tenfold.i18n import _
from tenfold.topology import Topology

TOGETHER = (("IDP", "PORTAL"), ("TRE", "BANK1", "BANK2"))
DB_PORT = 5432


@dataclass
class Host:
    name: str          # central, db, h1, h2 ...
    namespace: str
    veth: str
    address: str       # without the prefix length
    members: list[str] = field(default_factory=list)
    pid: int | None = None


@dataclass
class Layout:
    prefix: str
    subnet: str        # e.g. 10.77.0.0/24
    bridge: str
    gateway: str       # the machine's own address on the bridge (CIDR)
    central: Host
    db: Host
    hosts: list[Host]
    state_dir: str
    pg_data: str

    @property
    def all_hosts(self) -> list[Host]:
        return [self.central, self.db, *self.hosts]

    def database_template(self) -> str:
        return f"postgresql+psycopg://tenfold@{self.db.address}:{DB_PORT}/tenfold_{{member}}"

    def host_of(self, member_or_host: str) -> Host:
        wanted = member_or_host.upper()
        for host in self.all_hosts:
            if host.name.upper() == wanted or wanted in host.members:
                return host
        raise InvalidInput(_("no host or member named {name} in the cluster").format(name=member_or_host))

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Layout:
        hosts = {key: Host(**data[key]) for key in ("central", "db")}
        return cls(**{**data, **hosts, "hosts": [Host(**h) for h in data["hosts"]]})


def groups(topology: Topology) -> list[list[str]]:
    """The members in topology order, those that must share a host in one group."""
    codes = [m.code for m in topology.members]
    placed: list[list[str]] = []
    for code in codes:
        if any(code in group for group in placed):
            continue
        together = next((g for g in TOGETHER if code in g), (code,))
        placed.append([c for c in together if c in codes])
    return placed


def plan(topology: Topology, count: int, prefix: str, subnet: str, state_dir: Path) -> Layout:
    network = _network(subnet)
    spread = groups(topology)
    if not 1 <= count <= len(spread):
        raise InvalidInput(_("--hosts must be between 1 and {most} for this topology").format(most=len(spread)))
    if not prefix.isalnum() or len(prefix) > 4:
        raise InvalidInput(_("--name must be 1 to 4 letters or digits (it prefixes interface names)"))
    addresses = list(network.hosts())
    host = lambda name, index: Host(name, f"{prefix}-{name}", f"{prefix}-{name}", str(addresses[index]))  # noqa: E731
    members = [host(f"h{n + 1}", 10 + n) for n in range(count)]
    for index, group in enumerate(spread):
        members[index % count].members.extend(group)
    return Layout(prefix, str(network), f"{prefix}-br", f"{addresses[0]}/{network.prefixlen}", host("central", 2),
                  host("db", 1), members, str(state_dir), f"/tmp/tenfold-cluster-{prefix}/pgdata")


def _network(subnet: str) -> ipaddress.IPv4Network:
    try:
        network = ipaddress.IPv4Network(subnet, strict=False)
    except ValueError:
        raise InvalidInput(_("--subnet is not an IPv4 network: {subnet}").format(subnet=subnet)) from None
    if network.num_addresses < 64 or not network.is_private:
        raise InvalidInput(_("--subnet must be a private network of at least 64 addresses, e.g. 10.77.0.0/24"))
    return network
