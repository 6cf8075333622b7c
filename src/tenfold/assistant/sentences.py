"""Lines and sentences of a text as character spans, in English and Chinese.

Spans are ``(start, end)`` offsets into the text they came from, trimmed of white space, so a
span's text is always a verbatim substring."""

from __future__ import annotations

import re

Span = tuple[int, int]

# an English stop followed by space, or a Chinese full stop / question / exclamation / semicolon
_SENTENCE_END = re.compile(r"(?<=[.!?;])[\"'’”)\]]*(?=\s)|(?<=[。！？；])[」』”）]*")
# emphasis markers left over at a sentence's edge ("** Next sentence", "end of one **")
_LEADING_MARKERS = re.compile(r"[*_]+\s+")
_TRAILING_MARKERS = re.compile(r"\s+[*_]+$")
_BULLET = re.compile(r"[-*+•][ \t]+")
# a line that starts a block of its own: list items, numbered items (1. / 一、 / (一)), table rows
_BLOCK_START = re.compile(r"[ \t]*(?:[-*+•][ \t]|\d{1,3}[.)][ \t]|[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[)）]|\|)")
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


def blocks(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Paragraphs and items: lines joined until a blank line or a line that starts an item, so a
    hard-wrapped paragraph is one block and every list item or table row is its own."""
    result: list[Span] = []
    previous_end = None
    for line_start, line_end in lines(text, start, end):
        gap = text[previous_end:line_start] if previous_end is not None else ""
        joins = (result and gap.count("\n") == 1 and not _BLOCK_START.match(text, line_start, line_end)
                 and not text.startswith("|", result[-1][0]))
        if joins:
            result[-1] = (result[-1][0], line_end)
        else:
            result.append((line_start, line_end))
        previous_end = line_end
    return result


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
    """Blocks, then sentences of blocks longer than ``limit``, then hard cuts: the pieces chunks
    are packed from. Every piece is at most ``limit`` long."""
    pieces: list[Span] = []
    for ls, le in blocks(text, start, end):
        if le - ls <= limit:
            pieces.append((ls, le))
            continue
        for ss, se in sentences(text, ls, le):
            pieces.extend([(ss, se)] if se - ss <= limit else hard_split(ss, se, limit))
    return pieces


def quote_units(text: str) -> list[Span]:
    """Sentences of every block with list bullets left out: what an extractive answer can quote."""
    spans: list[Span] = []
    for ls, le in blocks(text):
        bullet = _BULLET.match(text, ls, le)
        if bullet:
            ls = bullet.end()
        spans.extend(_without_markers(text, s, e) for s, e in sentences(text, ls, le))
    return [(s, e) for s, e in spans if e > s]


def _without_markers(text: str, start: int, end: int) -> Span:
    leading = _LEADING_MARKERS.match(text, start, end)
    if leading:
        start = leading.end()
    trailing = _TRAILING_MARKERS.search(text, start, end)
    if trailing:
        end = trailing.start()
    return start, end
