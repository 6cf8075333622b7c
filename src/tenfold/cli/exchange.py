"""``tenfold exchange``: verify a member's message log, manage access rights, see and replay
dead-lettered events, revoke certificates; ``tenfold status``; ``tenfold bench exchange``; and
the demo's exchange section."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any, Optional

import typer

from tenfold.cli.bench import app as bench_app, load as load_bench, report
from tenfold.cli.output import console, print_json, table
from tenfold.errors import InvalidInput, TenfoldError
from tenfold.i18n import _
from tenfold.settings import get_settings
from tenfold.topology import load

app = typer.Typer(help="The exchange: message logs, access rights, pub/sub dead letters, certificates.", no_args_is_help=True)
rights_app = typer.Typer(help="Access rights of a member's services (GovStack IM configuration API).", no_args_is_help=True)
app.add_typer(rights_app, name="rights")


def _pki():  # type: ignore[no-untyped-def]
    from tenfold.exchange.pki import PkiDirectory

    return PkiDirectory(get_settings().var_dir.resolve() / "pki")


def _member(code: str):  # type: ignore[no-untyped-def]
    try:
        return load(get_settings().topology).member(code)
    except KeyError as error:
        raise InvalidInput(str(error.args[0])) from None


def _engine(code: str):  # type: ignore[no-untyped-def]
    from tenfold.exchange.store import migrate
    from tenfold.storage import member_engine

    engine = member_engine(code)
    migrate(engine)
    return engine


def http(method: str, url: str, body: Any = None, headers: dict[str, str] | None = None, timeout: float = 30) -> tuple[int, dict[str, str], Any]:
    """One HTTP call to our own services; returns status, headers and the decoded JSON body."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - loopback services
            raw, status, found = response.read(), response.status, dict(response.headers)
    except urllib.error.HTTPError as error:
        raw, status, found = error.read(), error.code, dict(error.headers)
    except (urllib.error.URLError, OSError) as error:
        raise TenfoldError(_("cannot reach {url}: {reason}").format(url=url, reason=getattr(error, "reason", error))) from None
    try:
        return status, found, json.loads(raw) if raw else None
    except ValueError:
        return status, found, raw.decode(errors="replace")


def runtime() -> dict[str, Any]:
    path = get_settings().var_dir.resolve() / "runtime.json"
    try:
        result: dict[str, Any] = json.loads(path.read_text())
    except OSError:
        raise TenfoldError(_("nothing is running here: {path} not found (start the country with `tenfold serve`)").format(path=path)) from None
    return result


def _gateway_url(code: str) -> str:
    for member in runtime()["members"]:
        if member["code"] == code.upper():
            return str(member["gateway_url"])
    raise TenfoldError(_("member {code} is not running here (see `tenfold status`)").format(code=code))


@app.command("verify-log")
def verify_log(member: str = typer.Option(..., "--member", help="Member code, e.g. POP."),
               as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Prove the member's message log and its checkpoints intact, or name the first bad entry."""
    from tenfold.exchange.logverify import verify_log as check
    from tenfold.exchange.pki import Anchor

    found = _member(member)
    verdict = check(_engine(found.code), found.id, Anchor.load(_pki().anchor_file))
    if as_json:
        print_json({"intact": verdict.intact, "entries": verdict.entries, "checkpoints": verdict.checkpoints,
                    "countersigned": verdict.countersigned, "bad_entry": verdict.bad_seq, "problem": verdict.problem,
                    "warnings": verdict.warnings})
    if not verdict.intact:
        if not as_json:
            console.print(_("{member}: the message log is NOT intact: {problem}").format(member=found.id, problem=verdict.problem), highlight=False)
        raise typer.Exit(1)
    if not as_json:
        console.print(_("{member}: the message log is intact. Entries: {entries}; checkpoints: {checkpoints}, countersigned by CENTRAL: {countersigned}.").format(
            member=found.id, entries=verdict.entries, checkpoints=verdict.checkpoints, countersigned=verdict.countersigned))
        for warning in verdict.warnings[-3:]:
            console.print("  " + warning, highlight=False)


@app.command("dead-letters")
def dead_letters(member: str = typer.Option(..., "--member", help="The member that owns the room."),
                 as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """PUSH deliveries that gave up after their last retry."""
    from tenfold.exchange.delivery import dead_letters as listing

    rows = listing(_engine(_member(member).code))
    if as_json:
        print_json(rows)
        return
    console.print(table(_("Dead letters"), [_("delivery"), _("event"), _("type"), _("subscriber"), _("attempts"), _("last error")],
                        [(r["id"], r["event_id"], r["event_type"], r["subscriber"], r["attempts"], (r["last_error"] or "")[:60]) for r in rows]))


@app.command("replay")
def replay(member: str = typer.Option(..., "--member", help="The member that owns the room."),
           delivery: Optional[list[int]] = typer.Option(None, "--delivery", help="A delivery id (repeatable)."),
           replay_all: bool = typer.Option(False, "--all", help="Replay every dead letter.")) -> None:
    """Send dead-lettered deliveries again (the gateway's push worker picks them up)."""
    import getpass

    from tenfold.exchange.delivery import replay as again
    from tenfold.exchange.rights import audit

    if not delivery and not replay_all:
        raise InvalidInput(_("give --delivery ID (repeatable) or --all"))
    engine = _engine(_member(member).code)
    count = again(engine, None if replay_all else delivery)
    audit(engine, f"{getpass.getuser()}@cli", "deliveries.replay", {"deliveries": "all" if replay_all else delivery, "replayed": count})
    console.print(_("{count} deliveries will be sent again").format(count=count))


@app.command("revoke")
def revoke(member: str = typer.Option(..., "--member", help="Whose certificates, e.g. SIB."),
           kind: Optional[str] = typer.Option(None, "--kind", help="sign or tls (both when absent)."),
           serial: Optional[str] = typer.Option(None, "--serial", help="Only this certificate.")) -> None:
    """Revoke a member's certificates at CENTRAL; gateways refuse them after their next refresh."""
    from tenfold.exchange.pki import Anchor

    if kind not in (None, "sign", "tls"):
        raise InvalidInput(_("--kind must be sign or tls"))
    anchor = Anchor.load(_pki().anchor_file)
    status, _headers, body = http("POST", anchor.central_url + "/api/v1/revocations", {"member": _member(member).id, "kind": kind, "serial": serial})
    if status != 200:
        raise TenfoldError(_("CENTRAL refused: {answer}").format(answer=body))
    console.print(_("revoked: {serials}").format(serials=", ".join(body["revoked"])))


@rights_app.command("list")
def rights_list(member: str = typer.Option(..., "--member"), as_json: bool = typer.Option(False, "--json")) -> None:
    """The access rights the member's gateway enforces now."""
    status, _headers, body = http("GET", _gateway_url(member) + "/api/v1/rights/allow?pageSize=1000")
    if status != 200:
        raise TenfoldError(_("the gateway answered {status}: {answer}").format(status=status, answer=body))
    if as_json:
        print_json(body["allowList"])
        return
    rows = [("/".join((e["instanceId"], e["memberClass"], e["memberCode"], e["applicationId"], e["serviceId"])),
             "/".join((r["instanceId"], r["memberClass"], r["memberCode"], r["applicationId"])),
             ", ".join(r["methods"]) or "*", ", ".join(r["paths"]) or "**") for e in body["allowList"] for r in e["rights"]]
    console.print(table(_("Access rights"), [_("service"), _("client"), _("methods"), _("paths")], rows))


def _rights_body(service: str, client: str, methods: list[str], paths: list[str]) -> list[dict[str, Any]]:
    from tenfold.ids import xroad

    s, c = xroad.parse_service(service), xroad.parse_subsystem(client)
    return [{"instanceId": s.instance, "memberClass": s.member_class, "memberCode": s.member_code, "applicationId": s.subsystem,
             "serviceId": s.service, "rights": [{"instanceId": c.instance, "memberClass": c.member_class, "memberCode": c.member_code,
                                                  "applicationId": c.subsystem, "methods": methods, "paths": paths}]}]


@rights_app.command("allow")
def rights_allow(member: str = typer.Option(..., "--member"), service: str = typer.Option(..., "--service", help="INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE"),
                 client: str = typer.Option(..., "--client", help="INSTANCE/CLASS/MEMBER/SUBSYSTEM"),
                 method: Optional[list[str]] = typer.Option(None, "--method"), path: Optional[list[str]] = typer.Option(None, "--path")) -> None:
    """Grant a client a right on one of the member's services (audited)."""
    status, _headers, body = http("PATCH", _gateway_url(member) + "/api/v1/rights/allow",
                                  _rights_body(service, client, [m.upper() for m in method or []], path or []))
    if status != 200:
        raise TenfoldError(_("the gateway refused: {answer}").format(answer=body))
    console.print(_("allowed"))


@rights_app.command("deny")
def rights_deny(member: str = typer.Option(..., "--member"), service: str = typer.Option(..., "--service"),
                client: str = typer.Option(..., "--client")) -> None:
    """Take away every right of a client on one of the member's services (audited)."""
    status, _headers, body = http("PATCH", _gateway_url(member) + "/api/v1/rights/deny", _rights_body(service, client, [], []))
    if status != 200:
        raise TenfoldError(_("the gateway refused: {answer}").format(answer=body))
    console.print(_("denied"))


def status(as_json: bool = typer.Option(False, "--json", help="Print var/runtime.json.")) -> None:
    """What `tenfold serve` runs here: members, their gateways and applications."""
    from tenfold.exchange.runner import healthy

    current = runtime()
    if as_json:
        print_json(current)
        return
    rows = [("CENTRAL", current["central"]["url"], str(current["central"].get("pid") or "-"),
             _("up") if healthy(current["central"]["url"] + "/healthz") else _("down"))]
    for member in current["members"]:
        rows.append((member["id"], member["gateway_url"], str(member["pids"].get("gateway") or "-"),
                     _("up") if healthy(member["gateway_url"] + "/healthz") else _("down")))
    console.print(table(_("Processes"), [_("member"), _("gateway"), _("pid"), _("health")], rows))


@bench_app.command("exchange")
def bench_exchange(
    seconds: float = typer.Option(10.0, "--seconds", min=1.0, max=600.0, help="How long each phase drives load."),
    concurrency: int = typer.Option(32, "--concurrency", min=1, max=512, help="Connections for the throughput phase."),
    generator: str = typer.Option("auto", "--generator", help="Load generator: wrk, python, or auto (wrk when installed)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """A registry read through consumer gateway -> provider gateway -> registry (mTLS, signed, logged) vs direct."""
    if generator not in ("auto", "wrk", "python"):
        raise typer.BadParameter("--generator must be wrk, python or auto")
    result = load_bench("exchange").run(seconds=seconds, concurrency=concurrency, generator=generator)
    report("exchange", result, as_json)


def demo_section(current: dict[str, Any]) -> None:
    """Show SIB reading a person from POP through the exchange, then the data-tracker entry."""
    from tenfold.cli.exchange_demo import show

    show(current)
