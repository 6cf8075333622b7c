"""The provider's web pages (Jinja2): sign-in, consent and messages, in English and Traditional
Chinese, plain HTML forms that work without JavaScript. Pages are never cached, never framed,
and load nothing from elsewhere."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape

from tenfold.i18n import LANGUAGES, gettext

TEMPLATES = Path(__file__).parent / "templates"
LANGUAGE_NAMES = {"en": "English", "zh-Hant": "繁體中文"}
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store", "Pragma": "no-cache",
}
STYLESHEET = """
body { font-family: system-ui, "Noto Sans TC", sans-serif; line-height: 1.5; margin: 0; color: #1b1b1b; }
header, main, footer { max-width: 36rem; margin: 0 auto; padding: 0 1rem; }
header { display: flex; justify-content: space-between; align-items: baseline; border-bottom: 4px solid #005ea2; }
footer { font-size: .9rem; color: #454545; margin-top: 2rem; }
a { color: #005ea2; } a:focus, button:focus, input:focus { outline: 3px solid #ffbf47; outline-offset: 2px; }
.skip { position: absolute; left: -999px; } .skip:focus { left: 1rem; top: 1rem; background: #fff; }
label { display: block; font-weight: 600; margin-top: 1rem; } label.inline { display: inline; margin: 0; }
.hint { color: #454545; margin: .2rem 0; }
input[type=text], input[type=password] { width: 100%; font: inherit; padding: .4rem; border: 2px solid #1b1b1b; box-sizing: border-box; }
input[type=checkbox] { width: 1.3rem; height: 1.3rem; vertical-align: middle; }
fieldset { border: 0; padding: 0; } legend { font-weight: 600; }
ul.claims { list-style: none; padding: 0; } ul.claims li { padding: .4rem 0; border-bottom: 1px solid #dfe1e2; }
.tag { font-size: .85rem; color: #454545; }
button { font: inherit; padding: .5rem 1rem; margin: 1rem .5rem 0 0; background: #005ea2; color: #fff; border: 0; cursor: pointer; }
button.secondary { background: #fff; color: #005ea2; border: 2px solid #005ea2; }
.error { border-left: 4px solid #b50909; padding: .5rem 1rem; background: #f4e3db; }
.notice { border-left: 4px solid #00a91c; padding: .5rem 1rem; background: #ecf3ec; }
nav.languages a[aria-current] { font-weight: 700; text-decoration: none; color: #1b1b1b; }
"""

_environment = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]),
                           trim_blocks=True, lstrip_blocks=True)


def language_links(path: str, params: dict[str, str], current: str) -> list[dict[str, Any]]:
    return [{"language": language, "name": LANGUAGE_NAMES[language], "current": language == current,
             "url": f"{path}?{urlencode({**params, 'lang': language})}"} for language in LANGUAGES]


def render(template: str, language: str, **context: Any) -> str:
    def translate(message: str) -> str:
        return gettext(message, language)

    return _environment.get_template(template).render(_=translate, language=language, **context)
