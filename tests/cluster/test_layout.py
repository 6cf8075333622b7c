"""Where a cluster puts things (no root needed): hosts, addresses, members kept together."""

from __future__ import annotations

from pathlib import Path

import pytest

from tenfold.cluster.layout import Layout, groups, plan
from tenfold.errors import InvalidInput
from tenfold.settings import DEMO_TOPOLOGY
from tenfold.topology import load


def test_members_are_spread_and_those_that_talk_outside_the_exchange_share_a_host(tmp_path: Path) -> None:
    topology = load(DEMO_TOPOLOGY)
    layout = plan(topology, 3, "tf", "10.77.0.0/24", tmp_path)
    placed = [code for host in layout.hosts for code in host.members]
    assert sorted(placed) == sorted(m.code for m in topology.members)
    assert layout.host_of("POP").name != layout.host_of("SIB").name
    assert layout.host_of("IDP") is layout.host_of("PORTAL")
    assert layout.host_of("TRE") is layout.host_of("BANK1") is layout.host_of("BANK2")
    assert (layout.db.address, layout.central.address, layout.gateway) == ("10.77.0.2", "10.77.0.3", "10.77.0.1/24")
    assert len({h.address for h in layout.all_hosts}) == 5
    assert layout.database_template() == "postgresql+psycopg://tenfold@10.77.0.2:5432/tenfold_{member}"
    assert Layout.from_json(layout.to_json()) == layout


def test_one_host_takes_every_member_and_too_many_hosts_is_refused(tmp_path: Path) -> None:
    topology = load(DEMO_TOPOLOGY)
    assert len(plan(topology, 1, "tf", "10.77.0.0/24", tmp_path).hosts[0].members) == len(topology.members)
    with pytest.raises(InvalidInput, match="--hosts"):
        plan(topology, len(groups(topology)) + 1, "tf", "10.77.0.0/24", tmp_path)


@pytest.mark.parametrize("prefix, subnet, message", [
    ("toolong", "10.77.0.0/24", "--name"), ("t-f", "10.77.0.0/24", "--name"),
    ("tf", "8.8.8.0/24", "--subnet"), ("tf", "10.77.0.0/28", "--subnet"), ("tf", "not-a-net", "--subnet"),
])
def test_bad_names_and_networks_are_refused(tmp_path: Path, prefix: str, subnet: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        plan(load(DEMO_TOPOLOGY), 2, prefix, subnet, tmp_path)
