"""``tenfold cluster``: the country on several hosts of one machine (network namespaces, root)."""

from __future__ import annotations

import os
import sys
from typing import List

import typer

from tenfold.cli.output import console, print_json, table
from tenfold.errors import TenfoldError
from tenfold.i18n import _

app = typer.Typer(help="The country on several hosts of this machine (Linux network namespaces; needs root).",
                  no_args_is_help=True)


@app.command("up")
def up(
    hosts: int = typer.Option(3, "--hosts", min=1, help="How many hosts the members are spread over (CENTRAL and PostgreSQL get one each)."),
    name: str = typer.Option("tf", "--name", help="Prefix of the namespaces and interfaces (1 to 4 letters or digits)."),
    subnet: str = typer.Option("10.77.0.0/24", "--subnet", help="The hosts' network (private, at least /26)."),
    persons: int = typer.Option(0, "--persons", min=0, help="Generate a country of this many persons into the new databases first."),
) -> None:
    """Make the hosts, start PostgreSQL, CENTRAL and every member, and return once all are healthy."""
    from tenfold.cluster.manager import up as start

    layout = start(hosts, name, subnet, persons or None, lambda line: console.print(line, highlight=False))
    console.print(_("Cluster {name} is up: `tenfold cluster status`; stop it with `tenfold cluster down`.").format(name=layout.prefix))


@app.command("down")
def down(name: str = typer.Option("tf", "--name", help="Used only when the state file is gone: remove namespaces named <name>-*.")) -> None:
    """Stop every process of the cluster and remove its namespaces, links and files (safe to repeat)."""
    from tenfold.cluster.manager import down as stop

    if not stop(lambda line: console.print(line, highlight=False), prefix=name):
        console.print(_("no cluster is running"))


@app.command("status")
def status(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """The hosts, their addresses, members and processes."""
    from tenfold.cluster.manager import read_layout, status as describe

    layout = read_layout()
    if layout is None:
        raise TenfoldError(_("no cluster is running (start one with `tenfold cluster up`)"))
    rows = describe(layout)
    if as_json:
        print_json({"name": layout.prefix, "subnet": layout.subnet, "database": layout.database_template(), "hosts": rows})
        return
    console.print(table(_("Cluster {name} on {subnet}").format(name=layout.prefix, subnet=layout.subnet),
                        [_("host"), _("namespace"), _("address"), _("members"), _("processes"), _("started")],
                        [(r["host"], r["namespace"] if r["present"] else _("(missing)"), r["address"], ", ".join(r["members"]) or "-",
                          r["process_count"], "\n".join(f"{p['pid']} {p['command']}" for p in r["processes"]) or "-") for r in rows]))


@app.command("exec", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def run_in(
    where: str = typer.Argument(..., help="A host (central, db, h1...) or a member code (POP)."),
    command: List[str] = typer.Argument(..., help="The command, after --."),
) -> None:
    """Run a command on a host of the cluster, with that host's settings (e.g. `tenfold cluster exec POP -- tenfold status`)."""
    from tenfold.cluster import netns
    from tenfold.cluster.manager import host_env, read_layout

    layout = read_layout()
    if layout is None:
        raise TenfoldError(_("no cluster is running (start one with `tenfold cluster up`)"))
    host = layout.host_of(where)
    argv = [os.path.join(os.path.dirname(sys.executable), "tenfold") if command[0] == "tenfold" else command[0], *command[1:]]
    os.execvpe("ip", netns.command(host.namespace, argv), host_env(layout, host))


@app.command("balance")
def balance(
    listen: str = typer.Option(..., "--listen", help="HOST:PORT to accept connections on."),
    backend: List[str] = typer.Option(..., "--backend", help="HOST:PORT of a backend; repeat for each."),
) -> None:
    """A TCP round-robin load balancer in front of several gateway nodes (TLS passes through)."""
    import uvloop

    from tenfold.cluster.balancer import address, serve

    try:
        where, targets = address(listen), [address(b) for b in backend]
    except ValueError as error:
        raise TenfoldError(_("not HOST:PORT: {value}").format(value=error)) from None
    console.print(_("Balancing {listen} over {count} backends").format(listen=listen, count=len(targets)))
    uvloop.run(serve(where, targets))


from tenfold.cli.bench import app as bench_app, load, report  # noqa: E402 - `tenfold bench scaleout` lives with the cluster


@bench_app.command("scaleout")
def bench_scaleout(
    births: int = typer.Option(150, "--births", min=10, max=10_000, help="Births in the backlog of each phase."),
    persons: int = typer.Option(2000, "--persons", min=500, max=1_000_000, help="Size of the generated country."),
    seconds: float = typer.Option(10.0, "--seconds", min=1.0, max=600.0, help="Length of each gateway phase."),
    concurrency: int = typer.Option(32, "--concurrency", min=1, max=1024, help="Connections of the gateway phases."),
    generator: str = typer.Option("auto", "--generator", help="Load generator of the gateway phases: auto, wrk or python."),
    parts: str = typer.Option("workers,gateways", "--parts", help="Which parts to run: workers, gateways or both."),
    placement: str = typer.Option("auto", "--placement", help="Workers on two cluster hosts (cluster), on this host (local), or cluster when root (auto)."),
    worker_cpus: float = typer.Option(0.25, "--worker-cpus", min=0, max=64,
                                      help="Also run both phases with each worker host given this many cores of its own (0: only shared cores)."),
    gateway_cpus: float = typer.Option(0.25, "--gateway-cpus", min=0, max=64,
                                       help="Also run both gateway phases with each gateway node given this many cores of its own (0: not)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """SIB's workers, one process vs two; POP's gateway, one process vs two behind a TCP balancer."""
    if generator not in ("auto", "wrk", "python"):
        raise TenfoldError(_("--generator must be auto, wrk or python"))
    if placement not in ("auto", "cluster", "local"):
        raise TenfoldError(_("--placement must be auto, cluster or local"))
    if not {p.strip() for p in parts.split(",")} <= {"workers", "gateways"}:
        raise TenfoldError(_("--parts takes workers, gateways or both (comma-separated)"))
    report("scaleout", load("scaleout").run(births=births, persons=persons, seconds=seconds, concurrency=concurrency,
                                            generator=generator, parts=parts, placement=placement, worker_cpus=worker_cpus,
                                            gateway_cpus=gateway_cpus), as_json)
