"""English and Traditional Chinese for every user-facing string.

Source strings are English; translations live in Babel/gettext catalogues under
``tenfold/locale/<locale>/LC_MESSAGES/*.po`` (one file per building block, merged on load).
Mark a string with ``_()`` (or ``N_()`` where it must stay untranslated until shown) so that
``pybabel extract`` finds it; the test suite fails when a marked string has no zh-Hant text.
Never put ``_()`` inside an f-string: the extractor cannot see it there.
The language is a context variable, so a web request and a CLI run each pick their own.
"""

from __future__ import annotations

from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path

from babel.messages.pofile import read_po

LANGUAGES = ("en", "zh-Hant")
LOCALE_DIR = Path(__file__).parent / "locale"
_LOCALE_OF = {"zh-Hant": "zh_Hant"}

current_language: ContextVar[str] = ContextVar("tenfold_language", default="en")


def normalise_language(tag: str | None) -> str:
    """Map a language tag (``zh-TW``, ``zh-hant``, ``en-GB``...) onto a supported language."""
    if not tag:
        return "en"
    tag = tag.strip().lower().replace("_", "-")
    if tag.startswith("zh"):
        return "zh-Hant"
    return "en"


def language_from_accept(header: str | None) -> str:
    """Pick a language from an HTTP Accept-Language header (highest q wins)."""
    if not header:
        return "en"
    best, best_q = "en", -1.0
    for part in header.split(","):
        bits = part.strip().split(";")
        q = 1.0
        for bit in bits[1:]:
            if bit.strip().startswith("q="):
                try:
                    q = float(bit.strip()[2:])
                except ValueError:
                    q = 0.0
        tag = bits[0].strip().lower()
        if (tag.startswith("zh") or tag.startswith("en")) and q > best_q:
            best, best_q = normalise_language(tag), q
    return best


@lru_cache(maxsize=None)
def catalogue(language: str) -> dict[str, str]:
    """The translations of one language, read once from its .po file."""
    locale = _LOCALE_OF.get(language)
    if locale is None:
        return {}
    merged: dict[str, str] = {}
    for path in sorted((LOCALE_DIR / locale / "LC_MESSAGES").glob("*.po")):
        with path.open("rb") as handle:
            po = read_po(handle)
        merged.update({m.id: m.string for m in po if m.id and isinstance(m.id, str) and m.string and not m.fuzzy})
    return merged


def gettext(message: str, language: str | None = None) -> str:
    """Translate ``message`` into ``language`` (default: the current context's language)."""
    language = language or current_language.get()
    if language == "en":
        return message
    return catalogue(language).get(message, message)


_ = gettext


def N_(message: str) -> str:
    """Mark a message for extraction without translating it yet (e.g. an exception text
    that is translated when it is shown)."""
    return message


def both(message: str) -> dict[str, str]:
    """A message in every supported language, for JSON bodies that carry both."""
    return {language: gettext(message, language) for language in LANGUAGES}
