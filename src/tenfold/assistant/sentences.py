"""Lines and sentences of a text as character spans, in English and Chinese.

Spans are ``(start, end)`` offsets into the text they came from, trimmed of white space, so a
span's text is always a verbatim substring."""

from __future__ import annotations

import re

Span = tuple[int, int]

# an English stop followed by space, or a Chinese full stop / question / exclamation / semicolon
_SENTENCE_END = re.compile(r"(?<=[.!?;:])[\"'’”)\]]*(?=\s)|(?<=[。！？；])[」』”）]*")
_BULLET = re.compile(r"[-*+•][ \t]+")
_ENUMERATOR = re.compile(r"(?:\d{1,3}|[a-zA-Z]|[ivxIVX]{1,4})[.)]")


def trim(text: str, start: int, end: int) -> Span:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def lines(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Non-blank lines of ``text[start:end]``, trimmed."""
    end = len(text) if end is None else end
    spans: list[Span] = []
    position = start
    while position < end:
        newline = text.find("\n", position, end)
        line_end = end if newline < 0 else newline
        s, e = trim(text, position, line_end)
        if e > s:
            spans.append((s, e))
        position = line_end + 1
    return spans


def sentences(text: str, start: int, end: int) -> list[Span]:
    """Sentences of one line (or any span without paragraph breaks), trimmed."""
    spans: list[Span] = []
    position = start
    for match in _SENTENCE_END.finditer(text, start, end):
        cut = match.end()
        s, e = trim(text, position, cut)
        if _ENUMERATOR.fullmatch(text, s, e):  # "1." of a numbered item is not a sentence
            continue
        if e > s:
            spans.append((s, e))
        position = cut
    s, e = trim(text, position, end)
    if e > s:
        spans.append((s, e))
    return spans


def hard_split(start: int, end: int, limit: int) -> list[Span]:
    """Cut a span with no natural break into pieces of at most ``limit`` characters."""
    return [(s, min(s + limit, end)) for s in range(start, end, limit)]


def units(text: str, start: int, end: int, limit: int) -> list[Span]:
    """Lines, then sentences of lines longer than ``limit``, then hard cuts: the pieces chunks are
    packed from. Every piece is at most ``limit`` long."""
    pieces: list[Span] = []
    for ls, le in lines(text, start, end):
        if le - ls <= limit:
            pieces.append((ls, le))
            continue
        for ss, se in sentences(text, ls, le):
            pieces.extend([(ss, se)] if se - ss <= limit else hard_split(ss, se, limit))
    return pieces


def quote_units(text: str) -> list[Span]:
    """Sentences of every line with list bullets left out: what an extractive answer can quote."""
    spans: list[Span] = []
    for ls, le in lines(text):
        bullet = _BULLET.match(text, ls, le)
        if bullet:
            ls = bullet.end()
        spans.extend(sentences(text, ls, le))
    return spans
