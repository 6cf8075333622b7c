"""The assistant's domain objects: parsed documents, their sections and chunks, and the passages
that retrieval returns. Plain data, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SECTION_SEPARATOR = " > "


@dataclass(frozen=True)
class Section:
    """A span of a document's text under one heading path (``("Child Benefit", "Fostering a child")``).

    ``start``/``end`` are character offsets into :attr:`ParsedDocument.text`; ``page`` is the
    1-based page for paged formats (a section of a PDF never spans two pages here)."""

    path: tuple[str, ...]
    start: int
    end: int
    page: int | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.start <= self.end:
            raise ValueError(f"bad section span {self.start}..{self.end}")


@dataclass(frozen=True)
class PageSpan:
    number: int
    start: int
    end: int


@dataclass(frozen=True)
class ParsedDocument:
    """What a format parser makes of a file: the text every offset refers to, and its structure."""

    title: str
    language: str
    text: str
    sections: tuple[Section, ...]
    format: str
    pages: tuple[PageSpan, ...] = ()
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Chunk:
    """A retrievable piece of one section: verbatim ``text == document.text[start:end]``."""

    ordinal: int
    section_path: tuple[str, ...]
    page: int | None
    start: int
    end: int
    text: str

    def __post_init__(self) -> None:
        if len(self.text) != self.end - self.start:
            raise ValueError("a chunk's text must be exactly its span of the document")


@dataclass(frozen=True)
class Passage:
    """An indexed chunk with what a citation needs to name its source."""

    chunk_id: int
    document_id: int
    document: str  # the document key (its path as ingested)
    title: str
    document_set: str
    language: str
    ordinal: int
    section_path: tuple[str, ...]
    page: int | None
    start: int
    end: int
    text: str
    content_hash: str = ""

    def __post_init__(self) -> None:
        if len(self.text) != self.end - self.start:
            raise ValueError("a passage's text must be exactly its span of the document")

    @property
    def section(self) -> str:
        return SECTION_SEPARATOR.join(self.section_path) or self.title

    @property
    def breadcrumb(self) -> str:
        """The section path for people: without a first heading that only repeats the title."""
        path = self.section_path[1:] if self.section_path and self.section_path[0] in self.title else self.section_path
        return SECTION_SEPARATOR.join(path)

    @property
    def file_name(self) -> str:
        return self.document.rsplit("/", 1)[-1]

    def search_text(self) -> str:
        return search_text(self.title, self.section_path, self.text)


def search_text(title: str, section_path: tuple[str, ...], text: str) -> str:
    """What the analyser and the embedder see: the breadcrumb gives every chunk its context."""
    crumbs = SECTION_SEPARATOR.join((title, *[p for p in section_path if p != title]))
    return f"{crumbs}\n{text}"
