"""Scale-out: more processes where the load is, in one run, each against its own baseline.

(i) SIB's life-events workers. The country runs with no worker in SIB's application
(``TENFOLD_LIFE_WORKER=false``); a backlog of ``births`` births is registered at POP's front
office and waits in SIB's inbox; then one worker process (phase 1) or two (phase 2) drain it,
each a ``tenfold serve app --app lifeevents`` with its worker on. The figure is offers stored per
second from the first offer of the phase to the last (start-up excluded), and the ratio of the two.
On a cluster (root and ``ip netns``: ``tenfold cluster up --hosts 3`` on PostgreSQL) the second
worker runs on another host than SIB's, with a second SIB gateway node there (its own message
log database, as each node of an X-Road cluster keeps its own); otherwise both run on this host
over a country of its own. ``placement`` says which. Every phase checks exactly one offer per birth.

The hosts of a one-machine cluster share its cores: a second worker "host" adds no processor, and
when one worker's journeys already keep the machine busy (gateways, registries, PostgreSQL and
the worker together), a second cannot double anything. So with ``worker_cpus`` the two phases run
again with each worker host given a CPU budget of its own (a control group limited to that many
cores, see :mod:`tenfold.cluster.cpubudget`), as a real host has its own processors:
``ratio_with_host_budget`` then says whether a second host adds what the first gives.

(ii) The registry at POP behind one gateway process vs two behind a TCP round-robin balancer
(``tenfold cluster balance``, TLS passing through): POP's published exchange address is the
balancer's; the second node has its own database for its message log. SIB's gateway is the
client; ``wrk`` (or the Python generator) drives ``POST /data/persons/1.0/read`` through it for
``seconds`` with ``concurrency`` connections, with one backend behind the balancer, then two;
and with ``gateway_cpus``, both again with each gateway node given that CPU budget of its own
(the node's host), for the same reason as the workers' budget.

Both parts share the machine's cores with everything else; ``cpu_seconds`` per process and the
load average say how much of them each phase had.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Callable

from tenfold.cli.bench import load

WORKER_PORT = 7600   # above the port plan of the demo topology (7400 + 10 * 13)
CLUSTER_NAME, CLUSTER_SUBNET = "tfb", "10.79.0.0/24"


def _load_average() -> list[float]:
    return [round(v, 2) for v in os.getloadavg()]


def _cpu(pids: dict[str, int]) -> dict[str, float]:
    return load("exchange")._cpu_seconds(pids)  # type: ignore[no-any-return]


def _machine_ticks() -> tuple[int, int]:
    """Busy and total CPU ticks of the whole machine so far (/proc/stat), everyone's work included."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]   # idle + iowait
    return sum(fields) - idle, sum(fields)


def _busy_share(before: tuple[int, int], after: tuple[int, int]) -> float:
    """How much of the machine's cores were busy between two readings (1.0: all of them)."""
    total = after[1] - before[1]
    return round((after[0] - before[0]) / total, 3) if total else 0.0


# ------------------------------------------------------------------------- (i) SIB's workers

class Site:
    """Where the country runs and how to reach it: ``at(member)`` runs a call as a process on the
    member's host would, ``spawn`` starts a process on a host."""

    placement = ""
    pop = sib = ""

    def at(self, member: str) -> Callable[..., Any]:
        raise NotImplementedError

    def start_worker(self, index: int) -> subprocess.Popen[bytes]:
        raise NotImplementedError

    def host_of_worker(self, index: int) -> str:
        """The name of the host worker ``index`` runs on (its CPU budget is that host's)."""
        return f"worker-host-{index}"

    def cpu_by_host(self) -> dict[str, float]:
        """CPU seconds so far of every process on each host (a cluster's namespaces; empty here)."""
        return {}


def _serve(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "tenfold.cli.serve", *arguments]


def _popen(argv: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        return subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)


class ClusterSite(Site):
    """Three hosts in network namespaces, PostgreSQL on a fourth, CENTRAL on a fifth."""

    def __init__(self, stack: ExitStack, directory: Path, persons: int):
        from tenfold.cluster.layout import Layout
        from tenfold.cluster.netns import OnHost

        self.env = {**os.environ, "TENFOLD_VAR_DIR": str(directory / "var"), "TENFOLD_LIFE_WORKER": "false",
                    "TENFOLD_LIFE_POLL_SECONDS": "0.2", "TENFOLD_EXCHANGE_POLL_SECONDS": "0.1"}
        self.env.pop("TENFOLD_DATABASE_URL_TEMPLATE", None)
        stack.callback(self._cli, "cluster", "down")
        self._cli("cluster", "up", "--hosts", "3", "--name", CLUSTER_NAME, "--subnet", CLUSTER_SUBNET, "--persons", str(persons))
        import orjson

        self.layout = Layout.from_json(orjson.loads((directory / "var" / "cluster" / "state.json").read_bytes()))
        self.directory = directory
        self.hosts = {code: self.layout.host_of(code) for code in ("POP", "SIB")}
        self.second = next(h for h in self.layout.hosts if h is not self.hosts["SIB"] and h is not self.hosts["POP"])
        self.calls = {code: stack.enter_context(OnHost(host.namespace, threads=8)) for code, host in self.hosts.items()}
        self.calls["second"] = stack.enter_context(OnHost(self.second.namespace))
        runtime = {m["code"]: m for h in self.layout.hosts for m in (self._runtime(h) or {}).get("members", [])}
        self.pop, self.sib = runtime["POP"]["apps"]["registry"], runtime["SIB"]["apps"]["lifeevents"]
        self.placement = (f"cluster: worker 1 on {self.hosts['SIB'].name} (SIB's host), worker 2 on {self.second.name} with a "
                          f"second SIB gateway node there; PostgreSQL on its own host")
        self._gateway_node(stack)

    def _cli(self, *arguments: str) -> None:
        done = subprocess.run([sys.executable, "-m", "tenfold.cli", *arguments], env=self.env, capture_output=True, text=True, timeout=900)
        if done.returncode != 0:
            raise RuntimeError(f"tenfold {' '.join(arguments[:2])} failed: {done.stderr.strip()[-400:]}")

    def _runtime(self, host: Any) -> dict[str, Any] | None:
        from tenfold.cluster.manager import runtime

        return runtime(self.layout, host)

    def _gateway_node(self, stack: ExitStack) -> None:
        """SIB's second gateway node on the second host: SIB's keys copied there (as an operator
        would), a database of its own for its message log."""
        from sqlalchemy import create_engine, text

        from tenfold.cluster.manager import host_env
        from tenfold.exchange.runner import healthy

        hosts_dir = Path(self.layout.state_dir) / "hosts"
        shutil.copytree(hosts_dir / self.hosts["SIB"].name / "pki" / "members" / "SIB", hosts_dir / self.second.name / "pki" / "members" / "SIB",
                        dirs_exist_ok=True)
        admin = create_engine(self.layout.database_template().replace("tenfold_{member}", "postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text('CREATE DATABASE "tenfold_sib_node2"'))
        admin.dispose()
        env = {**host_env(self.layout, self.second), "TENFOLD_DATABASE_URL_SIB": self.layout.database_template().replace("{member}", "sib_node2")}
        from tenfold.cluster import netns

        node = _popen(netns.command(self.second.namespace, _serve("gateway", "--member", "SIB")), env, self.directory / "logs" / "sib-node2.log")
        stack.callback(_stop, node)
        local = self._runtime(self.hosts["SIB"])["members"]  # type: ignore[index]
        gateway = next(m for m in local if m["code"] == "SIB")["gateway_url"]
        deadline = time.monotonic() + 120
        while not self.calls["second"](healthy, gateway + "/healthz"):
            if node.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"SIB's second gateway node did not start; see {self.directory / 'logs' / 'sib-node2.log'}")
            time.sleep(0.3)

    def at(self, member: str) -> Callable[..., Any]:
        return self.calls[member]  # type: ignore[no-any-return]

    def cpu_by_host(self) -> dict[str, float]:
        from tenfold.cluster import netns

        return {host.name: round(sum(_cpu({str(pid): pid for pid in netns.pids(host.namespace)}).values()), 2)
                for host in self.layout.all_hosts}

    def host_of_worker(self, index: int) -> str:
        return str((self.hosts["SIB"] if index == 0 else self.second).name)

    def start_worker(self, index: int) -> subprocess.Popen[bytes]:
        from tenfold.cluster import netns
        from tenfold.cluster.manager import host_env

        host = self.hosts["SIB"] if index == 0 else self.second
        env = {**host_env(self.layout, host), "TENFOLD_LIFE_WORKER": "true"}
        argv = netns.command(host.namespace, _serve("app", "--member", "SIB", "--app", "lifeevents", "--port", str(WORKER_PORT + index)))
        return _popen(argv, env, self.directory / "logs" / f"worker-{index}.log")


class LocalSite(Site):
    """This host only: a country of its own (``tenfold serve``) on a generated country."""

    def __init__(self, stack: ExitStack, directory: Path, persons: int, why: str):
        from tenfold.cli.serve import running_country
        from tenfold.exchange.config import exchange_settings
        from tenfold.exchange.ports import free_base
        from tenfold.settings import get_settings

        self.directory = directory
        os.environ.update({"TENFOLD_VAR_DIR": str(directory / "var"), "TENFOLD_LIFE_WORKER": "false", "TENFOLD_LIFE_POLL_SECONDS": "0.2",
                           "TENFOLD_EXCHANGE_POLL_SECONDS": "0.1", "TENFOLD_EXCHANGE_BASE_PORT": str(free_base())})
        get_settings.cache_clear()
        exchange_settings.cache_clear()
        subprocess.run([sys.executable, "-m", "tenfold.cli", "country", "generate", "--persons", str(persons)], check=True,
                       capture_output=True, timeout=600)
        state = stack.enter_context(running_country(timeout=300))
        apps = {m["code"]: m["apps"] for m in state["members"]}
        self.pop, self.sib = apps["POP"]["registry"], apps["SIB"]["lifeevents"]
        self.port = int(os.environ["TENFOLD_EXCHANGE_BASE_PORT"]) + 190
        self.pool = stack.enter_context(ThreadPoolExecutor(8))
        self.placement = f"this host: two worker processes side by side ({why})"

    def at(self, member: str) -> Callable[..., Any]:
        return lambda function, *arguments: function(*arguments)

    def start_worker(self, index: int) -> subprocess.Popen[bytes]:
        env = {**os.environ, "TENFOLD_LIFE_WORKER": "true"}
        return _popen(_serve("app", "--member", "SIB", "--app", "lifeevents", "--port", str(self.port + index)), env,
                      self.directory / "logs" / f"worker-{index}.log")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def _backlog(site: Site, births: Any, mothers: list[str], today: date, start: int, count: int) -> set[str]:
    """``count`` births registered at POP (eight desks) and waiting in SIB's inbox."""
    from tenfold.cli.exchange import http

    at_pop, at_sib = site.at("POP"), site.at("SIB")
    with ThreadPoolExecutor(8) as desks:
        registered = list(desks.map(lambda n: at_pop(births._register, site.pop, mothers[n], today - timedelta(days=n % 28), n),
                                    range(start, start + count)))
    deadline = time.monotonic() + 180
    while at_sib(http, "GET", site.sib + "/status")[2]["events"].get("received", 0) < count:
        if time.monotonic() > deadline:
            raise RuntimeError("the births did not all reach SIB's inbox within 180 s")
        time.sleep(0.3)
    return {child for child, _at in registered}


def _drain(site: Site, births: Any, children: set[str], workers: int, worker_cpus: float = 0.0) -> dict[str, Any]:
    """Start ``workers`` worker processes (each host with ``worker_cpus`` cores of its own, or
    sharing the machine when 0), wait for every offer, stop them."""
    from tenfold.cli.exchange import http
    from tenfold.cluster.cpubudget import CpuBudget

    at_sib = site.at("SIB")
    before_offers = sum(at_sib(http, "GET", site.sib + "/status")[2]["offers"].values())
    load_before, ticks, hosts_before = _load_average(), _machine_ticks(), site.cpu_by_host()
    budgets = [CpuBudget(f"tenfold-{site.host_of_worker(index)}", worker_cpus) for index in range(workers)] if worker_cpus else []
    processes = []
    for index in range(workers):
        processes.append(site.start_worker(index))
        if budgets:
            budgets[index].add(processes[-1].pid)
    try:
        seen = at_sib(births._offers, site.sib, 0, children, time.monotonic() + 600)
        cpu = _cpu({f"worker-{i}": p.pid for i, p in enumerate(processes)})
        busy, hosts_after = _busy_share(ticks, _machine_ticks()), site.cpu_by_host()
    finally:
        for process in processes:
            _stop(process)
        for budget in budgets:
            budget.remove()
    stored = sorted(datetime.fromisoformat(j["offerAt"]) for j in seen.values())
    span = (stored[-1] - stored[0]).total_seconds() if len(stored) > 1 else 0.0
    status = at_sib(http, "GET", site.sib + "/status")[2]
    return {"workers": workers, "worker_host_cpus": worker_cpus or "shared", "births": len(children), "offers": len(seen),
            "missing": len(children) - len(seen),
            "offers_stored_at_sib": sum(status["offers"].values()) - before_offers,
            "offers_per_s": round((len(stored) - 1) / span, 2) if span > 0 else None, "seconds": round(span, 2),
            "worker_cpu_seconds": cpu, "machine_busy_share": busy,
            "host_cpu_seconds": (hosts := {h: round(hosts_after[h] - hosts_before.get(h, 0.0), 2) for h in hosts_after}),
            "cluster_cpu_ms_per_offer": round(sum(hosts.values()) * 1000 / len(seen), 1) if hosts and seen else None,
            "load_average": {"before": load_before, "after": _load_average()}}


def workers_part(births_per_phase: int, persons: int, placement: str = "auto", worker_cpus: float = 0.0) -> dict[str, Any]:
    from tenfold.cli.exchange import http
    from tenfold.cluster import cpubudget, netns

    births = load("births")
    why = netns.unavailable() or ("asked for: --placement local" if placement == "local" else None)
    if why is not None and placement == "cluster":
        raise RuntimeError(f"no cluster here: {why}")
    no_budget = cpubudget.unavailable() if worker_cpus else None
    directory = Path(tempfile.mkdtemp(prefix="tenfold-bench-scaleout-"))
    with ExitStack() as stack:
        site: Site = ClusterSite(stack, directory, persons) if why is None else LocalSite(stack, directory, persons, why)
        at_pop, at_sib = site.at("POP"), site.at("SIB")
        today = date.fromisoformat(at_sib(http, "GET", site.sib + "/status")[2]["today"])
        plan = [(1, 0.0), (2, 0.0)] + ([(1, worker_cpus), (2, worker_cpus)] if worker_cpus and no_budget is None else [])
        mothers = at_pop(births._mothers, site.pop, today, len(plan) * births_per_phase)
        phases = []
        for index, (workers, cpus) in enumerate(plan):
            children = _backlog(site, births, mothers, today, index * births_per_phase, births_per_phase)
            phases.append(_drain(site, births, children, workers, cpus))
    shutil.rmtree(directory, ignore_errors=True)
    doubles = [p for p in phases if p["offers_stored_at_sib"] != p["offers"]]
    shared, budgeted = _ratio(phases[0], phases[1]), _ratio(*phases[2:4]) if len(phases) == 4 else None
    return {"placement": site.placement, "one_worker_offers_per_s": phases[0]["offers_per_s"],
            "two_workers_offers_per_s": phases[1]["offers_per_s"], "ratio": shared,
            **({"worker_host_cpus": worker_cpus, "one_budgeted_worker_offers_per_s": phases[2]["offers_per_s"],
                "two_budgeted_workers_offers_per_s": phases[3]["offers_per_s"], "ratio_with_host_budget": budgeted}
               if budgeted is not None else {}),
            **({"host_budget_not_measured": no_budget} if no_budget else {}),
            "goal": "two workers ~2x one, within 20% (1.6 to 2.4)", "exactly_one_offer_per_birth": not doubles and
            all(p["missing"] == 0 for p in phases), "phases": phases}


def _ratio(one: dict[str, Any], two: dict[str, Any]) -> float | None:
    return round(two["offers_per_s"] / one["offers_per_s"], 2) if one["offers_per_s"] and two["offers_per_s"] else None


# ------------------------------------------------------------------- (ii) POP's gateway nodes

def gateways_part(seconds: float, concurrency: int, generator: str, gateway_cpus: float = 0.0) -> dict[str, Any]:
    from tenfold.cluster import cpubudget
    from tenfold.exchange.ports import free_base
    from tenfold.exchange.runner import ProcessSpec, stop_all, wait_healthy

    exchange = load("exchange")
    use_wrk = generator == "wrk" or (generator == "auto" and shutil.which("wrk") is not None)
    directory = Path(tempfile.mkdtemp(prefix="tenfold-bench-gateways-"))
    var_dir = directory / "var"
    var_dir.mkdir()
    topology = exchange._topology(directory)
    base = free_base()
    balancer_port, node_local, node_exchange = base + 100, base + 101, base + 102
    exchange._provision(var_dir, topology, base)
    codes = exchange._seed(var_dir)
    env = {"TENFOLD_VAR_DIR": str(var_dir), "TENFOLD_TOPOLOGY": str(topology), "TENFOLD_EXCHANGE_BASE_PORT": str(base),
           "TENFOLD_EXCHANGE_GATEWAY_URL_POP": f"https://127.0.0.1:{balancer_port}"}
    logs = var_dir / "logs"
    pop, sib = base + 10, base + 20
    specs = {
        "central": ProcessSpec("central", _serve("central"), f"http://127.0.0.1:{base}/healthz", logs / "central.log", env),
        "pop-registry": ProcessSpec("pop-registry", _serve("app", "--member", "POP", "--app", "registry", "--port", str(pop + 2)),
                                    f"http://127.0.0.1:{pop + 2}/healthz", logs / "pop-registry.log", env),
        "pop-gateway-1": ProcessSpec("pop-gateway-1", _serve("gateway", "--member", "POP"), f"http://127.0.0.1:{pop}/healthz",
                                     logs / "pop-gateway-1.log", env),
        "pop-gateway-2": ProcessSpec("pop-gateway-2", _serve("gateway", "--member", "POP", "--local-port", str(node_local), "--exchange-port",
                                                         str(node_exchange)), f"http://127.0.0.1:{node_local}/healthz", logs / "pop-gateway-2.log",
                                     {**env, "TENFOLD_DATABASE_URL_POP": f"sqlite:///{var_dir / 'pop-node2.sqlite'}"}),
        "sib-gateway": ProcessSpec("sib-gateway", _serve("gateway", "--member", "SIB"), f"http://127.0.0.1:{sib}/healthz",
                                   logs / "sib-gateway.log", env),
    }
    started: list[Any] = []
    budgets: list[Any] = []
    try:
        for stage in (["central"], ["pop-registry"], ["pop-gateway-1", "pop-gateway-2", "sib-gateway"]):
            for name in stage:
                specs[name].start()
                started.append(specs[name])
            wait_healthy([specs[n] for n in stage])
        if use_wrk:
            script = exchange._wrk_script(directory, "exchange", exchange.SERVICE + exchange.READ, {"X-Road-Client": exchange.CLIENT}, codes)
            drive: Callable[[float, int], dict[str, Any]] = lambda s, c: exchange._wrk(sib, script, s, c)  # noqa: E731
        else:
            requests = exchange._requests(sib, exchange.SERVICE + exchange.READ, {"X-Road-Client": exchange.CLIENT}, codes)
            drive = lambda s, c: asyncio.run(exchange._drive(sib, requests, s, c))  # noqa: E731
        pids = {name: spec.pid for name, spec in specs.items() if spec.pid}
        phases = {}
        for label, backends in (("one_gateway", [pop + 1]), ("two_gateways", [pop + 1, node_exchange])):
            phases[label] = _behind_balancer(balancer_port, backends, env, logs, drive, seconds, concurrency, pids)
        no_budget = cpubudget.unavailable() if gateway_cpus else "not asked for"
        if no_budget is None:
            for node in ("pop-gateway-1", "pop-gateway-2"):
                budget = cpubudget.CpuBudget(f"tenfold-bench-{node}", gateway_cpus)
                budgets.append(budget)
                budget.add(pids[node])
            for label, backends in (("one_gateway_budgeted", [pop + 1]), ("two_gateways_budgeted", [pop + 1, node_exchange])):
                phases[label] = _behind_balancer(balancer_port, backends, env, logs, drive, seconds, concurrency, pids)
        phases["log_entries_per_node"] = _log_entries(var_dir)
    finally:
        stop_all(started)
        for budget in budgets:
            budget.remove()
    shutil.rmtree(directory, ignore_errors=True)
    one, two = phases["one_gateway"]["rps"], phases["two_gateways"]["rps"]
    budgeted = {}
    if "one_gateway_budgeted" in phases:
        one_b, two_b = phases["one_gateway_budgeted"]["rps"], phases["two_gateways_budgeted"]["rps"]
        budgeted = {"gateway_host_cpus": gateway_cpus, "one_budgeted_gateway_rps": one_b, "two_budgeted_gateways_rps": two_b,
                    "ratio_with_host_budget": round(two_b / one_b, 2) if one_b else None}
    elif gateway_cpus:
        budgeted = {"host_budget_not_measured": no_budget}
    return {"one_gateway_rps": one, "two_gateways_rps": two, "ratio": round(two / one, 2) if one else None, **budgeted,
            "goal": "two gateway processes serve more than one", "concurrency": concurrency, "seconds_per_phase": seconds,
            "load_generator": "wrk (C, one thread) on the same cores" if use_wrk else "Python asyncio + httptools on the same cores",
            "path": "wrk -> SIB's gateway -> mTLS -> TCP balancer -> POP gateway node(s) -> POP's registry (SQLite)", **phases}


def _behind_balancer(port: int, backends: list[int], env: dict[str, str], logs: Path, drive: Callable[[float, int], dict[str, Any]],
                     seconds: float, concurrency: int, pids: dict[str, int]) -> dict[str, Any]:
    from tenfold.exchange.runner import ProcessSpec, stop_all

    argv = [sys.executable, "-m", "tenfold.cli", "cluster", "balance", "--listen", f"127.0.0.1:{port}",
            *(a for b in backends for a in ("--backend", f"127.0.0.1:{b}"))]
    balancer = ProcessSpec("balancer", argv, None, logs / "balancer.log", env)
    balancer.start()
    try:
        _wait_port(port)
        drive(1.0, 4)   # warm-up: connections through the new balancer
        load_before, cpu_before, ticks = _load_average(), _cpu({**pids, "balancer": balancer.pid or 0}), _machine_ticks()
        result = drive(seconds, concurrency)
        cpu_after, busy = _cpu({**pids, "balancer": balancer.pid or 0}), _busy_share(ticks, _machine_ticks())
    finally:
        stop_all([balancer])
    spent = sum(cpu_after[k] - cpu_before[k] for k in cpu_after if k in cpu_before)
    return {"rps": result["rps"], "p50_ms": result["p50_ms"], "p99_ms": result["p99_ms"], "requests": result["requests"],
            "cpu_ms_per_request": round(spent * 1000 / result["requests"], 2) if result["requests"] else None,
            "errors": result["errors"], "backends": len(backends),
            "cpu_seconds": {k: round(cpu_after[k] - cpu_before[k], 2) for k in cpu_after if k in cpu_before}, "machine_busy_share": busy,
            "load_average": {"before": load_before, "after": _load_average()}}


def _wait_port(port: int, seconds: float = 30.0) -> None:
    import socket

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"the balancer did not listen on {port}")


def _log_entries(var_dir: Path) -> dict[str, int]:
    from sqlalchemy import func, select

    from tenfold.exchange.tables import messagelog
    from tenfold.storage import make_engine

    found = {}
    for node, name in (("pop-gateway-1", "pop.sqlite"), ("pop-gateway-2", "pop-node2.sqlite")):
        engine = make_engine(f"sqlite:///{var_dir / name}")
        with engine.connect() as connection:
            found[node] = int(connection.execute(select(func.count()).select_from(messagelog)).scalar() or 0)
        engine.dispose()
    return found


# ------------------------------------------------------------------------------------------ run

def run(births: int = 150, persons: int = 2000, seconds: float = 10.0, concurrency: int = 32, generator: str = "auto",
        parts: str = "workers,gateways", placement: str = "auto", worker_cpus: float = 0.25, gateway_cpus: float = 0.25) -> dict[str, Any]:
    chosen = {p.strip() for p in parts.split(",") if p.strip()}
    result: dict[str, Any] = {"cores": os.cpu_count(), "load_average_at_start": _load_average()}
    if "workers" in chosen:
        result["workers"] = workers_part(births, persons, placement, worker_cpus)
    if "gateways" in chosen:
        result["gateways"] = gateways_part(seconds, concurrency, generator, gateway_cpus)
    result["load_average_at_end"] = _load_average()
    return result
