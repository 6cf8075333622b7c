"""What keeps the portal's pages safe: security headers on every answer (a Content Security
Policy without 'unsafe-inline', no framing, no caching of personal pages), CSRF checks on every
form, and rate limits on sign-in and confirmation."""

from __future__ import annotations

import time
from collections import deque
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tenfold.errors import TenfoldError


def content_security_policy(form_targets: tuple[str, ...] = ()) -> str:
    """Scripts, styles, fonts and images only from the portal itself; forms may also go to the
    identity provider (a sign-in form's redirect is checked against form-action)."""
    forms = " ".join(("'self'", *form_targets))
    return ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
            f"connect-src 'self'; form-action {forms}; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class SecurityHeaders:
    """Adds the headers to every response (a plain ASGI middleware, cheap per request)."""

    def __init__(self, app: ASGIApp, policy: str, secure: bool):
        self.app = app
        headers = [
            (b"content-security-policy", policy.encode()), (b"x-frame-options", b"DENY"),
            (b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"same-origin"),
            (b"cross-origin-opener-policy", b"same-origin"), (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
        ]
        if secure:
            headers.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))
        self.headers = headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope.get("path", "").startswith("/static/")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _v in message.get("headers", [])}
                extra = [(k, v) for k, v in self.headers if k not in present]
                if not static and b"cache-control" not in present:
                    extra.append((b"cache-control", b"no-store"))
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, with_headers)


class Throttled(TenfoldError):
    """Too many attempts in a short time; try again after ``retry_after`` seconds."""

    def __init__(self, retry_after: int):
        super().__init__(f"too many attempts; try again in {retry_after} s")
        self.retry_after = retry_after


class RateLimit:
    """At most ``per_minute`` events per key in any sliding minute (in memory: one portal process
    per host; behind a load balancer each node limits its own share)."""

    def __init__(self, per_minute: int, clock=time.monotonic):  # type: ignore[no-untyped-def]
        self.per_minute, self.clock = per_minute, clock
        self.seen: dict[str, deque[float]] = {}

    def check(self, key: str) -> None:
        now = self.clock()
        window = self.seen.setdefault(key, deque())
        while window and window[0] <= now - 60:
            window.popleft()
        if len(window) >= self.per_minute:
            raise Throttled(max(1, int(60 - (now - window[0])) + 1))
        window.append(now)
        if len(self.seen) > 100_000:  # forget idle keys rather than grow without bound
            for stale in [k for k, v in self.seen.items() if not v or v[-1] <= now - 60]:
                del self.seen[stale]


def same_origin(origin: str | None, referer: str | None, public: str) -> bool:
    """A form post must come from the portal's own pages (when the browser says where from)."""
    if origin and origin != "null":
        return origin == public
    if referer:
        return origin_of(referer) == public
    return True
