"""PDF (pypdf): the text layer page by page; bookmarks (the outline), when present, give sections.

The document text is the pages' text joined by a blank line; every section is cut at page
boundaries, so a chunk, and so a citation, always names the one page it is on."""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from typing import Any

from tenfold.assistant.formats.errors import UnreadableDocument
from tenfold.assistant.formats.markdown import title_from_name
from tenfold.assistant.language import detect_language
from tenfold.assistant.models import PageSpan, ParsedDocument, Section

PAGE_SEPARATOR = "\n\n"


@dataclass(frozen=True)
class _Bookmark:
    path: tuple[str, ...]
    page_index: int


def parse_pdf(data: bytes, name: str) -> ParsedDocument:
    reader = _open(data, name)
    texts = [_page_text(reader, index, name) for index in range(_page_count(reader, name))]
    pages, text = _join(texts)
    if not text.strip():
        raise UnreadableDocument(f"{name}: the PDF has no text layer (a scanned PDF needs OCR, which Tenfold does not do)")
    bookmarks = _bookmarks(reader)
    sections = _sections(text, pages, bookmarks)
    return ParsedDocument(
        title=_title(reader, text, name), language=detect_language(text), text=text, sections=tuple(sections),
        format="pdf", pages=tuple(pages),
    )


def _open(data: bytes, name: str) -> Any:
    from pypdf import PdfReader

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise UnreadableDocument(f"{name}: the PDF is encrypted with a password")
        return reader
    except UnreadableDocument:
        raise
    except Exception as error:  # pypdf raises many kinds on damaged files
        raise UnreadableDocument(f"{name}: not a readable PDF ({type(error).__name__}: {error})") from None


def _page_count(reader: Any, name: str) -> int:
    try:
        return len(reader.pages)
    except Exception as error:
        raise UnreadableDocument(f"{name}: the PDF's page tree is damaged ({type(error).__name__}: {error})") from None


def _page_text(reader: Any, index: int, name: str) -> str:
    try:
        raw = reader.pages[index].extract_text() or ""
    except Exception as error:
        raise UnreadableDocument(f"{name}: page {index + 1} cannot be read ({type(error).__name__}: {error})") from None
    lines = [line.rstrip() for line in raw.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return "\n".join(lines).strip("\n")


def _join(texts: list[str]) -> tuple[list[PageSpan], str]:
    pages: list[PageSpan] = []
    parts: list[str] = []
    offset = 0
    for number, page_text in enumerate(texts, start=1):
        if parts:
            parts.append(PAGE_SEPARATOR)
            offset += len(PAGE_SEPARATOR)
        pages.append(PageSpan(number=number, start=offset, end=offset + len(page_text)))
        parts.append(page_text)
        offset += len(page_text)
    return pages, "".join(parts)


def _bookmarks(reader: Any) -> list[_Bookmark]:
    found: list[_Bookmark] = []

    def walk(items: list[Any], parents: tuple[str, ...]) -> None:
        last: tuple[str, ...] = parents
        for item in items:
            if isinstance(item, list):
                walk(item, last)
                continue
            try:
                title = str(item.title).strip()
                page_index = reader.get_destination_page_number(item)
            except Exception:
                continue
            if title and page_index is not None and page_index >= 0:
                last = (*parents, title)
                found.append(_Bookmark(path=last, page_index=page_index))

    try:
        walk(list(reader.outline), ())
    except Exception:
        return []
    return sorted(found, key=lambda b: b.page_index)


def _sections(text: str, pages: list[PageSpan], bookmarks: list[_Bookmark]) -> list[Section]:
    """Sections from the outline (each starts where its title appears on its page, else at the page
    top), then cut at page boundaries."""
    starts: list[tuple[int, tuple[str, ...]]] = [(0, ())]
    for mark in bookmarks:
        if mark.page_index >= len(pages):
            continue
        page = pages[mark.page_index]
        found = text.find(mark.path[-1], page.start, page.end)
        position = found if found >= 0 else page.start
        position = max(position, starts[-1][0])
        starts.append((position, mark.path))
    sections: list[Section] = []
    for index, (start, path) in enumerate(starts):
        end = starts[index + 1][0] if index + 1 < len(starts) else len(text)
        for page in pages:
            lo, hi = max(start, page.start), min(end, page.end)
            lo, hi = _trim(text, lo, hi)
            if hi > lo:
                sections.append(Section(path=path, start=lo, end=hi, page=page.number))
    return sections


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _title(reader: Any, text: str, name: str) -> str:
    try:
        declared = reader.metadata.title if reader.metadata else None
    except Exception:
        declared = None
    if isinstance(declared, str) and declared.strip():
        return declared.strip()
    first_line = text.strip().split("\n", 1)[0].strip()
    return first_line if 0 < len(first_line) <= 120 else title_from_name(name)
