"""Benchmark: complete OpenID Connect logins per second, and the token endpoint alone.

The run makes its own identity provider in a temporary directory (SQLite, one uvicorn process
with uvloop and httptools, as ``tenfold serve`` runs it; RS256 signing keys; scrypt password
hashes at the provider's default cost), with residents held in memory in place of the
population register (so the figures are the provider's own, without the exchange reads of a
real sign-in). Load comes from Python threads on the same machine:

- complete logins: ``GET /authorize`` (login page), ``POST /authorize/login`` (personal code,
  password, TOTP), ``POST /authorize/consent`` (code), ``POST /oauth/token`` (private_key_jwt,
  PKCE), ``GET /oidc/userinfo`` (signed JWT), each resident once per TOTP time step;
- the token endpoint alone: codes made beforehand (through signed-in sessions) and assertions
  signed beforehand, then only ``POST /oauth/token`` is timed;
- for reference, one scrypt password check in this process.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import numpy as np

REDIRECT = "http://127.0.0.1:9/callback"
ACCOUNTS = 3000
PASSWORD = "bench-password-1"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _prepare(directory: Path, port: int) -> dict[str, Any]:
    """Accounts (one password hash at the default cost, shared: checking it costs the same),
    a private_key_jwt client, and the residents the server process will know."""
    from sqlalchemy import insert

    import pyotp

    from tenfold.identity import IdentitySettings, StaticPersons, open_provider
    from tenfold.identity.client import new_client_key
    from tenfold.identity.passwords import hash_password
    from tenfold.identity.tables import accounts
    from tenfold.ids import isikukood
    from tenfold.storage import make_engine
    from datetime import UTC, date, datetime, timedelta

    settings = IdentitySettings()
    provider = open_provider(make_engine(f"sqlite:///{directory / 'idp.sqlite'}"), f"http://127.0.0.1:{port}", StaticPersons({}), settings)
    digest, now = hash_password(PASSWORD, settings.scrypt_n), datetime.now(UTC)
    residents = [{"code": isikukood.generate(date(1960, 1, 1) + timedelta(days=i // 2), "F" if i % 2 else "M", i % 900), "totp": pyotp.random_base32()}
                 for i in range(ACCOUNTS)]
    with provider.engine.begin() as connection:
        connection.execute(insert(accounts), [{"person_id": r["code"], "password_hash": digest, "totp_secret": r["totp"], "kind": "demo",
                                               "status": "active", "failed_attempts": 0, "created_at": now} for r in residents])
    private, public = new_client_key()
    client_id = provider.clients.register("Benchmark portal", [REDIRECT], jwks={"keys": [public]}).client.client_id
    (directory / "residents.json").write_text(json.dumps([r["code"] for r in residents]))
    provider.engine.dispose()
    return {"residents": residents, "client_id": client_id, "private": private, "scrypt_n": settings.scrypt_n}


def serve(directory: Path, port: int) -> None:
    """The server process: the provider over the prepared database."""
    import uvicorn

    from tenfold.identity import IdentitySettings, StaticPersons, open_provider
    from tenfold.identity.api import create_identity_app
    from tenfold.storage import make_engine

    person = {"firstName": "Mari", "lastName": "Tamm", "birthDate": "1990-05-17", "sex": "F", "status": "alive", "addressId": "A-1",
              "householdId": "H-1", "email": "mari@example.test"}
    address = {"ID": "A-1", "street": "Pikk", "house": "3", "settlement": "Tallinn", "municipality": "Tallinn", "county": "Harju",
               "postalCode": "10123"}
    people = StaticPersons({code: ({**person, "ID": code}, address) for code in json.loads((directory / "residents.json").read_text())})
    people.reads = _NoList()  # type: ignore[assignment]
    settings = IdentitySettings(code_seconds=600, attempts_per_minute=10**6)
    provider = open_provider(make_engine(f"sqlite:///{directory / 'idp.sqlite'}"), f"http://127.0.0.1:{port}", people, settings)
    uvicorn.run(create_identity_app(provider), host="127.0.0.1", port=port, log_level="warning", access_log=False, loop="uvloop", http="httptools")


class _NoList(list):  # type: ignore[type-arg]
    def append(self, _item: Any) -> None:
        """The benchmark does not keep the directory's read log."""


def _start_server(directory: Path, port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen([sys.executable, __file__, "serve", str(directory), str(port)], stdout=subprocess.DEVNULL,
                               stderr=open(directory / "server.log", "wb"), env={**os.environ})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"the provider did not start; see {directory / 'server.log'}")


def _authorization(base: str, client_id: str) -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    query = urlencode({"response_type": "code", "client_id": client_id, "redirect_uri": REDIRECT, "scope": "openid profile",
                       "state": secrets.token_urlsafe(8), "nonce": secrets.token_urlsafe(8), "code_challenge": challenge,
                       "code_challenge_method": "S256", "claims": '{"userinfo":{"individual_id":{"essential":true}}}'})
    return f"{base}/authorize?{query}", verifier


def _assertion(client_id: str, base: str, private: dict[str, Any]) -> str:
    from joserfc import jwt
    from joserfc.jwk import RSAKey

    now = int(time.time())
    return jwt.encode({"alg": "RS256", "kid": private["kid"]}, {"iss": client_id, "sub": client_id, "aud": base + "/oauth/token",
                                                                "jti": secrets.token_urlsafe(12), "iat": now, "exp": now + 600},
                      RSAKey.import_key(private))


def _token(connection: http.client.HTTPConnection, client_id: str, code: str, verifier: str, signed: str) -> dict[str, Any]:
    body = urlencode({"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, "code_verifier": verifier,
                      "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", "client_assertion": signed})
    connection.request("POST", "/oauth/token", body=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
    response = connection.getresponse()
    answer = json.loads(response.read())
    if response.status != 200:
        raise RuntimeError(f"token endpoint: {response.status} {answer}")
    return dict(answer)


def _code(location: str) -> str:
    return parse_qs(urlsplit(location).query)["code"][0]


class _Logins:
    def __init__(self, base: str, prepared: dict[str, Any], port: int):
        self.base, self.prepared, self.port = base, prepared, port
        self.next, self.lock = 0, threading.Lock()
        self.latencies: list[float] = []
        self.failures: list[str] = []

    def resident(self) -> dict[str, Any]:
        with self.lock:
            resident = self.prepared["residents"][self.next % len(self.prepared["residents"])]
            self.next += 1
            return dict(resident)

    def one(self, connection: http.client.HTTPConnection) -> None:
        from tenfold.identity.browser import Browser

        resident, client_id = self.resident(), self.prepared["client_id"]
        started = time.perf_counter()
        url, verifier = _authorization(self.base, client_id)
        browser = Browser()
        try:
            location = browser.sign_in(url, resident["code"], PASSWORD, resident["totp"])
            token = _token(connection, client_id, _code(location), verifier, _assertion(client_id, self.base, self.prepared["private"]))
            connection.request("GET", "/oidc/userinfo", headers={"Authorization": "Bearer " + token["access_token"]})
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"userinfo {response.status}")
            with self.lock:
                self.latencies.append(time.perf_counter() - started)
        except Exception as error:  # counted and reported, the run goes on
            with self.lock:
                self.failures.append(f"{type(error).__name__}: {str(error)[:120]}")
        finally:
            browser.close()

    def run(self, seconds: float, concurrency: int) -> float:
        stop = time.monotonic() + seconds

        def worker() -> None:
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            while time.monotonic() < stop:
                self.one(connection)
            connection.close()

        started = time.perf_counter()
        threads = [threading.Thread(target=worker) for _ in range(concurrency)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return time.perf_counter() - started


def _codes_for_token_phase(base: str, prepared: dict[str, Any], count: int) -> list[tuple[str, str, str]]:
    """Codes made through signed-in sessions (no password check), with assertions signed now."""
    from tenfold.identity.browser import Browser

    browsers: list[Browser] = []
    made: list[tuple[str, str, str]] = []
    residents = prepared["residents"][-20:]  # not used by the login phase in its first TOTP step
    for resident in residents:
        browser = Browser()
        url, _verifier = _authorization(base, prepared["client_id"])
        browser.sign_in(url, resident["code"], PASSWORD, resident["totp"])
        browsers.append(browser)
    while len(made) < count:
        browser = browsers[len(made) % len(browsers)]
        url, verifier = _authorization(base, prepared["client_id"])
        location = browser.sign_in(url, "", "", "AAAA")  # the session skips the sign-in form
        made.append((_code(location), verifier, _assertion(prepared["client_id"], base, prepared["private"])))
    return made


def _token_phase(port: int, client_id: str, work: list[tuple[str, str, str]], concurrency: int) -> tuple[float, list[float]]:
    latencies: list[float] = []
    lock, position = threading.Lock(), [0]

    def worker() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            with lock:
                if position[0] >= len(work):
                    break
                code, verifier, signed = work[position[0]]
                position[0] += 1
            started = time.perf_counter()
            _token(connection, client_id, code, verifier, signed)
            with lock:
                latencies.append(time.perf_counter() - started)
        connection.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, latencies


def _ms(values: list[float], quantile: float) -> float | None:
    return round(float(np.quantile(values, quantile)) * 1000, 1) if values else None


def run(seconds: float = 10.0, concurrency: int = 8, token_requests: int = 1000) -> dict[str, Any]:
    from tenfold.cli.bench import percentiles
    from tenfold.identity.passwords import hash_password, verify_password

    load_before = os.getloadavg()[0]
    directory = Path(tempfile.mkdtemp(prefix="tenfold-bench-login-"))
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    prepared = _prepare(directory, port)
    server = _start_server(directory, port)
    try:
        logins = _Logins(base, prepared, port)
        elapsed = logins.run(seconds, concurrency)
        work = _codes_for_token_phase(base, prepared, token_requests)
        token_elapsed, token_latencies = _token_phase(port, prepared["client_id"], work, concurrency)
    finally:
        server.terminate()
        server.wait(timeout=30)
    stored = hash_password(PASSWORD, prepared["scrypt_n"])
    started = time.perf_counter()
    for _ in range(5):
        verify_password(PASSWORD, stored)
    return {
        "logins_per_second": round(len(logins.latencies) / elapsed, 1), "logins": len(logins.latencies), "login_failures": len(logins.failures),
        "login_failure_examples": sorted(set(logins.failures))[:3], "login_p50_ms": _ms(logins.latencies, 0.5), "login_p95_ms": _ms(logins.latencies, 0.95),
        "token_requests_per_second": round(len(token_latencies) / token_elapsed, 1), "token_requests": len(token_latencies),
        "token_p50_ms": _ms(token_latencies, 0.5), "token_p95_ms": _ms(token_latencies, 0.95),
        "latency_percentiles_ms": {"login": percentiles([v * 1000 for v in logins.latencies]),
                                   "token endpoint": percentiles([v * 1000 for v in token_latencies])},
        "scrypt_check_ms": round((time.perf_counter() - started) / 5 * 1000, 1), "scrypt_n": prepared["scrypt_n"],
        "seconds": seconds, "concurrency": concurrency, "server": "one uvicorn process (uvloop, httptools), SQLite",
        "client_auth": "private_key_jwt (RS256)", "id_token_alg": "RS256", "load_generator": "Python threads on the same machine",
        "load_average_1m": [round(load_before, 1), round(os.getloadavg()[0], 1)],  # before, after: other work on the machine
    }


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "serve":
        serve(Path(sys.argv[2]), int(sys.argv[3]))
    else:
        print(json.dumps(run(), indent=2))
