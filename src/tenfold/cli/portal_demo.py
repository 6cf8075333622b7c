"""The demo's portal section: where the portal runs and who can sign in (residents at the identity
provider, staff in the portal's own directory). Call :func:`show` with the running country's
``runtime.json``; the portal is registered at the identity provider first if it is not yet."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pyotp

from tenfold.cli.output import console, table
from tenfold.errors import TenfoldError
from tenfold.i18n import _

# The demo's officials: sign-in name, name, roles, birth date (for a valid personal code), sex (0 M, 1 F).
DEMO_STAFF = (
    ("kati.caseworker", "Kati Kask", ["caseworker"], "1984-03-12", 1),
    ("jaan.approver", "Jaan Jõgi", ["caseworker", "approver"], "1979-11-02", 0),
    ("mari.operator", "Mari Mets", ["operator"], "1990-06-21", 1),
)


def portal_url(runtime: dict[str, Any]) -> str:
    for member in runtime["members"]:
        if member["code"] == "PORTAL" and member["apps"].get("portal"):
            return str(member["apps"]["portal"])
    raise TenfoldError(_("the portal is not running"))


def _staff_file() -> Path:
    from tenfold.settings import get_settings

    return get_settings().var_dir.resolve() / "portal" / "demo-staff.json"


def demo_staff() -> list[dict[str, Any]]:
    """The demo's officials, made the first time and kept (with their secrets) in var/portal."""
    from tenfold.ids import scheme
    from tenfold.portal import open_portal

    path = _staff_file()
    try:
        kept: list[dict[str, Any]] = json.loads(path.read_text())
    except (OSError, ValueError):
        kept = []
    known = {s["id"] for s in open_portal().staff.listed() if s["active"]}
    if len(kept) == len(DEMO_STAFF) and all(s["id"] in known for s in kept):
        return kept
    portal, rng = open_portal(), np.random.default_rng(2026)
    codes = scheme().generate_many(rng, np.array([s[3] for s in DEMO_STAFF], dtype="datetime64[D]"), np.array([s[4] for s in DEMO_STAFF]))
    made = []
    for (staff_id, name, roles, _born, _sex), code in zip(DEMO_STAFF, codes):
        credentials = portal.staff.add(staff_id, name, str(code), roles)
        made.append({"id": staff_id, "name": name, "roles": roles, "password": credentials.password, "totpSecret": credentials.totp_secret})
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(made, ensure_ascii=False))
    os.chmod(path, 0o600)
    return made


def show(runtime: dict[str, Any]) -> None:
    """Print the portal's URL and the demo's sign-ins (residents and staff)."""
    from tenfold.cli.identity import demo_accounts
    from tenfold.cli.portal import register_client

    url = portal_url(runtime)
    register_client()
    console.rule(_("The state portal"))
    console.print(_("Residents: {url}   Staff: {url}/staff/login   Open data: {url}/open-data").format(url=url), highlight=False)
    residents = [a for a in demo_accounts() if a["status"] == "active" and a["password"]]
    console.print(table(_("Residents who can sign in (with an authenticator app, or the code shown)"),
                        [_("role"), _("name"), _("personal code"), _("password"), _("TOTP secret"), _("code now")],
                        [(a["role"], a["name"], a["personId"], a["password"], a["totpSecret"], a["totpNow"]) for a in residents]))
    staff = demo_staff()
    console.print(table(_("Staff who can sign in"), [_("user name"), _("name"), _("roles"), _("password"), _("TOTP secret"), _("code now")],
                        [(s["id"], s["name"], ", ".join(s["roles"]), s["password"], s["totpSecret"], pyotp.TOTP(s["totpSecret"]).now())
                         for s in staff]))
