"""``tenfold portal``: the portal's operator commands (its registration at the identity provider,
the staff directory) and ``tenfold bench portal``."""

from __future__ import annotations

import json
import os
from typing import Any, Optional

import typer

from tenfold.cli.bench import app as bench_app
from tenfold.cli.bench import load as load_bench
from tenfold.cli.bench import report
from tenfold.cli.output import console, print_json, table
from tenfold.errors import InvalidInput
from tenfold.i18n import _

app = typer.Typer(help="The state portal: its sign-in registration and its staff.", no_args_is_help=True)
staff_app = typer.Typer(help="Caseworkers, approvers and operators who sign in to the portal.", no_args_is_help=True)
app.add_typer(staff_app, name="staff")


def _portal() -> Any:
    from tenfold.portal import open_portal

    return open_portal()


def register_client() -> dict[str, Any]:
    """Register the portal at the identity provider (private_key_jwt) once; the registration
    (client id and private key) is written where the portal reads it. Kept while the provider knows it."""
    from tenfold.cli.identity import provider, register
    from tenfold.identity.client import new_client_key
    from tenfold.portal import default_urls, portal_settings

    settings = portal_settings()
    path = settings.client_file()
    _gateway, public, issuer = default_urls(settings)
    try:
        saved = json.loads(path.read_text())
    except (OSError, ValueError):
        saved = None
    redirects = [public + "/auth/callback", public + "/signed-out"]
    if saved and saved.get("redirect_uris") == redirects and provider().clients.find(saved["client_id"]) is not None:
        return {"client_id": saved["client_id"], "issuer": saved["issuer"], "file": str(path), "registered": False}
    private, public_key = new_client_key()
    answer = register("State portal", redirects, {"keys": [public_key]})
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps({"client_id": answer["client_id"], "issuer": answer["issuer"], "private_jwk": private,
                                     "redirect_uris": redirects}))
    temporary.chmod(0o600)
    os.replace(temporary, path)
    return {"client_id": answer["client_id"], "issuer": answer["issuer"], "file": str(path), "registered": True}


@app.command("register-client")
def register_client_command(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Register the portal at the identity provider (once; again when the provider forgot it)."""
    answer = register_client()
    if as_json:
        print_json(answer)
        return
    console.print(table(_("The portal at the identity provider"), [_("field"), _("value")], [
        (_("client id"), answer["client_id"]), (_("issuer"), answer["issuer"]), (_("registration file"), answer["file"]),
        (_("registered now"), _("yes") if answer["registered"] else _("no, kept"))]))


@staff_app.command("add")
def staff_add(
    staff_id: str = typer.Option(..., "--id", help="The sign-in name, e.g. kati.tamm."),
    name: str = typer.Option(..., "--name", help="The official's name, shown in the audit log."),
    personal_code: str = typer.Option(..., "--personal-code", help="The official's personal code (sent as X-Road-UserId)."),
    role: list[str] = typer.Option(..., "--role", help="caseworker, approver or operator (repeat for more)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Add an official (or replace their credentials): a password and a TOTP secret, shown once."""
    credentials = _portal().staff.add(staff_id, name, personal_code, list(role))
    answer = {"id": credentials.staff_id, "password": credentials.password, "totpSecret": credentials.totp_secret}
    if as_json:
        print_json(answer)
        return
    console.print(table(_("Staff credentials (shown once)"), [_("field"), _("value")], [
        (_("user name"), answer["id"]), (_("password"), answer["password"]), (_("TOTP secret"), answer["totpSecret"])]))


@staff_app.command("list")
def staff_list(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """The staff directory (no secrets)."""
    found = _portal().staff.listed()
    if as_json:
        print_json(found)
        return
    console.print(table(_("Staff"), [_("user name"), _("name"), _("roles"), _("active")],
                        [(s["id"], s["name"], ", ".join(s["roles"]), _("yes") if s["active"] else _("no")) for s in found]))


@staff_app.command("deactivate")
def staff_deactivate(staff_id: str = typer.Option(..., "--id", help="The sign-in name.")) -> None:
    """Stop an official from signing in (their audit trail stays)."""
    if not _portal().staff.deactivate(staff_id):
        raise InvalidInput(_("no staff member {id}").format(id=staff_id))
    console.print(_("{id} can no longer sign in.").format(id=staff_id))


@bench_app.command("portal")
def bench_portal(
    users: int = typer.Option(50, "--users", min=1, max=500, help="Signed-in residents acting at once."),
    seconds: float = typer.Option(20.0, "--seconds", min=1, max=600, help="How long the measurement runs."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    offers: Optional[int] = typer.Option(None, "--offers", min=1, help="Offers to prepare (default: enough for the run)."),
    think_seconds: float = typer.Option(5.0, "--think-seconds", min=0, max=600,
                                        help="Mean time a user reads before each page and click (exponential); 0: none."),
    saturation: bool = typer.Option(True, "--saturation/--no-saturation", help="Also measure with no think time at all (a throughput test)."),
) -> None:
    """Signed-in residents open their offer and confirm it, against the running country; SIB called directly as the baseline."""
    report("portal", load_bench("portal").run(users=users, seconds=seconds, offers=offers, think_seconds=think_seconds,
                                               saturation=saturation), as_json)
