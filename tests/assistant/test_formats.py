"""Parsers per format: structure, offsets into the text, and clear errors for what cannot be read."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tenfold.assistant.formats import UnreadableDocument, UnsupportedFormat, parse_bytes
from tenfold.assistant.formats.frontmatter import split_front_matter

from .pdfs import make_pdf

HANDBOOK = """---
title: "Funeral grant handbook"
language: en
licence: CC0
---

# Funeral grant

The grant helps with the cost of a funeral.

## Who can get it

The person who pays for the funeral.

```
# not a heading inside a code fence
```

### Example

Ann paid for her father's funeral.

## How much

EUR 500.
"""


def test_markdown_sections_keep_their_heading_paths_and_offsets() -> None:
    document = parse_bytes(HANDBOOK.encode(), "programs/funeral/handbook.en.md")
    assert document.title == "Funeral grant handbook"
    assert document.language == "en"
    assert document.metadata["licence"] == "CC0"
    paths = [s.path for s in document.sections]
    assert paths == [("Funeral grant",), ("Funeral grant", "Who can get it"), ("Funeral grant", "Who can get it", "Example"),
                     ("Funeral grant", "How much")]
    texts = [document.text[s.start:s.end] for s in document.sections]
    assert texts[0] == "The grant helps with the cost of a funeral."
    assert "# not a heading inside a code fence" in texts[1]
    assert texts[3] == "EUR 500."
    assert document.text == HANDBOOK  # offsets refer to the file itself


def test_front_matter_that_is_not_yaml_gives_no_metadata_but_is_not_body() -> None:
    metadata, body = split_front_matter("---\n: [unclosed\n---\nBody\n")
    assert metadata == {}
    assert body == len("---\n: [unclosed\n---\n")


def test_chinese_markdown_is_detected_as_traditional_chinese() -> None:
    document = parse_bytes("# 育兒津貼\n\n第一名子女每月五千元。\n".encode(), "zh.md")
    assert document.language == "zh-Hant"
    assert document.title == "育兒津貼"


def test_a_language_tag_in_the_file_name_beats_detection_but_not_a_declaration() -> None:
    assert parse_bytes(b"# Grant\n\nEUR 500.\n", "programs/x/handbook.zh-Hant.md").language == "zh-Hant"
    assert parse_bytes("# 津貼\n\n五百元。\n".encode(), "programs/x/handbook.en.md").language == "en"
    declared = "---\nlanguage: en\n---\n# 津貼\n".encode()
    assert parse_bytes(declared, "handbook.zh-Hant.md").language == "en"
    assert parse_bytes("# 津貼\n\n五百元。\n".encode(), "notes.md").language == "zh-Hant"


def test_html_headings_become_sections_and_chrome_is_dropped() -> None:
    html = """<html lang="zh-Hant"><head><title>喪葬補助</title><script>var x = 1;</script></head>
    <body><nav>Home | Menu</nav><h1>喪葬補助</h1><p>支出殯葬費之人可以申請。</p>
    <h2>金額</h2><ul><li>五千元</li><li>一次發給</li></ul><footer>Copyright</footer></body></html>"""
    document = parse_bytes(html.encode(), "page.html")
    assert document.title == "喪葬補助"
    assert document.language == "zh-Hant"
    assert [s.path for s in document.sections] == [("喪葬補助",), ("喪葬補助", "金額")]
    body = document.text[document.sections[1].start:document.sections[1].end]
    assert body == "- 五千元\n- 一次發給"
    assert "Menu" not in document.text and "var x" not in document.text and "Copyright" not in document.text


def test_plain_text_is_one_section() -> None:
    document = parse_bytes(b"Notes on the grant\n\nPaid once.\n", "notes.txt")
    assert document.title == "Notes on the grant"
    assert len(document.sections) == 1


def test_pdf_pages_and_bookmarks_give_sections_on_one_page_each() -> None:
    data = make_pdf([["Funeral grant", "The grant is paid once."], ["Who can get it", "The person who pays."]],
                    outline=[("Funeral grant", 0), ("Who can get it", 1)], title="Handbook")
    document = parse_bytes(data, "handbook.pdf")
    assert document.title == "Handbook"
    assert [(s.path, s.page) for s in document.sections] == [(("Funeral grant",), 1), (("Who can get it",), 2)]
    second = document.sections[1]
    assert document.text[second.start:second.end] == "Who can get it\nThe person who pays."
    assert [p.number for p in document.pages] == [1, 2]


def test_pdf_without_bookmarks_is_cut_at_pages() -> None:
    document = parse_bytes(make_pdf([["First page text."], ["Second page text."]]), "plain.pdf")
    assert [(s.path, s.page) for s in document.sections] == [((), 1), ((), 2)]


@pytest.mark.parametrize("data", [b"%PDF-1.4\nthis is not a pdf", b"", b"\x00\x01garbage"])
def test_a_corrupt_pdf_is_a_clear_error(data: bytes) -> None:
    with pytest.raises(UnreadableDocument, match="broken.pdf"):
        parse_bytes(data, "broken.pdf")


def test_a_pdf_without_text_is_a_clear_error() -> None:
    with pytest.raises(UnreadableDocument, match="no text layer"):
        parse_bytes(make_pdf([[]]), "scan.pdf")


def test_an_encrypted_pdf_is_a_clear_error() -> None:
    import io

    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf([["Secret"]]))))
    writer.encrypt(user_password="secret", owner_password="owner")
    buffer = io.BytesIO()
    writer.write(buffer)
    with pytest.raises(UnreadableDocument, match="encrypted"):
        parse_bytes(buffer.getvalue(), "locked.pdf")


def test_unsupported_types_and_bad_encodings_are_clear_errors() -> None:
    with pytest.raises(UnsupportedFormat, match="unsupported file type '.docx'"):
        parse_bytes(b"PK\x03\x04", "letter.docx")
    with pytest.raises(UnreadableDocument, match="not UTF-8"):
        parse_bytes("Stra\u00dfe".encode("latin-1"), "notes.md")


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(list("# \n`~-abc中文:>*") + ["\r\n", "---\n", "```", "## "]), max_size=120).map("".join))
def test_markdown_sections_are_always_ordered_spans_of_the_text(text: str) -> None:
    document = parse_bytes(text.encode(), "any.md")
    previous_end = 0
    for section in document.sections:
        assert previous_end <= section.start < section.end <= len(document.text)
        body = document.text[section.start:section.end]
        assert body == body.strip() and body
        previous_end = section.end


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(list("<>/ph1234 ab中&;\n") + ["<h2>", "</h2>", "<li>", "<script>", "</script>"]), max_size=80).map("".join))
def test_html_parsing_never_fails_and_keeps_valid_offsets(html: str) -> None:
    document = parse_bytes(html.encode(), "any.html")
    for section in document.sections:
        assert 0 <= section.start < section.end <= len(document.text)
