"""Server-rendered pages of the assistant (Jinja2): the caseworker's question page and the source
view. They work without JavaScript, in English and Traditional Chinese."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape

from tenfold.assistant.citations import Citation, CitationError
from tenfold.assistant.models import Passage
from tenfold.i18n import LANGUAGES, gettext

TEMPLATES = Path(__file__).parent / "templates"
LANGUAGE_NAMES = {"en": "English", "zh-Hant": "繁體中文"}

_environment = Environment(
    loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True,
)


@dataclass(frozen=True)
class Segment:
    text: str
    marked: bool


def highlight(passage: Passage, start: int | None, end: int | None) -> list[Segment]:
    """The passage text cut into plain and marked parts; marked only where a valid citation is."""
    if start is None or end is None:
        return [Segment(passage.text, False)]
    try:
        citation = Citation.of_span(passage, start - passage.start, end - passage.start)
    except (CitationError, ValueError):
        return [Segment(passage.text, False)]
    local_start, local_end = citation.start - passage.start, citation.end - passage.start
    parts = [Segment(passage.text[:local_start], False), Segment(citation.quote, True), Segment(passage.text[local_end:], False)]
    return [p for p in parts if p.text]


def url(path: str, params: Mapping[str, Any]) -> str:
    """``path`` with the non-empty ``params`` as a query string (lists repeat their key)."""
    pairs: list[tuple[str, str]] = []
    for key, value in params.items():
        values = value if isinstance(value, (list, tuple)) else [value]
        pairs.extend((key, str(v)) for v in values if v not in (None, ""))
    return f"{path}?{urlencode(pairs)}" if pairs else path


def language_links(path: str, params: Mapping[str, Any], current: str) -> list[dict[str, Any]]:
    """One link per language to the same page with the same question."""
    return [{"language": language, "name": LANGUAGE_NAMES[language], "current": language == current,
             "url": url(path, {**params, "lang": language})} for language in LANGUAGES]


def render(template: str, language: str, **context: Any) -> str:
    def translate(message: str) -> str:
        return gettext(message, language)

    return _environment.get_template(template).render(_=translate, language=language, url=url, **context)


def citation_link(citation: Citation, language: str) -> str:
    return url(f"/assistant/sources/{citation.passage.chunk_id}",
               {"start": citation.start, "end": citation.end, "lang": language})


def passage_link(passage: Passage, language: str) -> str:
    return url(f"/assistant/sources/{passage.chunk_id}", {"lang": language})


def citation_views(citations: Sequence[Citation], language: str) -> list[dict[str, Any]]:
    return [{"citation": c, "segments": highlight(c.passage, c.start, c.end), "link": citation_link(c, language)}
            for c in citations]
