"""Chunks keep their section, page and offsets, never lose text and never cross a section."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tenfold.assistant.chunking import chunk_document, max_chars_for
from tenfold.assistant.formats import parse_bytes
from tenfold.assistant.sentences import blocks, quote_units

from .conftest import CORPUS

WORDS = st.sampled_from(["Benefit", "paid", "weekly.", "兒童", "津貼。", "\n", "\n\n", "- item", "£20.70", " ", "## Rates", "# Title"])


@settings(max_examples=150, deadline=None)
@given(st.lists(WORDS, max_size=200).map(" ".join), st.integers(min_value=5, max_value=120))
def test_chunks_are_verbatim_bounded_and_cover_every_section(text: str, limit: int) -> None:
    document = parse_bytes(text.encode(), "generated.md")
    chunks = chunk_document(document, max_chars=limit)
    for chunk in chunks:
        assert chunk.text == document.text[chunk.start:chunk.end]
        assert len(chunk.text) <= limit
        section = next(s for s in document.sections if s.start <= chunk.start and chunk.end <= s.end)
        assert section.path == chunk.section_path
    for section in document.sections:
        covered = set()
        for chunk in chunks:
            if section.start <= chunk.start < section.end:
                covered.update(range(chunk.start, chunk.end))
        missing = [i for i in range(section.start, section.end) if i not in covered and not document.text[i].isspace()]
        assert not missing
    assert [c.ordinal for c in chunks] == list(range(len(chunks)))


def test_chinese_chunks_are_shorter_than_english_ones() -> None:
    assert max_chars_for("zh-Hant") < max_chars_for("en")


def test_every_chunk_of_the_shipped_corpus_is_a_verbatim_span_of_its_file() -> None:
    for path in sorted(CORPUS.glob("*.md")):
        if path.name == "README.md":
            continue
        text = path.read_text(encoding="utf-8")
        document = parse_bytes(path.read_bytes(), path.name)
        chunks = chunk_document(document)
        assert chunks, path.name
        for chunk in chunks:
            assert text[chunk.start:chunk.end] == chunk.text
            assert chunk.section_path, f"{path.name}: a chunk without a heading"


def test_a_hard_wrapped_paragraph_is_one_block_and_list_items_and_rows_are_their_own() -> None:
    text = "A long sentence that was\nwrapped by the editor. Another one.\n- item\n- next\n| a | b |\nafter the table\n一、第一款。\n二、第二款。"
    assert [text[s:e] for s, e in blocks(text)] == [
        "A long sentence that was\nwrapped by the editor. Another one.", "- item", "- next", "| a | b |",
        "after the table", "一、第一款。", "二、第二款。"]
    assert [text[s:e] for s, e in quote_units(text)][:2] == ["A long sentence that was\nwrapped by the editor.", "Another one."]


@settings(max_examples=150, deadline=None)
@given(st.lists(WORDS, max_size=120).map(" ".join))
def test_quote_units_are_trimmed_verbatim_spans_in_order(text: str) -> None:
    previous = 0
    for start, end in quote_units(text):
        assert previous <= start < end <= len(text)
        assert text[start:end] == text[start:end].strip()
        previous = end
