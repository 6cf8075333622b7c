"""``tenfold serve``: run the country (CENTRAL and every member: gateway and applications, each
in its own process), one member alone (``--member CODE``, for a multi-host deployment), or one
application alone (``tenfold serve registry --member POP --port 3333``)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator, Optional

import orjson
import typer
from sqlalchemy.engine import make_url

from tenfold import collector, memorytrim
from tenfold.cli.output import console, table
from tenfold.errors import InvalidInput, TenfoldError
from tenfold.i18n import _
from tenfold.memorytrace import install
from tenfold.settings import get_settings
from tenfold.storage import walcheckpoint
from tenfold.topology import Member, Topology, load

app = typer.Typer(help="Run the country's services.", invoke_without_command=True, pretty_exceptions_enable=False)


def registry_app(member_code: str):  # type: ignore[no-untyped-def]
    """The registry application of one member, over its own database."""
    from tenfold.registries import open_service
    from tenfold.registries.api import create_registry_app
    from tenfold.storage import member_engine

    settings = get_settings()
    member = load(settings.topology).member(member_code)
    if not member.registries:
        raise InvalidInput(f"{member.id} keeps no registries")
    service = open_service(member_engine(member.code, settings), member.id, member.registries)
    return create_registry_app(service)


def payments_app(member_code: str):  # type: ignore[no-untyped-def]
    """The treasury's payments application: account mapper, batches, bank files, reconciliation."""
    from tenfold.payments.api import application

    return application(member_code)


def bank_app(member_code: str):  # type: ignore[no-untyped-def]
    """A simulated bank's payment-files application (ISO 20022 over the exchange or a folder pair)."""
    from tenfold.banks.api import application

    return application(member_code)


def assistant_app(member_code: str):  # type: ignore[no-untyped-def]
    """The policy assistant over the member's own database (SIB in the demo)."""
    from tenfold.assistant import get_assistant_settings, open_assistant
    from tenfold.assistant.api import create_assistant_app

    settings = get_assistant_settings().model_copy(update={"member": member_code.upper()})
    return create_assistant_app(open_assistant(settings=settings))


def lifeevents_app(member_code: str):  # type: ignore[no-untyped-def]
    """SIB's proactive benefits (offers, decisions, exceptions, assistance, timeline) with its inbox and worker."""
    from tenfold.lifeevents.api import application

    return application(member_code)


def tellusonce_app(member_code: str):  # type: ignore[no-untyped-def]
    """A member's Tell-Us-Once subscriber: acts on deaths on its own data and lists what it did."""
    from tenfold.tellusonce.api import application

    return application(member_code)


def identity_app(member_code: str):  # type: ignore[no-untyped-def]
    """The identity provider: OpenID Connect for residents (at its public URL), e-KYC and its
    Tell Us Once inbox; residents' claims are read from POP through the member's own gateway."""
    from tenfold.identity import ExchangePersons, identity_settings, open_provider
    from tenfold.identity.api import create_identity_app
    from tenfold.storage import member_engine

    settings = get_settings()
    topology = load(settings.topology)
    member, plan = topology.member(member_code), _plan(topology)
    config = identity_settings().model_copy(update={"member": member.id})
    gateway = config.gateway_url or plan.local_url(member)
    people = ExchangePersons(lambda: gateway, config.client_id, config.person_service)
    return create_identity_app(open_provider(member_engine(member.code, settings), plan.app_url(member, "identity"), people, config))


def consent_app(member_code: str):  # type: ignore[no-untyped-def]
    """The GovStack Consent building block over the member's own database."""
    from tenfold.consent import consent_settings, open_consent
    from tenfold.consent.api import create_consent_app
    from tenfold.storage import member_engine

    settings = get_settings()
    member = load(settings.topology).member(member_code)
    config = consent_settings().model_copy(update={"member": member.id})
    return create_consent_app(open_consent(member_engine(member.code, settings), settings.var_dir.resolve(), config))


def portal_app(member_code: str):  # type: ignore[no-untyped-def]
    """The state portal: residents' self-service, caseworkers' console, operators' dashboards, open data."""
    from tenfold.portal.app import application

    return application(member_code)


# The applications a member can run, by the name services give in the topology (``app = ...``).
APPLICATIONS: dict[str, Callable[[str], Any]] = {
    "registry": registry_app, "payments": payments_app, "bank": bank_app, "assistant": assistant_app,
    "lifeevents": lifeevents_app, "tellusonce": tellusonce_app,
    "identity": identity_app, "consent": consent_app, "portal": portal_app,
}


def _uvicorn(application: Any, port: int, host: str = "127.0.0.1") -> None:
    import uvicorn

    collector.settle()  # the application is built: what lives now lives for good
    uvicorn.run(application, host=host, port=port, log_level="warning", access_log=False, loop="uvloop", http="httptools")


@app.command("registry")
def serve_registry(
    member: str = typer.Option(..., "--member", help="Member code, e.g. POP."),
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(3333, "--port", min=1, max=65535, help="3333 is where the GovStack harness looks."),
) -> None:
    """Serve one member's registries alone (GovStack Digital Registries API)."""
    walcheckpoint.start()
    application = registry_app(member)
    console.print(_("Serving the registries of {member} on http://{host}:{port}/ (OpenAPI: /openapi.json)").format(
        member=member, host=host, port=port))
    _uvicorn(application, port, host)


def _plan(topology: Topology):  # type: ignore[no-untyped-def]
    from tenfold.exchange.config import exchange_settings
    from tenfold.exchange.ports import PortPlan

    settings = exchange_settings()
    return PortPlan.of(topology, settings.base_port, settings.host)


@app.command("central")
def serve_central() -> None:
    """Run CENTRAL alone: CA, member registry, signed global configuration (provisions keys)."""
    from tenfold.exchange.central import Central, central_app, provision
    from tenfold.exchange.config import exchange_settings
    from tenfold.exchange.pki import PkiDirectory
    from tenfold.exchange.signing import Signer
    from tenfold.storage import member_engine

    settings = get_settings()
    topology = load(settings.topology)
    plan = _plan(topology)
    pki = PkiDirectory(settings.var_dir.resolve() / "pki")
    walcheckpoint.start()
    engine = member_engine(topology.central.member.split("/")[2], settings)
    anchor = provision(pki, engine, topology, plan)
    expiry = exchange_settings().conf_expiry_seconds or topology.central.configuration_expiry_seconds
    central = Central(engine, topology, Path(settings.topology), Signer(*pki.load_pair(pki.central_dir(), "sign")),
                      anchor.ca_pem, plan.central_url, expiry)
    memorytrim.start()
    _uvicorn(central_app(central), plan.base, plan.host)   # the exchange host: 127.0.0.1 unless multi-host


@app.command("gateway", hidden=True)
def serve_gateway(
    member: str = typer.Option(..., "--member", help="Member code, e.g. POP."),
    local_port: Optional[int] = typer.Option(None, "--local-port", min=1, max=65535, help="Instead of the port plan's (a second gateway node)."),
    exchange_port: Optional[int] = typer.Option(None, "--exchange-port", min=1, max=65535, help="Instead of the port plan's (behind a load balancer)."),
) -> None:
    """Run one member's gateway (both listeners and its workers)."""
    import logging

    import uvloop

    from tenfold.exchange.config import exchange_settings
    from tenfold.exchange.gateway import Gateway, open_context, serve
    from tenfold.storage import member_engine

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    settings, exchange = get_settings(), exchange_settings()
    install(f"{member}/gateway", settings.var_dir.resolve() / "logs")
    memorytrim.start()
    topology = load(settings.topology)
    found = topology.member(member)
    plan = _plan(topology)
    urls = {name: url for name in found.apps if (url := plan.app_url(found, name))}
    context = open_context(found.id, member_engine(found.code, settings), settings.var_dir.resolve(), exchange, urls)
    ports = plan.ports(found)
    uvloop.run(serve(Gateway(context, local_port or ports.local_port, exchange_port or ports.exchange_port, exchange.host)))


@app.command("app", hidden=True)
def serve_application(
    member: str = typer.Option(..., "--member"), name: str = typer.Option(..., "--app"), port: int = typer.Option(..., "--port", min=1, max=65535),
) -> None:
    """Run one application of a member."""
    factory = APPLICATIONS.get(name)
    if factory is None:
        raise InvalidInput(_("no application named {name} (known: {known})").format(name=name, known=", ".join(APPLICATIONS)))
    install(f"{member}/{name}", get_settings().var_dir.resolve() / "logs")
    memorytrim.start()
    walcheckpoint.start()  # before the application makes its engines
    _uvicorn(factory(member), port)


def _argv(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "tenfold.cli.serve", *arguments]


def _check_free(ports: list[int]) -> None:
    for port in ports:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                raise TenfoldError(_("port {port} is in use (is a country already running? see `tenfold status`)").format(port=port)) from None


def _hidden_password(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def _plan_processes(topology: Topology, members: list[Member], with_central: bool):  # type: ignore[no-untyped-def]
    from tenfold.exchange.runner import ProcessSpec

    settings = get_settings()
    plan = _plan(topology)
    logs = settings.var_dir.resolve() / "logs"
    central = [ProcessSpec("CENTRAL", _argv("central"), plan.central_url + "/healthz", logs / "central.log")] if with_central else []
    apps, gateways = [], []
    for member in members:
        for name, port in plan.ports(member).app_ports.items():
            if name in APPLICATIONS and not os.environ.get(f"TENFOLD_APP_URL_{member.code.upper()}_{name.upper()}"):
                apps.append(ProcessSpec(f"{member.code}/{name}", _argv("app", "--member", member.code, "--app", name, "--port", str(port)),
                                        f"http://127.0.0.1:{port}/healthz", logs / f"{member.code.lower()}-{name}.log"))
        gateways.append(ProcessSpec(f"{member.code}/gateway", _argv("gateway", "--member", member.code),
                                    plan.local_url(member) + "/healthz", logs / f"{member.code.lower()}-gateway.log"))
    return plan, [stage for stage in (central, apps, gateways) if stage]


def _runtime(topology: Topology, members: list[Member], plan: Any, specs: dict[str, Any], central_url: str) -> dict[str, Any]:
    settings = get_settings()
    central_code = topology.central.member.split("/")[2]
    described = []
    for member in members:
        apps = {name: plan.app_url(member, name) for name in plan.ports(member).app_ports}
        pids = {key.split("/", 1)[1]: spec.pid for key, spec in specs.items() if key.startswith(member.code + "/")}
        described.append({
            "id": member.id, "code": member.code, "gateway_url": plan.local_url(member), "exchange_url": plan.exchange_url(member),
            "apps": apps, "database_url": _hidden_password(settings.member_database_url(member.code)), "pids": pids,
        })
    central = specs.get("CENTRAL")
    return {
        "instance": topology.instance, "supervisor_pid": os.getpid(), "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "central": {"id": topology.central.member, "url": central_url, "pid": central.pid if central else None,
                    "database_url": _hidden_password(settings.member_database_url(central_code)) if central else None},
        "members": described,
    }


def run_country(member_code: str | None) -> None:
    from tenfold.exchange.central import provision
    from tenfold.exchange.pki import Anchor, PkiDirectory
    from tenfold.exchange.runner import Supervisor, follow_parent
    from tenfold.storage import member_engine

    follow_parent()
    settings = get_settings()
    topology = load(settings.topology)
    members = topology.members if member_code is None else [topology.member(code.strip()) for code in member_code.split(",")]
    plan, stages = _plan_processes(topology, members, with_central=member_code is None)
    pki = PkiDirectory(settings.var_dir.resolve() / "pki")
    if member_code is not None and not pki.anchor_file.is_file():
        raise TenfoldError(_("{anchor} is missing: copy it and var/pki/members/{code} from CENTRAL's host").format(
            anchor=pki.anchor_file, code=members[0].code))
    _check_free(([plan.base] if member_code is None else [])
                + [port for m in members for port in (plan.ports(m).local_port, plan.ports(m).exchange_port, *plan.ports(m).app_ports.values())])
    if member_code is None:
        provision(pki, member_engine(topology.central.member.split("/")[2], settings), topology, plan)
    central_url = Anchor.load(pki.anchor_file).central_url
    specs = {s.name: s for stage in stages for s in stage}
    supervisor = Supervisor(stages, settings.var_dir.resolve() / "runtime.json",
                            lambda: _runtime(topology, members, plan, specs, central_url))
    with console.status(_("Starting {count} processes...").format(count=len(specs))):
        supervisor.start()
    runtime = _runtime(topology, members, plan, specs, central_url)
    rows = [(m["id"], m["gateway_url"], ", ".join(f"{k} {v}" for k, v in m["apps"].items()) or "-", m["database_url"]) for m in runtime["members"]]
    console.print(table(_("Members of {instance}").format(instance=topology.instance), [_("member"), _("gateway"), _("applications"), _("database")], rows))
    console.print(_("CENTRAL: {url}. Runtime addresses: {path}. Stop with Ctrl-C.").format(
        url=central_url, path=settings.var_dir.resolve() / "runtime.json"))
    supervisor.supervise(lambda spec: console.print(_("restarted {name} (pid {pid})").format(name=spec.name, pid=spec.pid)))


@app.callback(invoke_without_command=True)
def serve(ctx: typer.Context, member: Optional[str] = typer.Option(None, "--member", help="Run only this member, or these (POP,TAX), on this host (multi-host).")) -> None:
    """Run the whole country (or one member with --member); Ctrl-C stops it."""
    if ctx.invoked_subcommand is None:
        run_country(member)


@contextmanager
def running_country(timeout: float = 120.0) -> Iterator[dict[str, Any]]:
    """Start ``tenfold serve`` in the background, yield ``var/runtime.json`` once every process is
    healthy, and stop the country afterwards (for the demo and tests); it also stops if this
    process is killed (see ``follow_parent``)."""
    from tenfold.exchange.runner import PARENT_ENV

    settings = get_settings()
    runtime_file = settings.var_dir.resolve() / "runtime.json"
    log_file = settings.var_dir.resolve() / "logs" / "serve.log"
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("ab") as log:
        process = subprocess.Popen(_argv(), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   env={**os.environ, PARENT_ENV: str(os.getpid())})
    try:
        yield _wait_for_runtime(process, runtime_file, log_file, timeout)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def _wait_for_runtime(process: subprocess.Popen[bytes], runtime_file: Path, log_file: Path, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise TenfoldError(_("`tenfold serve` stopped (exit {code}); see {log}").format(code=process.returncode, log=log_file))
        try:
            runtime: dict[str, Any] = orjson.loads(runtime_file.read_bytes())
            if runtime.get("supervisor_pid") == process.pid:
                return runtime
        except (OSError, orjson.JSONDecodeError):
            pass
        time.sleep(0.2)
    raise TenfoldError(_("the country did not start within {seconds} s; see {log}").format(seconds=int(timeout), log=log_file))


if __name__ == "__main__":
    app()
