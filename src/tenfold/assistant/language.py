"""Which language a text is written in: Traditional Chinese or English (the two Tenfold speaks)."""

from __future__ import annotations

import re

from tenfold.i18n import normalise_language

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
LATIN = re.compile(r"[A-Za-z]")


def detect_language(text: str) -> str:
    """``zh-Hant`` when Han characters make up a real share of the letters, else ``en``."""
    sample = text[:20000]
    han = len(HAN.findall(sample))
    latin = len(LATIN.findall(sample))
    if han == 0:
        return "en"
    # a Han character carries about as much as a short English word
    return "zh-Hant" if han * 4 >= latin else "en"


def language_tag(value: object, text: str) -> str:
    """A declared language (front matter, ``<html lang>``) if there is one, else a detected one."""
    if isinstance(value, str) and value.strip():
        return normalise_language(value)
    return detect_language(text)


def language_from_name(name: str) -> str | None:
    """A language tag in a file name, as in ``handbook.zh-Hant.md`` or ``guide.en.md``."""
    parts = name.rsplit("/", 1)[-1].split(".")[1:-1]
    for part in reversed(parts):
        lowered = part.lower()
        if lowered == "en" or lowered.startswith("en-"):
            return "en"
        if lowered == "zh" or lowered.startswith("zh-") or lowered.startswith("zh_"):
            return normalise_language(part)
    return None
