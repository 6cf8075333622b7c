"""YAML front matter at the top of a Markdown file (``---`` ... ``---``)."""

from __future__ import annotations

import re
from typing import Any

import yaml

_CLOSING = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.MULTILINE)


def split_front_matter(text: str) -> tuple[dict[str, Any], int]:
    """The front matter as a mapping and the offset where the body starts.

    A block that is not valid YAML, or not a mapping, is still skipped (it is not body text) but
    gives no metadata."""
    if not text.startswith("---\n"):
        return {}, 0
    closing = _CLOSING.search(text, 4)
    if closing is None:
        return {}, 0
    body_start = closing.end() + 1 if closing.end() < len(text) else closing.end()
    try:
        loaded = yaml.safe_load(text[4:closing.start()])
    except yaml.YAMLError:
        return {}, body_start
    if not isinstance(loaded, dict):
        return {}, body_start
    metadata = {str(k): v if isinstance(v, (str, int, float, bool)) or v is None else str(v) for k, v in loaded.items()}
    return metadata, body_start
