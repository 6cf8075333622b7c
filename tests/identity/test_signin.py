"""Signing in (personal code, password, TOTP; lockout and throttling), the consent screen
(essential and voluntary claims), the page's languages, cookies, the session and logout."""

from __future__ import annotations

from pathlib import Path

import pyotp
import pytest
import requests

from tenfold.identity import IdentitySettings
from tenfold.identity.api import Cookies
from tenfold.identity.browser import Browser, SignInRefused
from tenfold.identity.client import RelyingParty
from tests.identity.flows import authorization, query
from tests.identity.idp import REDIRECT, Idp, start_idp


def _login_page(idp: Idp, browser: Browser, client_id: str, **overrides: str) -> dict[str, str]:
    page = browser.request("GET", authorization(idp, client_id, **overrides).url)
    assert page.status == 200 and 'action="/authorize/login"' in page.body
    return page.hidden()


def _post_login(idp: Idp, browser: Browser, fields: dict[str, str], code: str, password: str, totp: str):  # type: ignore[no-untyped-def]
    return browser.request("POST", idp.url + "/authorize/login", [
        ("transaction", fields["transaction"]), ("csrf_token", fields["csrf_token"]), ("personal_code", code),
        ("password", password), ("totp", totp)])


def test_five_failures_lock_the_account_even_for_the_right_password(idp: Idp) -> None:
    client_id, _key = idp.key_client()
    resident, browser = idp.resident(), Browser()
    fields = _login_page(idp, browser, client_id)
    for attempt in range(idp.provider.settings.max_failures):
        page = _post_login(idp, browser, fields, resident.person_id, "wrong", pyotp.TOTP(resident.totp_secret).now())
        fields = page.hidden()
        assert page.status == (429 if attempt == idp.provider.settings.max_failures - 1 else 401)
    locked = _post_login(idp, browser, fields, resident.person_id, resident.password, pyotp.TOTP(resident.totp_secret).now())
    assert locked.status == 429 and "Too many failed attempts" in locked.error()
    assert resident.password not in locked.body


def test_a_wrong_totp_code_fails_and_a_used_one_cannot_sign_in_again(idp: Idp) -> None:
    client_id, _key = idp.key_client()
    resident = idp.resident()
    browser = Browser()
    fields = _login_page(idp, browser, client_id)
    assert _post_login(idp, browser, fields, resident.person_id, resident.password, "123456" if pyotp.TOTP(resident.totp_secret).now() != "123456" else "654321").status == 401
    code = pyotp.TOTP(resident.totp_secret).now()
    fields = _login_page(idp, browser, client_id)
    assert _post_login(idp, browser, fields, resident.person_id, resident.password, code).status == 200
    again = Browser()
    fields = _login_page(idp, again, client_id)
    assert _post_login(idp, again, fields, resident.person_id, resident.password, code).status == 401


def test_unknown_and_malformed_personal_codes_fail_like_a_wrong_password(idp: Idp) -> None:
    client_id, _key = idp.key_client()
    browser = Browser()
    for code in ("38001085718", "not-a-code", "", "1" * 500):
        fields = _login_page(idp, browser, client_id)
        page = _post_login(idp, browser, fields, code, "whatever", "123456")
        assert page.status == 401 and "is not right" in page.error()


def test_the_resident_may_refuse_voluntary_claims_but_not_essential_ones(idp: Idp) -> None:
    client_id, private = idp.key_client()
    party = RelyingParty(idp.url, client_id, REDIRECT, private_jwk=private)
    resident = idp.resident()
    login = party.login_request("openid profile email", claims={"userinfo": {"individual_id": {"essential": True}, "phone_number": None}})
    browser = Browser()
    callback = browser.sign_in(login.url, resident.person_id, resident.password, resident.totp_secret,
                               refuse={"email", "birthdate", "individual_id"})
    claims = party.userinfo(party.finish_login(callback, login).access_token)
    assert claims["individual_id"] == resident.person_id  # essential: released although "refused"
    assert "email" not in claims and "birthdate" not in claims
    assert claims["name"] == "Mari Tamm" and claims["phone_number"] == "+3725551234"


def test_the_consent_screen_lists_exactly_the_requested_claims_marking_essential_ones(idp: Idp) -> None:
    client_id, _key = idp.key_client(claims=["name", "email", "individual_id", "address"])
    resident, browser = idp.resident(), Browser()
    fields = _login_page(idp, browser, client_id, scope="openid email phone",
                         claims='{"id_token": {"individual_id": {"essential": true}}, "userinfo": {"gender": null, "nonsense": null}}')
    page = _post_login(idp, browser, fields, resident.person_id, resident.password, pyotp.TOTP(resident.totp_secret).now())
    assert page.status == 200
    listed = {name for name in ("name", "birthdate", "gender", "address", "individual_id", "phone_number", "email") if f'claim-{name}"' in page.body}
    assert listed == {"email", "individual_id"}  # phone and gender are not registered for this client; "nonsense" is ignored
    assert 'id="claim-individual_id">' in page.body and 'name="claim" value="individual_id"' not in page.body


def test_cancelling_sends_access_denied_and_no_data_is_read(idp: Idp) -> None:
    client_id, _key = idp.key_client()
    resident = idp.resident()
    request = authorization(idp, client_id)
    reads = len(idp.people.reads)
    location = Browser().sign_in(request.url, resident.person_id, resident.password, resident.totp_secret, allow=False)
    assert query(location)["error"] == "access_denied" and query(location)["state"] == request.state
    assert len(idp.people.reads) == reads


def test_pages_speak_traditional_chinese_when_asked(idp: Idp) -> None:
    client_id, _key = idp.key_client()
    browser = Browser()
    page = browser.request("GET", authorization(idp, client_id, ui_locales="zh-Hant en").url)
    assert page.status == 200 and '<html lang="zh-Hant">' in page.body and "登入" in page.body and "Sign in</h1>" not in page.body
    english = browser.request("GET", f"{idp.url}/authorize/resume?transaction={page.hidden()['transaction']}&lang=en")
    assert '<html lang="en">' in english.body and "Personal code" in english.body
    assert 'label for="personal_code"' in english.body and 'autocomplete="one-time-code"' in english.body


def test_cookies_are_httponly_strict_and_secure_except_on_loopback_http(idp: Idp) -> None:
    answer = requests.get(authorization(idp, idp.key_client()[0]).url, timeout=10)
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "secure" not in cookie
    secure = Cookies(secure=True)
    assert secure.browser.startswith("__Host-") and secure.session.startswith("__Host-")
    assert (secure.same_site(secure.browser), secure.same_site(secure.session)) == ("strict", "lax")
    assert answer.headers["x-frame-options"] == "DENY" and "frame-ancestors 'none'" in answer.headers["content-security-policy"]


def test_a_session_skips_the_form_and_logout_ends_it_and_revokes_its_tokens(idp: Idp) -> None:
    client_id, private = idp.key_client()
    party = RelyingParty(idp.url, client_id, REDIRECT, private_jwk=private)
    resident, browser = idp.resident(), Browser()
    first = party.login_request()
    tokens = party.finish_login(browser.sign_in(first.url, resident.person_id, resident.password, resident.totp_secret), first)
    second = party.login_request()
    page = browser.request("GET", second.url)
    assert 'action="/authorize/consent"' in page.body  # signed in already: straight to consent
    stranger = browser.request("GET", f"{idp.url}/oidc/logout")  # a link elsewhere cannot sign the resident out
    assert stranger.status == 400 and 'action="/authorize/consent"' in browser.request("GET", party.login_request().url).body
    logout = browser.request("GET", party.logout_url(tokens.id_token, REDIRECT, "bye"))
    assert logout.status == 303 and logout.headers["location"] == REDIRECT + "?state=bye"
    assert requests.get(idp.url + "/oidc/userinfo", headers={"Authorization": "Bearer " + tokens.access_token}, timeout=10).status_code == 401
    third = browser.request("GET", party.login_request().url)
    assert 'action="/authorize/login"' in third.body


def test_too_many_attempts_from_one_address_are_throttled(tmp_path: Path) -> None:
    idp = start_idp(f"sqlite:///{tmp_path / 'idp.sqlite'}", IdentitySettings(scrypt_n=2**12, attempts_per_minute=2))
    try:
        client_id, _key = idp.key_client()
        browser = Browser()
        statuses = []
        for _attempt in range(3):
            fields = _login_page(idp, browser, client_id)
            statuses.append(_post_login(idp, browser, fields, "38001085718", "x", "123456").status)
        assert statuses == [401, 401, 429]
    finally:
        idp.stop()


def test_a_failed_sign_in_raises_for_the_scripted_browser(idp: Idp) -> None:
    client_id, _key = idp.key_client()
    resident = idp.resident()
    with pytest.raises(SignInRefused):
        Browser().sign_in(authorization(idp, client_id).url, resident.person_id, "wrong", resident.totp_secret)


def test_the_provider_serves_no_page_with_scripts_from_a_cdn(idp: Idp) -> None:
    # FastAPI's /docs and /redoc would load JavaScript from a CDN on the provider's origin.
    for path in ("/docs", "/redoc"):
        answer = requests.get(idp.url + path, timeout=10)
        assert answer.status_code == 404 and "cdn.jsdelivr.net" not in answer.text
    assert requests.get(idp.url + "/openapi.json", timeout=10).json()["info"]["title"]
