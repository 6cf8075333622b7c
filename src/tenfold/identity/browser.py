"""A scripted resident: fills in the provider's sign-in and consent forms the way a browser
without JavaScript would (cookies kept, forms posted, the final redirect not followed). The demo,
the login benchmark and the tests use it; it is not part of the provider.
"""

from __future__ import annotations

import http.client
import re
from dataclasses import dataclass, field
from html import unescape
from urllib.parse import urlencode, urlsplit

import pyotp

_HIDDEN = re.compile(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"')
_ERROR = re.compile(r'<div class="error" role="alert"[^>]*><p>(.*?)</p>', re.S)


class SignInRefused(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(f"{status}: {message}")
        self.status, self.message = status, message


@dataclass
class Page:
    status: int
    headers: dict[str, str]
    body: str

    def hidden(self) -> dict[str, str]:
        return {name: unescape(value) for name, value in _HIDDEN.findall(self.body)}

    def error(self) -> str:
        found = _ERROR.search(self.body)
        return unescape(found.group(1)) if found else self.body[:200]


@dataclass
class Browser:
    """One browser: kept-alive connections per origin and its cookies (by name; one provider)."""

    timeout: float = 30.0
    cookies: dict[str, str] = field(default_factory=dict)
    _connections: dict[str, http.client.HTTPConnection] = field(default_factory=dict)

    def request(self, method: str, url: str, form: list[tuple[str, str]] | None = None) -> Page:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}
        body = None
        if form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        target = parts.path + ("?" + parts.query if parts.query else "")
        for attempt in (1, 2):
            connection = self._connection(origin, parts)
            try:
                connection.request(method, target, body=body, headers=headers)
                response = connection.getresponse()
                text = response.read().decode("utf-8", "replace")
                break
            except (http.client.HTTPException, ConnectionError):
                self._connections.pop(origin, None)
                if attempt == 2:
                    raise
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                cookie, _sep, _rest = value.partition(";")
                key, _eq, content = cookie.partition("=")
                if content.strip('"'):
                    self.cookies[key.strip()] = content.strip('"')
                else:
                    self.cookies.pop(key.strip(), None)
        return Page(response.status, {k.lower(): v for k, v in response.getheaders()}, text)

    def _connection(self, origin: str, parts: object) -> http.client.HTTPConnection:
        connection = self._connections.get(origin)
        if connection is None:
            split = urlsplit(origin)
            kind = http.client.HTTPSConnection if split.scheme == "https" else http.client.HTTPConnection
            connection = self._connections[origin] = kind(split.hostname or "127.0.0.1", split.port, timeout=self.timeout)
        return connection

    def sign_in(self, authorization_url: str, personal_code: str, password: str, totp_secret: str,
                refuse: set[str] | None = None, allow: bool = True) -> str:
        """From the authorization URL to the redirect back to the client (its Location)."""
        page = self.request("GET", authorization_url)
        if page.status in (302, 303):
            return page.headers["location"]
        if page.status != 200:
            raise SignInRefused(page.status, page.error())
        if 'action="/authorize/login"' in page.body:
            fields = page.hidden()
            provider = authorization_url.split("/authorize", 1)[0]
            page = self.request("POST", provider + "/authorize/login", [
                ("transaction", fields["transaction"]), ("csrf_token", fields["csrf_token"]), ("personal_code", personal_code),
                ("password", password), ("totp", pyotp.TOTP(totp_secret).now())])
            if page.status != 200:
                raise SignInRefused(page.status, page.error())
        return self.consent(authorization_url.split("/authorize", 1)[0], page, refuse or set(), allow)

    def consent(self, provider: str, page: Page, refuse: set[str], allow: bool) -> str:
        fields = page.hidden()
        offered = re.findall(r'name="claim" value="([a-z_]+)"', page.body)
        form = [("transaction", fields["transaction"]), ("csrf_token", fields["csrf_token"]), ("decision", "allow" if allow else "deny")]
        form += [("claim", claim) for claim in offered if claim not in refuse]
        answer = self.request("POST", provider + "/authorize/consent", form)
        if answer.status not in (302, 303):
            raise SignInRefused(answer.status, answer.error())
        return answer.headers["location"]

    def close(self) -> None:
        for connection in self._connections.values():
            connection.close()
        self._connections.clear()
