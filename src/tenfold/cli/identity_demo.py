"""The demo's identity and consent section: demo residents who can sign in; a resident signs in
to the state portal (OpenID Connect, private_key_jwt, consent screen); a bank's e-KYC of a new
customer through the exchange is refused before the resident consents, released after, and
refused again once the consent is withdrawn. Call :func:`show` with the running country's
``runtime.json``."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import quote

from tenfold.cli.exchange import http
from tenfold.cli.output import console, table
from tenfold.errors import TenfoldError
from tenfold.i18n import _

BANK_CLIENT = "DEMO/COM/BANK1/bank"
PORTAL_CLIENT = "DEMO/GOV/PORTAL/portal"
EKYC = "/r1/DEMO/GOV/IDP/identity/ekyc/v1/kyc"
CONSENT = "/r1/DEMO/GOV/CONSENT/consent/consent"
AGREEMENT = "ekyc-bank-customer"
CURRENT = f"/service/individual/record/data-agreement/{AGREEMENT}/?dataConsumer={quote('DEMO/COM/BANK1', safe='')}"
RECORDS = "/service/individual/record/consent-record"
PORTAL_REDIRECT = "http://127.0.0.1:8080/auth/callback"
WITHDRAWAL_BOUND = 15.0  # seconds: the provider gateways keep a positive answer 5 s by default


def _gateway(runtime: dict[str, Any], code: str) -> str:
    for member in runtime["members"]:
        if member["code"] == code:
            return str(member["gateway_url"])
    raise TenfoldError(_("member {code} is not running").format(code=code))


def portal_party() -> Any:
    """The demo portal as a relying party (private_key_jwt), registered once and kept in var/."""
    from tenfold.cli.identity import issuer, provider, register
    from tenfold.identity.client import RelyingParty, new_client_key
    from tenfold.settings import get_settings

    path = get_settings().var_dir.resolve() / "identity" / "demo-portal.json"
    try:
        saved = json.loads(path.read_text())
    except (OSError, ValueError):
        saved = None
    if saved is None or provider().clients.find(saved["client_id"]) is None:
        private, public = new_client_key()
        answer = register("State portal (demo)", [PORTAL_REDIRECT], {"keys": [public]})
        saved = {"client_id": answer["client_id"], "private_jwk": private}
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(saved))
        path.chmod(0o600)
    return RelyingParty(issuer(), saved["client_id"], PORTAL_REDIRECT, private_jwk=saved["private_jwk"])


def _kyc(bank: str, person: str) -> tuple[int, dict[str, str], Any]:
    return http("POST", bank + EKYC, {"individualId": person},
                headers={"X-Road-Client": BANK_CLIENT, "X-Road-Purpose": "Opening an account: customer due diligence"})


def _show_kyc(step: str, answer: tuple[int, dict[str, str], Any]) -> None:
    status, headers, body = answer
    if status == 200:
        claims = body["claims"]
        rows = [(name, json.dumps(value, ensure_ascii=False) if isinstance(value, dict) else value) for name, value in claims.items()]
        console.print(table(step + " → 200 " + _("(claims released, signed by the identity provider)"), [_("claim"), _("value")], rows))
    else:
        console.print(f"{step} → {status} {headers.get('X-Road-Error', '')}: {body.get('message') if isinstance(body, dict) else body}",
                      highlight=False, soft_wrap=True)


def _portal_consent(portal: str, method: str, path: str, person: str, body: Any = None) -> Any:
    status, _headers, answer = http(method, portal + CONSENT + path, body,
                                    headers={"X-Road-Client": PORTAL_CLIENT, "X-ConsentBB-IndividualId": person})
    if status not in (200, 201):
        raise TenfoldError(_("the consent service refused ({status}): {answer}").format(status=status, answer=answer))
    return answer


def show(runtime: dict[str, Any]) -> None:
    from tenfold.cli.identity import demo_accounts
    console.rule(_("Identity and consent"))
    accounts = [a for a in demo_accounts() if a["status"] == "active" and a["password"]]
    console.print(table(_("Demo residents who can sign in (tenfold identity demo-accounts)"),
                        [_("role"), _("name"), _("personal code"), _("password"), _("TOTP secret")],
                        [(a["role"], a["name"], a["personId"], a["password"], a["totpSecret"]) for a in accounts]))
    if not accounts:
        raise TenfoldError(_("no demo resident can sign in"))
    party = portal_party()
    resident, tokens = _sign_in(party, accounts)
    claims = party.userinfo(tokens.access_token)
    console.print(table(_("{name} signed in to the portal (OpenID Connect, PKCE, private_key_jwt); verified userinfo").format(
        name=resident["name"]), [_("claim"), _("value")],
        [(k, json.dumps(v, ensure_ascii=False) if isinstance(v, dict) else v) for k, v in claims.items() if k not in ("iss", "aud", "iat", "exp")]))
    person = claims["individual_id"]
    bank, portal = _gateway(runtime, "BANK1"), _gateway(runtime, "PORTAL")
    console.print(f"POST {EKYC}  X-Road-Client: {BANK_CLIENT}", highlight=False)
    _no_consent_yet(portal, person)
    _show_kyc(_("1. The bank asks before the resident consents"), _kyc(bank, person))
    created = _give_consent(portal, person)
    record = created["consentRecord"]
    console.print(_("The resident consents on the portal: consent record {id} (revision {seq}, hash {hash}...)").format(
        id=record["id"], seq=created["revision"]["seq"], hash=created["revision"]["serializedHash"][:16]), highlight=False)
    released = _kyc(bank, person)
    _show_kyc(_("2. The bank asks after the resident consented"), released)
    _show_tracker(portal, person, released[1].get("X-Road-Id", ""))
    withdrawn = _portal_consent(portal, "PUT", f"{RECORDS}/{record['id']}/", person, {"optIn": False})
    console.print(_("The resident withdraws the consent: revision {seq}, its predecessor's hash {hash}...").format(
        seq=withdrawn["revision"]["seq"], hash=(withdrawn["revision"]["predecessorHash"] or "")[:16]), highlight=False)
    _show_kyc(_("3. The bank asks after the withdrawal"), _refused_within(bank, person))
    _show_chains()


def _current_record(portal: str, person: str) -> dict[str, Any] | None:
    status, _headers, answer = http("GET", portal + CONSENT + CURRENT, headers={"X-Road-Client": PORTAL_CLIENT, "X-ConsentBB-IndividualId": person})
    return answer["consentRecord"] if status == 200 else None


def _no_consent_yet(portal: str, person: str) -> None:
    """A run before this one may have left a consent in force: withdraw it first."""
    record = _current_record(portal, person)
    if record is not None and record["optIn"]:
        _portal_consent(portal, "PUT", f"{RECORDS}/{record['id']}/", person, {"optIn": False})


def _give_consent(portal: str, person: str) -> Any:
    record = _current_record(portal, person)
    if record is None:
        return _portal_consent(portal, "POST", CURRENT, person)
    return _portal_consent(portal, "PUT", f"{RECORDS}/{record['id']}/", person, {"optIn": True})


def _show_chains() -> None:
    from tenfold.cli.consent import _service
    from tenfold.consent.verify import verify

    service = _service()
    chains, problems = verify(service.engine, service.signer.key)
    if problems:
        raise TenfoldError(_("{count} problems in the consent revision chains (tenfold consent verify)").format(count=len(problems)))
    console.print(_("tenfold consent verify: every revision chain is intact ({chains} chains: hashes, links and signatures).").format(
        chains=chains))


def _sign_in(party: Any, accounts: list[dict[str, Any]]) -> tuple[dict[str, Any], Any]:
    """The first demo resident who can sign in now (a TOTP code signs in once: a resident who just
    signed in waits for the next code, so the next one signs in instead)."""
    from tenfold.i18n import current_language
    from tenfold.identity.browser import Browser, SignInRefused

    for resident in accounts:
        login = party.login_request("openid profile", claims={"userinfo": {"individual_id": {"essential": True}, "address": None}},
                                    ui_locales=current_language.get())
        try:
            callback = Browser().sign_in(login.url, resident["personId"], resident["password"], resident["totpSecret"])
        except SignInRefused:
            continue
        return resident, party.finish_login(callback, login)
    raise TenfoldError(_("no demo resident can sign in"))


def _refused_within(bank: str, person: str) -> tuple[int, dict[str, str], Any]:
    """The bank's next refused answer: a withdrawal takes effect within the gateways' cache bound."""
    deadline = time.monotonic() + WITHDRAWAL_BOUND
    while True:
        answer = _kyc(bank, person)
        if answer[0] != 200 or time.monotonic() > deadline:
            return answer
        time.sleep(0.5)


def _show_tracker(portal: str, person: str, message_id: str) -> None:
    status, _headers, usage = http("GET", portal + f"/r1/DEMO/GOV/IDP/identity/findUsage?personId={person}&limit=5",
                                   headers={"X-Road-Client": PORTAL_CLIENT})
    entries = [e for e in (usage or {}).get("usage", []) if e["messageId"] == message_id] if status == 200 else []
    if entries:
        entry = entries[0]
        console.print(table(_("Data tracker at the identity provider: who received the person's data, and on what basis"),
                            [_("field"), _("value")], [(_("client"), entry["client"]), (_("service"), entry["service"]),
                                                       (_("purpose"), entry["purpose"] or ""), (_("lawful basis"), entry["lawfulBasis"]),
                                                       (_("data agreement"), entry["dataAgreement"]), (_("consent record"), entry["consentRecordId"])]))
