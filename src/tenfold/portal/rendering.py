"""Pages: Jinja2 templates in the language of the request, with money, dates and times in the
reader's conventions (Babel) and local time, and links that switch the language on the same page."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal
from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from tenfold.i18n import LANGUAGES, current_language, gettext

TEMPLATES = Path(__file__).parent / "templates"
LANGUAGE_NAMES = {"en": "English", "zh-Hant": "繁體中文"}
BABEL_LOCALE = {"en": "en_GB", "zh-Hant": "zh_Hant_TW"}


def _locale() -> str:
    return BABEL_LOCALE.get(current_language.get(), "en_GB")


def money(cents: int | None, currency: str = "EUR") -> str:
    if cents is None:
        return "–"
    return format_currency(Decimal(int(cents)) / 100, currency, locale=_locale())


def number(value: int | float | None) -> str:
    return "–" if value is None else format_decimal(value, locale=_locale())


class Clock:
    """Local time for people: storage is UTC, pages show the portal's zone."""

    def __init__(self, zone: str):
        self.zone = ZoneInfo(zone)

    def moment(self, value: str | datetime | None) -> str:
        if not value:
            return "–"
        moment = datetime.fromisoformat(value.replace("Z", "+00:00")) if isinstance(value, str) else value
        return format_datetime(moment.astimezone(self.zone), "medium", locale=_locale())

    def day(self, value: str | date | None) -> str:
        if not value:
            return "–"
        found = date.fromisoformat(value[:10]) if isinstance(value, str) else value
        return format_date(found, "long", locale=_locale())

    def month(self, value: str | None) -> str:
        if not value:
            return "–"
        return format_date(date.fromisoformat(value[:7] + "-01"), "MMMM y" if current_language.get() == "en" else "y年M月", locale=_locale())


def language_links(request: Request) -> list[dict[str, Any]]:
    """The same page in each language (the ``lang`` parameter; the choice is kept in a cookie)."""
    params = [(k, v) for k, v in parse_qsl(request.url.query, keep_blank_values=True) if k != "lang"]
    links = []
    for language in LANGUAGES:
        query = urlencode([*params, ("lang", language)])
        links.append({"language": language, "name": LANGUAGE_NAMES[language], "current": language == current_language.get(),
                      "url": f"{request.url.path}?{query}"})
    return links


class Pages:
    def __init__(self, clock: Clock, member_names: dict[str, dict[str, str]] | None = None):
        self.environment = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html", "svg"]),
                                       trim_blocks=True, lstrip_blocks=True)
        self.environment.globals.update(_=gettext, money=money, number=number, moment=clock.moment, day=clock.day,
                                        month=clock.month)
        names = member_names or {}
        self.environment.filters["member_name"] = lambda member: translated(names.get(member)) or member
        self.clock = clock

    def render(self, request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        session = getattr(request.state, "session", None)
        body = self.environment.get_template(template).render(
            request=request, session=session, language=current_language.get(), languages=language_links(request),
            csrf_token=session.csrf_token if session else "", path=request.url.path, **context)
        return HTMLResponse(body, status_code=status)

    def fragment(self, template: str, **context: Any) -> str:
        return self.environment.get_template(template).render(language=current_language.get(), **context)


def translated(text: dict[str, str] | str | None) -> str:
    """A ``{"en": ..., "zh-Hant": ...}`` text from another member, in the reader's language."""
    if text is None:
        return ""
    if isinstance(text, str):
        return gettext(text)
    return text.get(current_language.get()) or text.get("en") or next(iter(text.values()), "")
