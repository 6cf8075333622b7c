"""Citations that cannot lie: a :class:`Citation` exists only if its quote is, character for
character, the stored passage text at ``[start, end)`` (offsets into the document's text).

Quotes proposed by anyone else (a language model, a form) go through :func:`locate`, which
finds them in the passage, tolerating only differences of white space, letter case, quote marks
and dashes, and then cites the *source's* characters, never the proposal's."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

from tenfold.assistant.models import Passage
from tenfold.errors import TenfoldError

_QUOTES = {"‘": "'", "’": "'", "‚": "'", "‛": "'", "“": '"', "”": '"', "„": '"', "「": '"', "」": '"', "『": '"', "』": '"'}
_DASHES = {"‐", "‑", "‒", "–", "—", "―", "−"}


class CitationError(TenfoldError):
    """A quote that is not in the passage it claims to come from."""


@dataclass(frozen=True)
class Citation:
    passage: Passage
    start: int
    end: int
    quote: str

    def __post_init__(self) -> None:
        p = self.passage
        if not (p.start <= self.start < self.end <= p.end):
            raise CitationError(f"span {self.start}..{self.end} is outside passage {p.chunk_id} ({p.start}..{p.end})")
        if p.text[self.start - p.start:self.end - p.start] != self.quote:
            raise CitationError(f"the quote is not the text of passage {p.chunk_id} at {self.start}..{self.end}")

    @classmethod
    def of_span(cls, passage: Passage, local_start: int, local_end: int) -> "Citation":
        """Cite ``passage.text[local_start:local_end]``."""
        return cls(passage, passage.start + local_start, passage.start + local_end,
                   passage.text[local_start:local_end])

    def to_dict(self) -> dict[str, Any]:
        p = self.passage
        return {
            "chunk_id": p.chunk_id, "document": p.document, "title": p.title, "document_set": p.document_set,
            "section": p.section, "section_path": list(p.section_path), "page": p.page,
            "quote": self.quote, "start": self.start, "end": self.end,
        }


def cite(passage: Passage, quote: str) -> Citation:
    """A citation of ``quote`` in ``passage`` or :class:`CitationError`."""
    span = locate(passage.text, quote)
    if span is None:
        raise CitationError(f"the quote is not in passage {passage.chunk_id}: {quote[:80]!r}")
    return Citation.of_span(passage, *span)


def locate(text: str, quote: str) -> tuple[int, int] | None:
    """Where ``quote`` is in ``text`` as ``(start, end)``, exactly or up to white space, case, quote
    marks and dashes; ``None`` when it is not there."""
    quote = quote.strip()
    if not quote:
        return None
    exact = text.find(quote)
    if exact >= 0:
        return exact, exact + len(quote)
    folded_text, origin = _fold(text)
    folded_quote, _ = _fold(quote)
    folded_quote = folded_quote.strip()
    if not folded_quote:
        return None
    found = folded_text.find(folded_quote)
    if found < 0:
        return None
    start = origin[found]
    end = origin[found + len(folded_quote) - 1] + 1
    return start, end


def _fold(text: str) -> tuple[str, list[int]]:
    """A comparison form of ``text`` and, for each of its characters, the index it came from."""
    out: list[str] = []
    origin: list[int] = []
    previous_space = False
    for index, char in enumerate(text):
        if char.isspace():
            if not previous_space:
                out.append(" ")
                origin.append(index)
            previous_space = True
            continue
        previous_space = False
        char = _QUOTES.get(char, char)
        char = "-" if char in _DASHES else char
        for piece in unicodedata.normalize("NFKC", char).casefold():
            out.append(piece)
            origin.append(index)
    return "".join(out), origin
