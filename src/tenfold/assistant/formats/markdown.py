"""Markdown: ATX headings (``#`` .. ``######``) outside code fences give the section tree.

The document text is the file itself (newlines normalised), so every offset can be checked
against the file a human opens."""

from __future__ import annotations

import re

from tenfold.assistant.formats.frontmatter import split_front_matter
from tenfold.assistant.language import language_tag
from tenfold.assistant.models import ParsedDocument, Section

HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")
FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def parse_markdown(text: str, name: str) -> ParsedDocument:
    metadata, body_start = split_front_matter(text)
    sections, first_h1 = _sections(text, body_start)
    title = _title(metadata.get("title"), first_h1, name)
    language = language_tag(metadata.get("language") or metadata.get("lang"), text[body_start:])
    return ParsedDocument(title=title, language=language, text=text, sections=tuple(sections),
                          format="markdown", metadata=metadata)


def _title(declared: object, first_h1: str | None, name: str) -> str:
    if isinstance(declared, str) and declared.strip():
        return declared.strip()
    return first_h1 or title_from_name(name)


def title_from_name(name: str) -> str:
    stem = name.rsplit("/", 1)[-1].split(".", 1)[0]
    return stem.replace("-", " ").replace("_", " ").strip() or name


def _sections(text: str, body_start: int) -> tuple[list[Section], str | None]:
    sections: list[Section] = []
    path: list[tuple[int, str]] = []
    first_h1: str | None = None
    span_start = body_start
    fence: str | None = None
    offset = body_start
    for line in text[body_start:].splitlines(keepends=True):
        line_start, offset = offset, offset + len(line)
        content = line.rstrip("\n")
        fence_match = FENCE.match(content)
        if fence_match:
            marker = fence_match.group(1)
            if fence is None:
                fence = marker[0] * 3
            elif marker.startswith(fence):
                fence = None
            continue
        heading = None if fence else HEADING.match(content)
        if heading is None or not heading.group(2).strip():
            continue
        _close(sections, text, tuple(h for _, h in path), span_start, line_start)
        level, title = len(heading.group(1)), heading.group(2).strip()
        if level == 1 and first_h1 is None:
            first_h1 = title
        path = [(lvl, h) for lvl, h in path if lvl < level] + [(level, title)]
        span_start = offset
    _close(sections, text, tuple(h for _, h in path), span_start, len(text))
    return sections, first_h1


def _close(sections: list[Section], text: str, path: tuple[str, ...], start: int, end: int) -> None:
    """Add the section body ``text[start:end]`` without its surrounding white space, if any is left."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        sections.append(Section(path=path, start=start, end=end))
