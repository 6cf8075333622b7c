"""Key material for unit tests: a provisioned CENTRAL without any server."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tenfold.exchange.central import Central, provision
from tenfold.exchange.pki import Anchor, PkiDirectory
from tenfold.exchange.ports import PortPlan
from tenfold.exchange.signing import Signer
from tenfold.storage import make_engine
from tenfold.topology import Topology, load
from tests.exchange.country import write_topology


@dataclass
class Keys:
    pki: PkiDirectory
    anchor: Anchor
    central: Central
    topology: Topology

    def signer(self, code: str) -> Signer:
        return Signer(*self.pki.load_pair(self.pki.member_dir(code), "sign"))


def provisioned(directory: Path, expiry_seconds: int = 600) -> Keys:
    topology_path = write_topology(directory)
    topology = load(topology_path)
    pki = PkiDirectory(directory / "pki")
    engine = make_engine(f"sqlite:///{directory / 'central.sqlite'}")
    plan = PortPlan.of(topology, 40000)
    anchor = provision(pki, engine, topology, plan)
    central = Central(engine, topology, topology_path, Signer(*pki.load_pair(pki.central_dir(), "sign")), anchor.ca_pem,
                      plan.central_url, expiry_seconds)
    return Keys(pki, anchor, central, topology)
