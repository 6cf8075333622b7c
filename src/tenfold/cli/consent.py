"""``tenfold consent``: the Consent building block's operator commands."""

from __future__ import annotations

from typing import Any

import typer

from tenfold.cli.output import console, print_json, table
from tenfold.i18n import _

app = typer.Typer(help="The Consent building block: chains, data agreements.", no_args_is_help=True)


def _service() -> Any:
    from tenfold.consent import consent_settings, open_consent
    from tenfold.settings import get_settings
    from tenfold.storage import member_engine

    settings, config = get_settings(), consent_settings()
    return open_consent(member_engine(config.member.split("/")[2], settings), settings.var_dir.resolve(), config)


@app.command("verify")
def verify(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Check every revision chain (hashes, links, signatures); exit 1 naming each problem."""
    from tenfold.consent.verify import verify as check

    service = _service()
    chains, problems = check(service.engine, service.signer.key)
    if as_json:
        print_json({"chains": chains, "intact": not problems, "problems": [str(p) for p in problems]})
    elif not problems:
        console.print(_("Every revision chain is intact: {chains} chains checked.").format(chains=chains))
    else:
        console.print(_("{count} problems in {chains} chains:").format(count=len(problems), chains=chains))
        for problem in problems:
            console.print(f"  {problem}", highlight=False)
    if problems:
        raise typer.Exit(1)


@app.command("agreements")
def agreements(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """The data agreements, with their purpose and lawful basis."""
    found = _service().config.list_agreements(0, 500)
    if as_json:
        print_json(found)
        return
    rows = [(a["id"], a["version"], a["lawfulBasis"], a["controller"]["id"], _("yes") if a["forgettable"] else _("no"), a["purpose"][:80])
            for a in found]
    console.print(table(_("Data agreements"), [_("id"), _("version"), _("lawful basis"), _("controller"), _("forgettable"), _("purpose")], rows))
