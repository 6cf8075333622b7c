"""``tenfold identity``: the state identity provider's operator commands (relying parties,
residents' credentials, demo accounts, signing keys) and ``tenfold bench login``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Optional

import typer

from tenfold.cli.bench import app as bench_app
from tenfold.cli.bench import load as load_bench
from tenfold.cli.bench import report
from tenfold.cli.output import console, print_json, table
from tenfold.errors import InvalidInput, TenfoldError
from tenfold.i18n import N_, _

app = typer.Typer(help="The identity provider: relying parties, residents' credentials, demo accounts, keys.", no_args_is_help=True)
PARENT_OF_NEWBORN = N_("parent of a newborn")
STATUSES = {"active": N_("active"), "deactivated": N_("deactivated")}


def _member() -> Any:
    from tenfold.identity import identity_settings
    from tenfold.settings import get_settings
    from tenfold.topology import load

    return load(get_settings().topology).member(identity_settings().member)


def issuer() -> str:
    """The provider's public URL: TENFOLD_IDENTITY_ISSUER, or where `tenfold serve` runs it."""
    from tenfold.exchange.config import exchange_settings
    from tenfold.exchange.ports import PortPlan
    from tenfold.identity import identity_settings
    from tenfold.settings import get_settings
    from tenfold.topology import load

    topology = load(get_settings().topology)
    plan = PortPlan.of(topology, exchange_settings().base_port, exchange_settings().host)
    return identity_settings().issuer_url(plan.app_url(topology.member(identity_settings().member), "identity"))


def provider() -> Any:
    """The identity provider over its own database, reading residents through the running country."""
    from tenfold.exchange.config import exchange_settings
    from tenfold.exchange.ports import PortPlan
    from tenfold.identity import ExchangePersons, identity_settings, open_provider
    from tenfold.settings import get_settings
    from tenfold.storage import member_engine
    from tenfold.topology import load

    settings, config = get_settings(), identity_settings()
    topology = load(settings.topology)
    member = topology.member(config.member)
    gateway = config.gateway_url or PortPlan.of(topology, exchange_settings().base_port).local_url(member)
    people = ExchangePersons(lambda: gateway, config.client_id, config.person_service)
    return open_provider(member_engine(member.code, settings), issuer(), people, config)


def register(name: str, redirect_uris: list[str], jwks: dict[str, Any] | None = None, client_id: str | None = None) -> dict[str, Any]:
    """Register a relying party; the answer holds the secret only when one was issued."""
    registration = provider().clients.register(name, redirect_uris, jwks=jwks, client_id=client_id)
    answer = {"client_id": registration.client.client_id, "issuer": issuer(), "token_endpoint_auth_method": registration.client.auth_method}
    if registration.client_secret:
        answer["client_secret"] = registration.client_secret
    return answer


@app.command("register-client")
def register_client(
    name: str = typer.Option(..., "--name", help="The relying party's name, shown to residents."),
    redirect_uri: list[str] = typer.Option(..., "--redirect-uri", help="An exact redirect URI (repeat for more)."),
    jwks: Optional[Path] = typer.Option(None, "--jwks", help="Public JWK or JWKS file: the client uses private_key_jwt."),
    client_id: Optional[str] = typer.Option(None, "--client-id", help="Choose the client id (default: a random one)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Register a relying party (without --jwks it gets a secret for client_secret_basic, shown once)."""
    keys = None
    if jwks is not None:
        try:
            keys = json.loads(jwks.read_text())
        except (OSError, ValueError) as error:
            raise InvalidInput(_("cannot read {path}: {error}").format(path=jwks, error=error)) from None
    answer = register(name, list(redirect_uri), keys, client_id)
    if as_json:
        print_json(answer)
        return
    rows = [(_("client id"), answer["client_id"]), (_("issuer"), answer["issuer"]),
            (_("client authentication"), answer["token_endpoint_auth_method"])]
    if "client_secret" in answer:
        rows.append((_("client secret (shown once)"), answer["client_secret"]))
    console.print(table(_("Relying party registered"), [_("field"), _("value")], rows))


def _credentials_row(engine: Any, account: dict[str, Any], resident: dict[str, Any]) -> dict[str, Any]:
    from tenfold.identity.accounts import Credentials, demo_password

    demo = account["kind"] == "demo"
    credentials = Credentials(account["person_id"], demo_password(engine, account["person_id"]) if demo else "", account["totp_secret"])
    return {"personId": account["person_id"], "name": resident.get("name"), "role": resident.get("role"),
            "password": credentials.password if demo else None, "totpSecret": credentials.totp_secret if demo else None,
            "totpNow": credentials.current_code() if demo else None, "status": account["status"]}


def demo_accounts() -> list[dict[str, Any]]:
    """Accounts for the demo residents (made the first time); their passwords derive from a
    secret of the provider, so they can be shown again without being stored."""
    from tenfold.identity.accounts import demo_password

    idp = provider()
    found = []
    for resident in demo_residents():
        account = idp.accounts.get(resident["personId"])
        if account is None:
            idp.accounts.enrol(resident["personId"], password=demo_password(idp.engine, resident["personId"]), kind="demo")
            account = idp.accounts.get(resident["personId"])
        found.append(_credentials_row(idp.engine, account, resident))
    return found


def demo_residents() -> list[dict[str, Any]]:
    """`tenfold country sample`'s residents and a parent of the latest newborn."""
    from tenfold.country.residents import demo_residents as sample
    from tenfold.settings import get_settings

    settings = get_settings()
    residents = [{**r, "role": _(r["role"])} for r in sample(settings)]
    parent = _parent_of_newborn(settings)
    if parent is not None and all(r["personId"] != parent["personId"] for r in residents):
        residents.insert(0, parent)
    return residents


def _parent_of_newborn(settings: Any) -> dict[str, Any] | None:
    """The mother of the most recently born child in the synthetic country (read from the
    generated population register, as `tenfold country sample` does)."""
    from tenfold.country.service import roles
    from tenfold.registries import catalogue
    from tenfold.registries import store as registry_store
    from tenfold.storage import make_engine

    engine = make_engine(settings.member_database_url(roles(settings)["POP"]))
    try:
        with engine.connect() as pop:
            births = registry_store.find(pop, catalogue().get("births", "1.0"), order_by="birthDate", descending=True, limit=1)
            mother = registry_store.get(pop, "persons", births[0]["motherId"]) if births else None
    finally:
        engine.dispose()
    if mother is None:
        return None
    return {"personId": mother["ID"], "name": f"{mother['firstName']} {mother['lastName']}", "role": _(PARENT_OF_NEWBORN),
            "note": _("child born {date}").format(date=births[0]["birthDate"])}


@app.command("demo-accounts")
def demo_accounts_command(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Demo residents who can sign in: personal code, password and TOTP secret (demo only)."""
    found = demo_accounts()
    if as_json:
        print_json({"issuer": issuer(), "accounts": found})
        return
    rows = [(a["role"], a["name"], a["personId"], a["password"] or "-", a["totpSecret"] or "-", a["totpNow"] or "-", _(STATUSES.get(a["status"], a["status"])))
            for a in found]
    console.print(table(_("Demo accounts at {issuer}").format(issuer=issuer()),
                        [_("role"), _("name"), _("personal code"), _("password"), _("TOTP secret"), _("code now"), _("status")], rows))


@app.command("enrol")
def enrol(
    person: str = typer.Option(..., "--person", help="The resident's personal code."),
    skip_check: bool = typer.Option(False, "--skip-check", help="Do not ask the population register (through the exchange) first."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Give a resident credentials (a random password and a TOTP secret, shown once)."""
    idp = provider()
    if not skip_check and idp.person_claims(person, {"name"}, "Enrolment at the identity provider") is None:
        raise TenfoldError(_("the population register has no living resident with this personal code"))
    credentials = idp.accounts.enrol(person)
    answer = {"personId": credentials.person_id, "password": credentials.password, "totpSecret": credentials.totp_secret,
              "totpUri": credentials.totp_uri}
    if as_json:
        print_json(answer)
        return
    console.print(table(_("Credentials (shown once)"), [_("field"), _("value")], [
        (_("personal code"), answer["personId"]), (_("password"), answer["password"]), (_("TOTP secret"), answer["totpSecret"]),
        (_("authenticator link"), answer["totpUri"])]))


@app.command("rotate-keys")
def rotate_keys(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Make a new signing key; the old one stays published until its tokens have expired."""
    from tenfold.identity.keys import rotate

    idp = provider()
    kid = rotate(idp.engine, idp.settings.token_seconds)
    idp.keys.reload()
    published = [k["kid"] for k in idp.keys.jwks()["keys"]]
    if as_json:
        print_json({"signingKey": kid, "published": published})
        return
    console.print(_("New signing key {kid}; published keys: {keys}").format(kid=kid, keys=", ".join(published)))


@app.command("client-mgmt-token")
def client_mgmt_token() -> None:
    """Issue the bearer token of the client-management API (replaces the previous one; shown once)."""
    from tenfold.identity.clients import issue_management_token

    console.print(issue_management_token(provider().engine), highlight=False)


@bench_app.command("login")
def bench_login(
    seconds: float = typer.Option(10.0, "--seconds", min=1, max=600, help="How long each measurement runs."),
    concurrency: int = typer.Option(8, "--concurrency", min=1, max=64, help="Logins in flight at once."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Complete logins per second (authorize, sign-in form, consent, token, userinfo) and the token endpoint alone."""
    report("login", load_bench("login").run(seconds=seconds, concurrency=concurrency), as_json)
