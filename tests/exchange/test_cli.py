"""``tenfold exchange`` and ``tenfold status`` as an operator meets them: real processes, exit
codes, one clear line for bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select, update

from tenfold.exchange.store import migrate
from tenfold.exchange.tables import admin_audit, messagelog
from tenfold.storage import make_engine
from tests.exchange.keys import provisioned
from tests.exchange.test_messagelog import countersigned_checkpoint, write


def tenfold(var: Path, topology: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TENFOLD_VAR_DIR": str(var), "TENFOLD_TOPOLOGY": str(topology)}
    return subprocess.run([sys.executable, "-c", "from tenfold.cli import main; main()", *args], capture_output=True,
                          text=True, timeout=120, env=env)


@pytest.fixture
def member_log(tmp_path: Path) -> Path:
    """POP's database with a countersigned log, in the layout a member's host has."""
    (tmp_path / "var").mkdir()
    keys = provisioned(tmp_path / "var")
    engine = make_engine(f"sqlite:///{tmp_path / 'var' / 'pop.sqlite'}")
    migrate(engine)
    write(engine, 12)
    countersigned_checkpoint(engine, keys)
    engine.dispose()
    return tmp_path


def test_verify_log_exits_0_on_an_intact_log_and_1_naming_the_first_bad_entry(member_log: Path) -> None:
    var, topology = member_log / "var", member_log / "var" / "topology.toml"
    intact = tenfold(var, topology, "exchange", "verify-log", "--member", "POP")
    assert intact.returncode == 0, intact.stderr
    assert "intact" in intact.stdout and "12" in intact.stdout
    engine = make_engine(f"sqlite:///{var / 'pop.sqlite'}")
    with engine.begin() as connection:
        entry = bytes(connection.execute(select(messagelog.c.entry).where(messagelog.c.seq == 5)).scalar_one())
        connection.execute(update(messagelog).where(messagelog.c.seq == 5).values(entry=entry.replace(b"body", b"bodY")))
    engine.dispose()
    broken = tenfold(var, topology, "exchange", "verify-log", "--member", "POP", "--json")
    assert broken.returncode == 1
    verdict = json.loads(broken.stdout)
    assert verdict["intact"] is False and verdict["bad_entry"] == 5


def test_bad_input_is_one_line_and_a_non_zero_exit(member_log: Path) -> None:
    var, topology = member_log / "var", member_log / "var" / "topology.toml"
    for args in (("exchange", "verify-log", "--member", "NOPE"), ("exchange", "replay", "--member", "POP"),
                 ("exchange", "revoke", "--member", "SIB", "--kind", "root"), ("status",)):
        result = tenfold(var, topology, *args)
        assert result.returncode != 0, args
        assert result.stderr.strip().count("\n") == 0 and "Traceback" not in result.stderr, (args, result.stderr)


def test_dead_letters_list_and_replay_on_an_empty_room(member_log: Path) -> None:
    var, topology = member_log / "var", member_log / "var" / "topology.toml"
    listed = tenfold(var, topology, "exchange", "dead-letters", "--member", "POP", "--json")
    assert listed.returncode == 0 and json.loads(listed.stdout) == []
    replayed = tenfold(var, topology, "exchange", "replay", "--member", "POP", "--all")
    assert replayed.returncode == 0 and "0" in replayed.stdout
    engine = make_engine(f"sqlite:///{var / 'pop.sqlite'}")
    with engine.connect() as connection:
        [entry] = connection.execute(select(admin_audit)).mappings().all()
    assert entry["action"] == "deliveries.replay" and entry["outcome"] == "succeeded" and entry["actor"].endswith("@cli")


def test_serving_one_member_needs_the_anchor_from_central(tmp_path: Path) -> None:
    from tests.exchange.country import write_topology

    topology = write_topology(tmp_path)
    result = tenfold(tmp_path / "var", topology, "serve", "--member", "POP")
    assert result.returncode != 0 and "anchor.json" in result.stderr
    assert result.stderr.strip().count("\n") == 0


def _ended(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"   # a zombie has ended
    except OSError:
        return True


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_a_country_started_for_a_process_stops_when_that_process_is_killed(tmp_path: Path) -> None:
    import time

    from tenfold.exchange.ports import free_base
    from tests.exchange.country import write_topology

    topology = write_topology(tmp_path)
    env = {**os.environ, "TENFOLD_VAR_DIR": str(tmp_path / "var"), "TENFOLD_TOPOLOGY": str(topology),
           "TENFOLD_EXCHANGE_BASE_PORT": str(free_base())}
    script = ("import json, time\nfrom tenfold.cli.serve import running_country\n"
              "with running_country() as runtime:\n    print(json.dumps(runtime), flush=True)\n    time.sleep(600)\n")
    starter = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, env=env)
    try:
        runtime = json.loads(starter.stdout.readline() if starter.stdout else "{}")
        country = [runtime["supervisor_pid"], runtime["central"]["pid"], *(p for m in runtime["members"] for p in m["pids"].values())]
        assert len(country) >= 3 and not any(_ended(pid) for pid in country)
    finally:
        starter.kill()   # no clean-up of its own: SIGKILL
        starter.wait()
    deadline = time.monotonic() + 30
    while not all(_ended(pid) for pid in country) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert all(_ended(pid) for pid in country), [pid for pid in country if not _ended(pid)]
