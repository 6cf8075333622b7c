"""Heading-aware chunks: each section of a document is cut into pieces that keep its heading
path, page and character offsets, never crossing a section (so never a page) boundary.

Lines are packed greedily up to a size that depends on the language: Chinese carries about twice
the information per character, so its chunks are half as long. No overlap: neighbouring chunks
are fetched at query time instead."""

from __future__ import annotations

from tenfold.assistant.models import Chunk, ParsedDocument, Section
from tenfold.assistant.sentences import Span, units

MAX_CHARS = {"en": 1000, "zh-Hant": 500}


def max_chars_for(language: str) -> int:
    return MAX_CHARS.get(language, MAX_CHARS["en"])


def chunk_document(document: ParsedDocument, max_chars: int | None = None) -> list[Chunk]:
    limit = max_chars or max_chars_for(document.language)
    if limit < 1:
        raise ValueError("max_chars must be positive")
    chunks: list[Chunk] = []
    for section in document.sections:
        for start, end in _pack(document.text, units(document.text, section.start, section.end, limit), limit):
            chunks.append(_chunk(document, section, len(chunks), start, end))
    return chunks


def _chunk(document: ParsedDocument, section: Section, ordinal: int, start: int, end: int) -> Chunk:
    return Chunk(ordinal=ordinal, section_path=section.path, page=section.page, start=start, end=end,
                 text=document.text[start:end])


def _pack(text: str, pieces: list[Span], limit: int) -> list[Span]:
    """Join consecutive pieces while the joined span stays within ``limit``; a blank line is a
    preferred place to cut once a chunk is half full."""
    spans: list[Span] = []
    current: Span | None = None
    for start, end in pieces:
        if current is None:
            current = (start, end)
            continue
        too_long = end - current[0] > limit
        paragraph_break = "\n\n" in text[current[1]:start] and current[1] - current[0] >= limit // 2
        if too_long or paragraph_break:
            spans.append(current)
            current = (start, end)
        else:
            current = (current[0], end)
    if current is not None:
        spans.append(current)
    return spans
