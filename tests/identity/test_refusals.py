"""Bad input gets the error the OAuth 2.0 / OpenID Connect specifications name, never a 5xx."""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests

from tenfold.identity.client import new_client_key
from tests.identity.flows import assertion, authorization, code_for, query, token_by_assertion
from tests.identity.idp import REDIRECT, Idp


def _get(url: str) -> requests.Response:
    return requests.get(url, allow_redirects=False, timeout=10)


def test_an_unknown_client_or_a_wrong_redirect_uri_is_shown_an_error_page_not_redirected(idp: Idp) -> None:
    client_id, _key = idp.key_client()
    for request in (authorization(idp, "no-such-client"), authorization(idp, client_id, redirect_uri="http://127.0.0.1:9/callback/other"),
                    authorization(idp, client_id, redirect_uri='https://evil.example/"x\\'), authorization(idp, client_id, redirect_uri=None),
                    authorization(idp, client_id, padding="x" * 9000)):
        answer = _get(request.url)
        assert answer.status_code == 400 and "location" not in answer.headers, request.url
        assert "cannot be accepted" in answer.text


@pytest.mark.parametrize("overrides, error", [
    ({"code_challenge": None, "code_challenge_method": None}, "invalid_request"),
    ({"code_challenge_method": "plain"}, "invalid_request"),
    ({"code_challenge": "short"}, "invalid_request"),
    ({"nonce": None}, "invalid_request"),
    ({"scope": "profile"}, "invalid_scope"),
    ({"response_type": "token"}, "unsupported_response_type"),
    ({"claims": "{not json"}, "invalid_request"),
    ({"claims": '{"userinfo": ["name"]}'}, "invalid_request"),
    ({"request": "eyJhbGciOiJub25lIn0.e30."}, "invalid_request"),
    ({"prompt": "none"}, "login_required"),
])
def test_a_bad_authorization_request_goes_back_to_the_client_with_the_named_error(idp: Idp, overrides: dict, error: str) -> None:
    client_id, _key = idp.key_client()
    request = authorization(idp, client_id, **overrides)
    answer = _get(request.url)
    assert answer.status_code in (302, 303), answer.text[:300]
    sent = query(answer.headers["location"])
    assert answer.headers["location"].startswith(REDIRECT) and sent["error"] == error and sent["state"] == request.state


def test_a_code_is_single_use_and_a_replay_revokes_what_it_bought(idp: Idp) -> None:
    client_id, key = idp.key_client()
    code, request = code_for(idp, client_id)
    first = token_by_assertion(idp, code, request.verifier, assertion(client_id, idp.url + "/oauth/token", key))
    assert first.status_code == 200
    access = first.json()["access_token"]
    assert requests.get(idp.url + "/oidc/userinfo", headers={"Authorization": f"Bearer {access}"}, timeout=10).status_code == 200
    replay = token_by_assertion(idp, code, request.verifier, assertion(client_id, idp.url + "/oauth/token", key))
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    revoked = requests.get(idp.url + "/oidc/userinfo", headers={"Authorization": f"Bearer {access}"}, timeout=10)
    assert revoked.status_code == 401 and 'error="invalid_token"' in revoked.headers["www-authenticate"]


def test_a_wrong_pkce_verifier_is_an_invalid_grant_and_burns_the_code(idp: Idp) -> None:
    client_id, key = idp.key_client()
    code, request = code_for(idp, client_id)
    wrong = token_by_assertion(idp, code, "x" * 50, assertion(client_id, idp.url + "/oauth/token", key))
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    right = token_by_assertion(idp, code, request.verifier, assertion(client_id, idp.url + "/oauth/token", key))
    assert right.status_code == 400 and right.json()["error"] == "invalid_grant"


def test_an_expired_code_is_refused(idp: Idp) -> None:
    client_id, key = idp.key_client()
    code, request = code_for(idp, client_id)
    idp.clock.offset = timedelta(seconds=idp.provider.settings.code_seconds + 1)
    answer = token_by_assertion(idp, code, request.verifier, assertion(client_id, idp.url + "/oauth/token", key))
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_grant"


@pytest.mark.parametrize("problem", ["expired", "forged", "replayed", "other audience", "too long-lived", "not a JWT"])
def test_a_bad_client_assertion_is_an_invalid_client(idp: Idp, problem: str) -> None:
    client_id, key = idp.key_client()
    code, request = code_for(idp, client_id)
    audience = idp.url + "/oauth/token"
    signed = {
        "expired": lambda: assertion(client_id, audience, key, iat=1_600_000_000, exp=1_600_000_060),
        "forged": lambda: assertion(client_id, audience, new_client_key()[0]),
        "other audience": lambda: assertion(client_id, "https://elsewhere.example/token", key),
        "too long-lived": lambda: assertion(client_id, audience, key, exp=2_000_000_000_0),
        "not a JWT": lambda: "not-a-jwt",
        "replayed": lambda: assertion(client_id, audience, key, jti="used-once"),
    }[problem]()
    if problem == "replayed":  # the same assertion id was used before
        other_code, other = code_for(idp, client_id)
        assert token_by_assertion(idp, other_code, other.verifier, signed).status_code == 200
    answer = token_by_assertion(idp, code, request.verifier, signed)
    assert answer.status_code in (400, 401) and answer.json()["error"] == "invalid_client", answer.text


def test_a_client_must_authenticate_the_way_it_was_registered(idp: Idp) -> None:
    key_client, _key = idp.key_client()
    secret_client, secret = idp.secret_client()
    code, request = code_for(idp, key_client)
    answer = requests.post(idp.url + "/oauth/token", auth=(key_client, "guess"), data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, "code_verifier": request.verifier}, timeout=10)
    assert answer.status_code == 401 and answer.json()["error"] == "invalid_client"
    code, request = code_for(idp, secret_client)
    wrong = requests.post(idp.url + "/oauth/token", auth=(secret_client, secret + "x"), data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, "code_verifier": request.verifier}, timeout=10)
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
    other_redirect = requests.post(idp.url + "/oauth/token", auth=(secret_client, secret), data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT + "x", "code_verifier": request.verifier}, timeout=10)
    assert other_redirect.status_code == 400 and other_redirect.json()["error"] == "invalid_grant"


@pytest.mark.parametrize("body, headers", [
    (b'{"grant_type": "authorization_code"}', {"Content-Type": "application/json"}),
    (b"grant_type=authorization_code&grant_type=authorization_code", {"Content-Type": "application/x-www-form-urlencoded"}),
    (b"grant_type=password&username=a&password=b", {"Content-Type": "application/x-www-form-urlencoded"}),
    (b"grant_type=authorization_code&code=x", {"Content-Type": "application/x-www-form-urlencoded"}),
    (b"\xff\xfe", {"Content-Type": "application/x-www-form-urlencoded"}),
    (b"", {}),
])
def test_a_malformed_token_request_is_a_4xx_with_an_oauth_error(idp: Idp, body: bytes, headers: dict) -> None:
    answer = requests.post(idp.url + "/oauth/token", data=body, headers=headers, timeout=10)
    assert 400 <= answer.status_code < 500 and answer.json()["error"] in ("invalid_request", "invalid_client", "unsupported_grant_type")
    assert answer.headers["cache-control"] == "no-store"


def test_userinfo_needs_a_valid_bearer_token(idp: Idp) -> None:
    for headers in ({}, {"Authorization": "Basic abc"}, {"Authorization": "Bearer nonsense"}):
        answer = requests.get(idp.url + "/oidc/userinfo", headers=headers, timeout=10)
        assert answer.status_code == 401 and answer.headers["www-authenticate"].startswith("Bearer")


def test_forms_refuse_a_missing_or_wrong_csrf_token_and_another_browser(idp: Idp) -> None:
    from tenfold.identity.browser import Browser

    client_id, _key = idp.key_client()
    resident = idp.resident()
    browser = Browser()
    page = browser.request("GET", authorization(idp, client_id).url)
    fields = page.hidden()
    form = [("transaction", fields["transaction"]), ("personal_code", resident.person_id), ("password", resident.password), ("totp", "000000")]
    assert browser.request("POST", idp.url + "/authorize/login", form + [("csrf_token", "forged")]).status == 400
    assert browser.request("POST", idp.url + "/authorize/login", form).status == 400
    stranger = Browser()
    assert stranger.request("POST", idp.url + "/authorize/login", form + [("csrf_token", fields["csrf_token"])]).status == 400
    assert browser.request("POST", idp.url + "/authorize/consent", [("transaction", fields["transaction"]),
                                                                       ("csrf_token", fields["csrf_token"]), ("decision", "allow")]).status == 400
