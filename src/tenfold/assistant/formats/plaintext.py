"""Plain text: one section; paragraphs and lines become chunks."""

from __future__ import annotations

from tenfold.assistant.formats.markdown import title_from_name
from tenfold.assistant.language import detect_language
from tenfold.assistant.models import ParsedDocument, Section


def parse_plaintext(text: str, name: str) -> ParsedDocument:
    start, end = 0, len(text)
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    sections = (Section(path=(), start=start, end=end),) if end > start else ()
    first_line = text[start:end].split("\n", 1)[0].strip()
    title = first_line if 0 < len(first_line) <= 80 else title_from_name(name)
    return ParsedDocument(title=title, language=detect_language(text), text=text, sections=sections, format="text")
