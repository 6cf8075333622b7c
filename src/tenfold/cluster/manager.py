"""``tenfold cluster up / down / status``: the country on several hosts of one machine.

``up`` records what it is about to make in ``var/cluster/state.json`` *before* making it, so
``down`` can remove everything after a crash at any point: the processes of each namespace
(``ip netns pids``), the veth pairs, the namespaces, the bridge, PostgreSQL's data directory and
the hosts' run directories. Each member host runs ``tenfold serve --member A,B`` inside its
namespace (one supervisor per host, as on a real server); CENTRAL runs ``tenfold serve central``
on a host of its own and PostgreSQL 15 on another, one database per member.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

import orjson

from tenfold.cluster import netns
from tenfold.cluster.layout import DB_PORT, Host, Layout, plan
from tenfold.errors import TenfoldError
from tenfold.i18n import _
from tenfold.settings import get_settings
from tenfold.topology import load

STATE = "state.json"


def pg_bin() -> Path:
    """The PostgreSQL server's programs: ``TENFOLD_PG_BIN``, else the newest under /usr/lib/postgresql."""
    if os.environ.get("TENFOLD_PG_BIN"):
        return Path(os.environ["TENFOLD_PG_BIN"])
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)
    return found[-1] if found else Path("/usr/lib/postgresql/15/bin")

START_TIMEOUT = 300.0


def state_dir() -> Path:
    return get_settings().var_dir.resolve() / "cluster"


def read_layout() -> Layout | None:
    try:
        return Layout.from_json(orjson.loads((state_dir() / STATE).read_bytes()))
    except FileNotFoundError:
        return None


def _save(layout: Layout) -> None:
    path = state_dir() / STATE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.with_suffix(".tmp").write_bytes(orjson.dumps(layout.to_json(), option=orjson.OPT_INDENT_2))
    path.with_suffix(".tmp").replace(path)


def _exchange_env(layout: Layout) -> dict[str, str]:
    """What every process of the cluster is told: where the databases and every gateway are."""
    from tenfold.exchange.config import exchange_settings
    from tenfold.exchange.ports import PortPlan, _env_key

    settings = get_settings()
    topology = load(settings.topology)
    ports = PortPlan.of(topology, exchange_settings().base_port)
    env = {"TENFOLD_DATABASE_URL_TEMPLATE": layout.database_template(), "TENFOLD_TOPOLOGY": str(Path(settings.topology).resolve())}
    for member in topology.members:
        address = layout.host_of(member.code).address
        env[f"TENFOLD_EXCHANGE_GATEWAY_URL_{_env_key(member.code)}"] = f"https://{address}:{ports.ports(member).exchange_port}"
    return env


def host_env(layout: Layout, host: Host) -> dict[str, str]:
    """The environment of a process on ``host`` (its own run directory and address)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("TENFOLD_DATABASE_URL")}
    return {**env, **_exchange_env(layout), "TENFOLD_VAR_DIR": str(Path(layout.state_dir) / "hosts" / host.name),
            "TENFOLD_EXCHANGE_HOST": host.address}


def central_url(layout: Layout) -> str:
    from tenfold.exchange.config import exchange_settings

    return f"http://{layout.central.address}:{exchange_settings().base_port}"


# ------------------------------------------------------------------------------------------ up

def up(count: int, prefix: str, subnet: str, persons: int | None, report: Callable[[str], None]) -> Layout:
    reason = netns.unavailable()
    if reason:
        raise TenfoldError(reason)
    existing = read_layout()
    if existing is not None:
        raise TenfoldError(_("a cluster is already recorded in {path}; run `tenfold cluster down` first").format(path=state_dir() / STATE))
    layout = plan(load(get_settings().topology), count, prefix, subnet, state_dir())
    _save(layout)   # before anything exists: down can always find it
    try:
        _network(layout)
        report(_("network: bridge {bridge} {address}, {hosts} namespaces").format(
            bridge=layout.bridge, address=layout.gateway, hosts=len(layout.all_hosts)))
        _postgres(layout)
        report(_("PostgreSQL on {address}:{port}").format(address=layout.db.address, port=DB_PORT))
        if persons:
            _generate(layout, persons)
            report(_("country generated: {persons} persons").format(persons=persons))
        _start_central(layout)
        report(_("CENTRAL on {url}").format(url=central_url(layout)))
        _start_members(layout, report)
    except BaseException:
        down(report=lambda _line: None)
        raise
    return layout


def _network(layout: Layout) -> None:
    netns.make_bridge(layout.bridge, layout.gateway)
    length = layout.subnet.split("/")[1]
    for host in layout.all_hosts:
        netns.make_host(host.namespace, layout.bridge, host.veth, f"{host.address}/{length}")


def _postgres(layout: Layout) -> None:
    data = Path(layout.pg_data)
    if data.exists():
        shutil.rmtree(data)
    data.mkdir(parents=True)
    shutil.chown(data.parent, "postgres")
    shutil.chown(data, "postgres")
    owner = ["runuser", "-u", "postgres", "--"]
    _run([*owner, str(pg_bin() / "initdb"), "-D", str(data), "-U", "tenfold", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"])
    with (data / "pg_hba.conf").open("a") as hba:
        hba.write(f"host all tenfold {layout.subnet} trust\n")
    options = (f"-p {DB_PORT} -k {data} -c listen_addresses={layout.db.address} -c max_connections=500 "
               "-c fsync=off -c synchronous_commit=off -c shared_buffers=64MB")
    _run(netns.command(layout.db.namespace, [*owner, str(pg_bin() / "pg_ctl"), "-D", str(data), "-l", str(data / "server.log"),
                                             "-w", "-o", options, "start"]))
    _create_databases(layout)


def _create_databases(layout: Layout) -> None:
    from sqlalchemy import create_engine, text

    topology = load(get_settings().topology)
    codes = [topology.central.member.split("/")[2], "COUNTRY", *(m.code for m in topology.members)]
    engine = create_engine(layout.database_template().replace("tenfold_{member}", "postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        for code in codes:
            connection.execute(text(f'CREATE DATABASE "tenfold_{code.lower()}"'))
    engine.dispose()


def _generate(layout: Layout, persons: int) -> None:
    env = host_env(layout, layout.central)
    _run([sys.executable, "-m", "tenfold.cli", "country", "generate", "--persons", str(persons)], env=env)


def _start_central(layout: Layout) -> None:
    from tenfold.exchange.runner import healthy

    process = _spawn(layout, layout.central, ["central"])
    _save(layout)
    deadline = time.monotonic() + START_TIMEOUT
    while not healthy(central_url(layout) + "/healthz"):
        if process.poll() is not None or time.monotonic() > deadline:
            raise TenfoldError(_("CENTRAL did not start; see {log}").format(log=_log(layout, layout.central)))
        time.sleep(0.2)
    _hand_out_keys(layout)


def _hand_out_keys(layout: Layout) -> None:
    """What an operator copies from CENTRAL's host to each member's: the anchor and the member's
    own keys (the CA's key stays with CENTRAL)."""
    pki = Path(layout.state_dir) / "hosts" / layout.central.name / "pki"
    for host in layout.hosts:
        target = Path(layout.state_dir) / "hosts" / host.name / "pki"
        (target / "members").mkdir(parents=True, exist_ok=True)
        shutil.copy2(pki / "anchor.json", target / "anchor.json")
        for code in host.members:
            shutil.copytree(pki / "members" / code, target / "members" / code, dirs_exist_ok=True)


def _start_members(layout: Layout, report: Callable[[str], None]) -> None:
    started = {host.name: _spawn(layout, host, ["--member", ",".join(host.members)]) for host in layout.hosts}
    _save(layout)
    deadline = time.monotonic() + START_TIMEOUT
    waiting = list(layout.hosts)
    while waiting:
        for host in list(waiting):
            process = started[host.name]
            if process.poll() is not None:
                raise TenfoldError(_("the members of {host} did not start; see {log}").format(host=host.name, log=_log(layout, host)))
            if _runtime_ready(layout, host):
                waiting.remove(host)
                report(_("{host} ({address}): {members}").format(host=host.name, address=host.address, members=", ".join(host.members)))
        if waiting and time.monotonic() > deadline:
            raise TenfoldError(_("{hosts} not ready after {seconds} s").format(hosts=", ".join(h.name for h in waiting), seconds=int(START_TIMEOUT)))
        time.sleep(0.3)


def runtime(layout: Layout, host: Host) -> dict[str, Any] | None:
    try:
        found: dict[str, Any] = orjson.loads((Path(layout.state_dir) / "hosts" / host.name / "runtime.json").read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None
    return found


def _runtime_ready(layout: Layout, host: Host) -> bool:
    found = runtime(layout, host)
    return found is not None and found.get("supervisor_pid") == host.pid


def _log(layout: Layout, host: Host) -> Path:
    return Path(layout.state_dir) / "logs" / f"{host.name}.log"


def _spawn(layout: Layout, host: Host, arguments: list[str]) -> subprocess.Popen[bytes]:
    log = _log(layout, host)
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        process = subprocess.Popen(netns.command(host.namespace, [sys.executable, "-m", "tenfold.cli.serve", *arguments]),
                                   env=host_env(layout, host), stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   start_new_session=True)
    host.pid = process.pid   # `ip netns exec` execs the command: this is the serving process
    return process


def _run(argv: list[str], env: dict[str, str] | None = None) -> None:
    done = subprocess.run(argv, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        last = (done.stderr or done.stdout).strip().splitlines()[-1:] or [""]
        raise TenfoldError(_("{command} failed: {error}").format(command=Path(argv[0]).name if argv[0] != "ip" else " ".join(argv[:5]),
                                                               error=last[0]))


# ---------------------------------------------------------------------------------------- down

def down(report: Callable[[str], None], prefix: str | None = None) -> bool:
    """Remove everything a cluster made (the recorded one, or by name after the state was lost).
    Returns whether there was anything to remove."""
    layout = read_layout()
    if layout is None and prefix is None:
        return False
    if layout is None:
        layout = plan_for_cleanup(prefix or "tf")
        if not any(netns.exists(h.namespace) for h in layout.all_hosts) and not netns.link_exists(layout.bridge):
            return False
    _stop_processes(layout, report)
    for host in layout.all_hosts:
        netns.remove_host(host.namespace, host.veth)
    netns.remove_link(layout.bridge)
    shutil.rmtree(Path(layout.pg_data).parent, ignore_errors=True)
    shutil.rmtree(layout.state_dir, ignore_errors=True)
    report(_("removed the namespaces, links and files of cluster {name}").format(name=layout.prefix))
    return True


def plan_for_cleanup(prefix: str) -> Layout:
    """The names a cluster of this prefix uses, for removing one whose state file is gone: every
    namespace ``<prefix>-*`` there is."""
    names = [line.split()[0] for line in netns.ip("netns", "list", check=False).stdout.splitlines() if line.strip()]
    found = [Host(n.split("-", 1)[1], n, n, "") for n in names if n.startswith(prefix + "-")]
    hosts = [h for h in found if h.name not in ("central", "db")]
    central = next((h for h in found if h.name == "central"), Host("central", f"{prefix}-central", f"{prefix}-central", ""))
    db = next((h for h in found if h.name == "db"), Host("db", f"{prefix}-db", f"{prefix}-db", ""))
    return Layout(prefix, "", f"{prefix}-br", "", central, db, hosts, str(state_dir()), f"/tmp/tenfold-cluster-{prefix}/pgdata")


def _stop_processes(layout: Layout, report: Callable[[str], None]) -> None:
    """SIGTERM to every process in the cluster's namespaces (supervisors stop their children),
    then SIGKILL to what is left after a grace period."""
    deadline = time.monotonic() + 20
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for host in layout.all_hosts:
            for pid in netns.pids(host.namespace):
                try:
                    os.kill(pid, sig)
                except ProcessLookupError:
                    pass
        while sig == signal.SIGTERM and time.monotonic() < deadline and any(netns.pids(h.namespace) for h in layout.all_hosts):
            time.sleep(0.2)
    time.sleep(0.2)
    left = sum(len(netns.pids(h.namespace)) for h in layout.all_hosts)
    if left:
        report(_("{count} processes did not stop").format(count=left))


# -------------------------------------------------------------------------------------- status

def status(layout: Layout) -> list[dict[str, Any]]:
    """Per host: its namespace, address, members, the processes started into it (a supervisor,
    CENTRAL, the PostgreSQL server) and how many processes run there in all."""
    rows = []
    for host in layout.all_hosts:
        pids = netns.pids(host.namespace)
        started = [pid for pid in pids if _parent(pid) not in pids]
        rows.append({"host": host.name, "namespace": host.namespace, "present": netns.exists(host.namespace),
                     "address": host.address, "members": host.members, "process_count": len(pids),
                     "processes": [_describe(pid) for pid in started]})
    return rows


def _parent(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def _describe(pid: int) -> dict[str, Any]:
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return {"pid": pid, "command": "?"}
    words = [a.decode(errors="replace") for a in argv if a]
    if "tenfold.cli.serve" in words:
        shown = ["tenfold serve", *words[words.index("tenfold.cli.serve") + 1:]]
    else:
        shown = [Path(words[0]).name] if words else ["?"]
    return {"pid": pid, "command": " ".join(shown)[:100]}
