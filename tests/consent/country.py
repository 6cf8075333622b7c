"""The exchange tests' in-process country, grown by the members of identity and consent: the
identity provider (e-KYC needs consent under ekyc-bank-customer), the CONSENT member, two banks
and the portal. The provider's and CONSENT's FastAPI applications run in the country's loop."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiohttp import web

from tenfold.consent import open_consent
from tenfold.consent.api import create_consent_app
from tenfold.exchange import asgi
from tenfold.identity import IdentitySettings, StaticPersons, open_provider
from tenfold.identity.api import create_identity_app
from tenfold.storage import make_engine
from tests.exchange import country as exchange_country
from tests.identity.idp import person_record
from tests.databases import database_url

MEMBERS = ("POP", "SIB", "IDP", "CONSENT", "BANK1", "BANK2", "PORTAL")
EXTRA = '''
[[members]]
id = "DEMO/GOV/IDP"
name = { en = "Identity Provider", zh-Hant = "身分識別服務" }

[[members.subsystems]]
code = "identity"

[[members.subsystems.services]]
code = "ekyc"
app = "identity"
base_path = "/ekyc"
description = { en = "e-KYC", zh-Hant = "電子身分核驗" }
lawful_basis = "consent"
data_agreement = "ekyc-bank-customer"
person_refs = [{ body = "individualId" }]

[[members.subsystems.services.rights]]
client = "DEMO/COM/BANK1/bank"
methods = ["POST"]
paths = ["/v1/kyc"]

[[members.subsystems.services.rights]]
client = "DEMO/COM/BANK2/bank"
methods = ["POST"]
paths = ["/v1/kyc"]

[[members]]
id = "DEMO/GOV/CONSENT"
name = { en = "Consent Service", zh-Hant = "同意管理服務" }

[[members.subsystems]]
code = "consent"

[[members.subsystems.services]]
code = "consent"
app = "consent"
description = { en = "Consent", zh-Hant = "同意" }
person_refs = [{ query = "individualExternalId" }]

[[members.subsystems.services.rights]]
client = "DEMO/GOV/IDP/identity"
methods = ["GET"]
paths = ["/service/verification/**"]

[[members.subsystems.services.rights]]
client = "DEMO/GOV/PORTAL/portal"
paths = ["/service/**"]

[[members]]
id = "DEMO/COM/BANK1"
name = { en = "Bank One", zh-Hant = "第一銀行" }

[[members.subsystems]]
code = "bank"

[[members]]
id = "DEMO/COM/BANK2"
name = { en = "Bank Two", zh-Hant = "第二銀行" }

[[members.subsystems]]
code = "bank"

[[members]]
id = "DEMO/GOV/PORTAL"
name = { en = "Portal", zh-Hant = "入口網" }

[[members.subsystems]]
code = "portal"
'''


class AsgiSite:
    """An aiohttp handler that hands requests to an ASGI application in the same loop."""

    def __init__(self, app: Any):
        self.app = app

    async def handle(self, request: web.BaseRequest) -> web.Response:
        reply = await asgi.call(self.app, request.method, request.rel_url.raw_path, request.rel_url.raw_query_string,
                                list(request.headers.items()), await request.read())
        return web.Response(status=reply.status, body=reply.body, headers={
            k: v for k, v in reply.headers if k.lower() not in ("content-length", "date", "server")})


def start(directory: Path, persons: list[str]) -> exchange_country.Country:
    text = (exchange_country.HERE / "topology.toml").read_text(encoding="utf-8") + EXTRA
    running = exchange_country.Country(directory, topology_text=text)
    people = StaticPersons({code: person_record(code) for code in persons})
    issuer = running.plan.app_url("IDP", "identity") or ""
    provider = open_provider(make_engine(database_url(directory, 'idp-app')), issuer, people, IdentitySettings(scrypt_n=2**10))
    consent = open_consent(make_engine(database_url(directory, 'consent-app')), directory)
    running.start(members=())
    for code, name, app in (("IDP", "identity", create_identity_app(provider)), ("CONSENT", "consent", create_consent_app(consent))):
        running.run(running._site(AsgiSite(app).handle, running.plan.ports(code).app_ports[name], low_level=True))
    for code in MEMBERS:
        running.run(running.start_gateway(code))
    return running
