"""Parsers per file format, each turning a file into a :class:`ParsedDocument`."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from tenfold.assistant.formats.errors import UnreadableDocument, UnsupportedFormat
from tenfold.assistant.formats.html import parse_html
from tenfold.assistant.formats.markdown import parse_markdown
from tenfold.assistant.formats.pdf import parse_pdf
from tenfold.assistant.formats.plaintext import parse_plaintext
from tenfold.assistant.language import language_from_name
from tenfold.assistant.models import ParsedDocument

FORMATS = {
    ".md": "markdown", ".markdown": "markdown", ".txt": "text", ".text": "text",
    ".html": "html", ".htm": "html", ".pdf": "pdf",
}


def is_supported(path: Path) -> bool:
    return path.suffix.lower() in FORMATS


def parse_bytes(data: bytes, name: str) -> ParsedDocument:
    """Parse a file's content; ``name`` (its path) chooses the format by its suffix. A language
    declared in the document wins over one in the file name, which wins over detection."""
    document = _parse(data, name)
    named = language_from_name(name)
    if named and not (document.metadata.get("language") or document.metadata.get("lang")):
        document = dataclasses.replace(document, language=named)
    return document


def _parse(data: bytes, name: str) -> ParsedDocument:
    suffix = Path(name).suffix.lower()
    kind = FORMATS.get(suffix)
    if kind is None:
        supported = ", ".join(sorted(FORMATS))
        raise UnsupportedFormat(f"{name}: unsupported file type {suffix or '(none)'!r} (supported: {supported})")
    if kind == "pdf":
        return parse_pdf(data, name)
    text = _decode(data, name)
    if kind == "markdown":
        return parse_markdown(text, name)
    if kind == "html":
        return parse_html(text, name)
    return parse_plaintext(text, name)


def _decode(data: bytes, name: str) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UnreadableDocument(f"{name}: not UTF-8 text (byte {error.start})") from None
    if "\x00" in text:
        raise UnreadableDocument(f"{name}: binary content in a text file")
    return text.replace("\r\n", "\n").replace("\r", "\n")


__all__ = ["FORMATS", "UnreadableDocument", "UnsupportedFormat", "is_supported", "parse_bytes"]
