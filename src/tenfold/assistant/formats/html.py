"""HTML: the visible text of the page, with ``<h1>``..``<h6>`` as the section tree.

The page is rendered to Markdown-like text (headings as ``#`` lines, one block per line, list
items as ``- ``); that rendering is the document text the offsets refer to. Scripts, styles and
page chrome (``nav``, ``header``, ``footer``, ``aside``) are dropped."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from tenfold.assistant.formats.markdown import parse_markdown, title_from_name
from tenfold.assistant.language import language_tag
from tenfold.assistant.models import ParsedDocument

SKIPPED = {"script", "style", "noscript", "template", "nav", "header", "footer", "aside", "svg", "head", "select"}
BLOCKS = {
    "p", "div", "section", "article", "main", "li", "tr", "table", "ul", "ol", "dl", "dt", "dd", "blockquote",
    "pre", "br", "hr", "figure", "figcaption", "caption", "details", "summary", "form", "fieldset", "address",
}
HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
VOID = {"br", "hr", "img", "input", "meta", "link", "area", "base", "col", "embed", "source", "track", "wbr"}
_SPACES = re.compile(r"[ \t\r\n\f\v\u00a0]+")


class _Renderer(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []
        self.skip_depth = 0
        self.heading_level = 0
        self.in_title = False
        self.title = ""
        self.lang = ""
        self.prefix = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "html":
            self.lang = dict(attrs).get("lang") or ""
        if tag == "title":
            self.in_title = True
        if tag in SKIPPED and tag not in VOID:
            self.skip_depth += 1
            return
        if tag in BLOCKS or tag in HEADINGS:
            self.flush()
        if tag in HEADINGS:
            self.heading_level = HEADINGS[tag]
        elif tag == "li":
            self.prefix = "- "
        elif tag in ("td", "th") and self.current:
            self.current.append(" | ")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        if tag in SKIPPED and tag not in VOID:
            self.skip_depth = max(0, self.skip_depth - 1)
            return
        if tag in BLOCKS or tag in HEADINGS:
            self.flush()
        if tag in HEADINGS:
            self.heading_level = 0

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title += data
            return
        if self.skip_depth:
            return
        self.current.append(data)

    def flush(self) -> None:
        text = _SPACES.sub(" ", "".join(self.current)).strip()
        self.current = []
        if not text:
            return
        text = text.lstrip("#").strip() or text  # a body line must not read as a heading
        if self.heading_level:
            self.lines.append("")
            self.lines.append("#" * self.heading_level + " " + text)
            self.lines.append("")
        else:
            self.lines.append(self.prefix + text)
        self.prefix = ""


def parse_html(html: str, name: str) -> ParsedDocument:
    renderer = _Renderer()
    renderer.feed(html)
    renderer.close()
    renderer.flush()
    text = "\n".join(renderer.lines).strip("\n") + "\n"
    parsed = parse_markdown(text, name)
    title = _SPACES.sub(" ", renderer.title).strip()
    return ParsedDocument(
        title=title or parsed.title or title_from_name(name),
        language=language_tag(renderer.lang, text),
        text=parsed.text,
        sections=parsed.sections,
        format="html",
    )
